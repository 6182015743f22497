"""A matter is one catalogue entry plus its BPMN and forms: those defined here, in the test suite
alone, run end to end without any engine change. One files, is accepted, reviewed and granted,
and gets a certificate numbered with its own prefix and printed with its own layout, counted in
the period report in its own statistics units; the other's steps show the three countersign
modes (或签 any one, 会签 all, 票签 a majority)."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from marshmallow import fields

from tests import helpers
from tests.helpers import open_tasks
from workflow.domain import forms
from workflow.domain.forms.fields import Form
from workflow.documents.content import Links
from workflow.domain.matters import MATTERS, Matter, ProgressStep, listed
from workflow.domain.numbering import serial_number
from workflow.domain.particulars import CertificateLayout
from workflow.errors import Conflict
from workflow.runtime.deployment import deploy_file
from workflow.services import case_view, cases, documents, reports, tasks
from workflow.timekeeping.workdays import local_date

BPMN = Path(__file__).parent / "bpmn" / "countersign.bpmn"
LICENCE_BPMN = Path(__file__).parent / "bpmn" / "pilot_licence.bpmn"
LINKS = Links(verify=lambda token: f"https://example.org/verify/{token}", progress="https://example.org/progress")


def add_matter(db, monkeypatch, form: type[Form], matter: Matter, bpmn: Path) -> Matter:
    """All a new matter takes: its form, its catalogue entry and its BPMN; nothing in workflow/."""
    monkeypatch.setitem(forms.FORMS, matter.application_form, form)
    monkeypatch.setitem(MATTERS, matter.code, matter)
    with db.transaction() as session:
        deploy_file(session, bpmn)
    return matter


class PilotApplication(Form):
    title = fields.String(load_default="试点事项")


@pytest.fixture
def pilot(db, monkeypatch):
    return add_matter(db, monkeypatch, PilotApplication, Matter(
        "pilot", "会签试点事项", "Countersign pilot", "production", "countersign", "pilot_application",
        statutory_days=10, committed_days=8, validity_years=3, numbering=serial_number("SD"),
        progress=(ProgressStep("或签", "Any one", ("any_one",)), ProgressStep("会签", "All", ("all_sign",)),
                  ProgressStep("票签", "Vote", ("committee_vote",)), ProgressStep("结果", "Result", kind="outcome"))),
        BPMN)


class PilotLicenceApplication(Form):
    title = fields.String(load_default="试点许可")
    sites = fields.List(fields.String(), required=True)


def pilot_particulars(data: dict, _scope: str | None) -> list[tuple[str, str | None]]:
    return [("试点场所", "、".join(data.get("sites") or []))]


@pytest.fixture
def pilot_licence(db, monkeypatch):
    """A licence counted per site, numbered SDX…, printed as 试点许可证 with its sites."""
    return add_matter(db, monkeypatch, PilotLicenceApplication, Matter(
        "pilot_licence", "试点许可", "Pilot licence", "production", "pilot_licence", "pilot_licence_application",
        statutory_days=10, committed_days=8, validity_years=2, numbering=serial_number("SDX"),
        units=listed("sites"), statistics_unit="site",
        certificate=CertificateLayout("试点许可证", holder_label="持证单位", particulars=pilot_particulars),
        progress=(ProgressStep("受理", "Intake", ("acceptance",)), ProgressStep("审查", "Review", ("document_review",)),
                  ProgressStep("决定", "Decision", ("approval",)), ProgressStep("发证", "Certificate", kind="outcome"))),
        LICENCE_BPMN)


def pdf_text(db, actor, case_id: int, key: str) -> str:
    return helpers.pdf_text(documents.render(db, actor, case_id, key, LINKS).data)


def test_a_new_licence_is_filed_granted_numbered_counted_and_printed_as_its_entry_says(db, people, pilot_licence):
    case = cases.submit(db, people["applicant_a"], ["pilot_licence"], {"sites": ["一号车间", "二号车间", "三号车间"]})
    for who, bpmn_id, decision in (("window", "acceptance", "accept"), ("reviewer1", "document_review", "pass"),
                                   ("approver", "approval", "approve")):
        task, = open_tasks(db, case.id, bpmn_id)
        complete(db, people, who, task, decision=decision)
    view = case_view.case_view(db, people["applicant_a"], case.id)
    assert (view.case.status, view.case.outcome) == ("completed", "granted")
    assert [s.state for s in view.progress["pilot_licence"]] == ["done"] * 4
    cert, = view.certificates
    assert cert.number.startswith(f"SDX{cert.issued_on.year}-")
    assert (cert.valid_until.year - cert.issued_on.year) == 2

    today = local_date(datetime.now(timezone.utc))
    row, = [r for r in reports.period_report(db, people["supervisor"], today, today).rows if r.matter == "pilot_licence"]
    assert (row.received, row.items, row.certificates) == (1, 3, 1)     # three sites in one filing

    kinds = {d.kind: d.key for d in view.documents}
    assert {"acceptance", "grant", "certificate", "delivery"} <= set(kinds)
    printed = pdf_text(db, people["applicant_a"], case.id, kinds["certificate"])
    assert "试点许可证" in printed and "持证单位" in printed and "一号车间、二号车间、三号车间" in printed
    assert cert.number in pdf_text(db, people["applicant_a"], case.id, kinds["grant"])
    assert "试点许可" in pdf_text(db, people["applicant_a"], case.id, kinds["acceptance"])


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
