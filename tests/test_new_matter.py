"""A matter is one catalogue entry plus its BPMN and forms: one defined here, in the test suite
alone, runs end to end without any engine change; its steps show the three countersign modes
(或签 any one, 会签 all, 票签 a majority)."""
from __future__ import annotations

from pathlib import Path

import pytest
from marshmallow import fields

from tests.helpers import open_tasks
from workflow.domain import forms
from workflow.domain.forms.fields import Form
from workflow.domain.matters import MATTERS, Matter, ProgressStep
from workflow.domain.numbering import serial_number
from workflow.errors import Conflict
from workflow.runtime.deployment import deploy_file
from workflow.services import case_view, cases, tasks

BPMN = Path(__file__).parent / "bpmn" / "countersign.bpmn"


class PilotApplication(Form):
    title = fields.String(load_default="试点事项")


@pytest.fixture
def pilot(db, monkeypatch):
    monkeypatch.setitem(forms.FORMS, "pilot_application", PilotApplication)
    monkeypatch.setitem(MATTERS, "pilot", Matter(
        "pilot", "会签试点事项", "Countersign pilot", "production", "countersign", "pilot_application",
        statutory_days=10, committed_days=8, validity_years=3, numbering=serial_number("SD"),
        progress=(ProgressStep("或签", "Any one", ("any_one",)), ProgressStep("会签", "All", ("all_sign",)),
                  ProgressStep("票签", "Vote", ("committee_vote",)), ProgressStep("结果", "Result", kind="outcome"))))
    with db.transaction() as session:
        deploy_file(session, BPMN)
    return MATTERS["pilot"]


def complete(db, people, who, task, **data):
    tasks.complete(db, people[who], task.id, {"opinion": "意见", **data})


def test_a_new_matter_runs_end_to_end_with_any_all_and_vote(db, people, pilot):
    case = cases.submit(db, people["applicant_a"], ["pilot"], {})
    any_one = open_tasks(db, case.id)
    assert [t.bpmn_id for t in any_one] == ["any_one"] * 3
    complete(db, people, "reviewer1", any_one[0], decision="pass")          # 或签: one is enough
    all_sign = open_tasks(db, case.id)
    assert [t.bpmn_id for t in all_sign] == ["all_sign"] * 2
    complete(db, people, "reviewer1", all_sign[0], decision="pass")
    with pytest.raises(Conflict, match="second person"):                   # 会签: two different people
        complete(db, people, "reviewer1", all_sign[1], decision="pass")
    complete(db, people, "reviewer2", all_sign[1], decision="pass")
    votes = open_tasks(db, case.id)
    assert [t.bpmn_id for t in votes] == ["committee_vote"] * 3
    complete(db, people, "approver", votes[0], decision="award")
    from sqlalchemy import select

    from workflow.storage.models import User
    with db.transaction() as s:       # a second member of the department's committee
        s.add(User(username="approver2", password_hash="x", role="approver", display_name="approver2",
                   department_code="production"))
    with db.reading() as s:
        second = s.scalars(select(User).where(User.username == "approver2")).one()
    tasks.complete(db, second, votes[1].id, {"opinion": "同意", "decision": "award"})   # 票签: 2 of 3 decide
    assert open_tasks(db, case.id) == []
    view = case_view.case_view(db, people["supervisor"], case.id)
    assert (view.case.status, view.case.outcome) == ("completed", "granted")
    assert [s.state for s in view.progress["pilot"]] == ["done", "done", "done", "done"]
    assert view.certificates == []
