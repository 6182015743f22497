"""Ids reveal nothing (defect 4) and urging respects who may open the case (defect 3).

A task or case the caller may not see answers exactly as a missing id does — 404, before any
version or state check — on every endpoint; a refused urge writes no notification and no event.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.api.conftest import error_of
from tests.helpers import open_tasks
from tests.web.flows import application
from workflow.services import cases, dispatch, tasks
from workflow.storage.models import AuditEvent, Notification

MISSING = 424242
BODIES = {
    "claim": {"version": 999}, "complete": {"data": {"opinion": "x"}, "version": 999},
    "return": {"target": "intake", "opinion": "x", "version": 999},
    "correction": {"opinion": "x", "items": ["a"], "version": 999}, "recall": {"version": 999},
    "transfer": {"to_user_id": 1}, "delegate": {"to_user_id": 1}, "resolve": {"opinion": "x"},
    "add_signer": {"user_id": 1}, "remove_signer": {"user_id": 1}, "sign": {"opinion": "x"},
    "copy": {"user_ids": [1]}, "urge": {"message": "x"}, "suspend": {"reason": "hearing"},
    "extension": {"days": 3, "reason": "x"},
}


def _counts(db) -> tuple[int, int]:
    with db.reading() as s:
        return (s.scalar(select(func.count(Notification.id))), s.scalar(select(func.count(AuditEvent.seq))))


@pytest.fixture
def hidden_task(db, people):
    """The intake step of a production case: nobody in the food department may see it."""
    case = cases.submit(db, people["applicant_a"], ["bench"], {"title": "可见性"})
    return open_tasks(db, case.id)[0]


@pytest.mark.parametrize("op", sorted(dispatch.TASK_OPS))
def test_every_task_op_answers_a_hidden_id_as_a_missing_one(api, hidden_task, op):
    body = BODIES.get(op, {})
    hidden = api.post(f"/api/v1/tasks/{hidden_task.id}/{op}", as_="food_approver", json=body)
    missing = api.post(f"/api/v1/tasks/{MISSING}/{op}", as_="food_approver", json=body)
    assert hidden.status_code == missing.status_code == 404, (hidden.get_json(), missing.get_json())
    assert error_of(hidden) == error_of(missing)


def test_hidden_task_page_and_read_are_404(api, login, hidden_task):
    assert api.get(f"/api/v1/tasks/{hidden_task.id}", as_="food_reviewer").status_code == 404
    page = login("food_approver")
    assert page.get(f"/tasks/{hidden_task.id}").status_code == 404
    for op in ("claim", "complete", "urge", "return"):
        form = {"expected_version": "999", "opinion": "x"}
        assert page.post(f"/tasks/{hidden_task.id}/{op}", data=form).status_code == 404
        assert page.post(f"/tasks/{MISSING}/{op}", data=form).status_code == 404


def test_another_organisations_case_is_404_on_every_case_endpoint(db, api, people, hidden_task):
    case_id = hidden_task.case_id
    for path in ("", "/history"):
        assert api.get(f"/api/v1/cases/{case_id}{path}", as_="applicant_b").status_code == 404
    bodies = {"withdraw": {"reason": "不要了"}, "resubmit": {"data": {}}, "rating": {"level": 5}}
    for op, body in bodies.items():
        hidden = api.post(f"/api/v1/cases/{case_id}/{op}", as_="applicant_b", json=body)
        missing = api.post(f"/api/v1/cases/{MISSING}/{op}", as_="applicant_b", json=body)
        assert hidden.status_code == missing.status_code == 404
        assert error_of(hidden) == error_of(missing)


def test_urge_outside_the_department_is_404_and_leaves_no_trace(db, api, hidden_task):
    before = _counts(db)
    response = api.post(f"/api/v1/tasks/{hidden_task.id}/urge", as_="food_approver", json={"message": "快"})
    assert response.status_code == 404
    assert _counts(db) == before


def test_the_applicants_correction_step_is_not_urged(db, api, people):
    case = cases.submit(db, people["applicant_a"], ["food_license"], application("food_license"))
    tasks.complete(db, people["window"], open_tasks(db, case.id)[0].id,
                   {"opinion": "请补正", "decision": "correct", "items": ["营业执照"]})
    correction = open_tasks(db, case.id)[0]
    assert correction.role == "applicant"
    before = _counts(db)
    for who in ("window", "supervisor", "food_approver"):
        response = api.post(f"/api/v1/tasks/{correction.id}/urge", as_=who, json={})
        assert response.status_code == 403, (who, response.get_json())
        assert "urge" not in {a["op"] for a in api.get(f"/api/v1/cases/{case.id}", as_=who).get_json()["actions"]}
    assert _counts(db) == before


def test_urge_within_the_department_still_works(db, api, people, hidden_task):
    response = api.post(f"/api/v1/tasks/{hidden_task.id}/urge", as_="approver", json={"message": "请尽快"})
    assert response.status_code == 200 and response.get_json()["notified"]
