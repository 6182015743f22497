"""Task operations over the API: inbox, claim, complete with versions, return, transfer, copy, urge."""
from __future__ import annotations

from sqlalchemy import select

from tests.api.conftest import error_of
from tests.helpers import open_tasks
from workflow.storage.models import Notification


def intake_id(db, case):
    return open_tasks(db, case.id)[0].id


def test_inbox_views(db, api, people, bench_case):
    claimable = api.get("/api/v1/tasks?view=claimable", as_="reviewer1").get_json()
    assert [t["bpmn_id"] for t in claimable["items"]] == ["intake"] and claimable["total"] == 1
    assert api.get("/api/v1/tasks?view=mine", as_="reviewer1").get_json()["total"] == 0
    assert api.get("/api/v1/tasks?view=claimable", as_="food_reviewer").get_json()["total"] == 0
    assert api.get("/api/v1/tasks?view=claimable", as_="approver").get_json()["total"] == 0
    api.post(f"/api/v1/tasks/{intake_id(db, bench_case)}/claim", as_="reviewer1")
    mine = api.get("/api/v1/tasks?view=mine&matter=bench", as_="reviewer1").get_json()
    assert mine["total"] == 1 and mine["items"][0]["assignee_id"] == people["reviewer1"].id
    assert api.get("/api/v1/tasks?view=claimable", as_="reviewer2").get_json()["total"] == 0
    assert api.get("/api/v1/tasks?view=all&light=red", as_="reviewer1").get_json()["total"] == 0
    assert api.get("/api/v1/tasks?view=overdue", as_="reviewer1").get_json()["total"] == 0
    bad = api.get("/api/v1/tasks?view=everything", as_="reviewer1")
    assert bad.status_code == 400 and "view" in error_of(bad)["fields"]
    assert api.get("/api/v1/tasks?per_page=0", as_="reviewer1").status_code == 400


def test_task_detail_has_version_and_form_schema(db, api, people, bench_case):
    task_id = intake_id(db, bench_case)
    response = api.get(f"/api/v1/tasks/{task_id}", as_="reviewer1")
    assert response.status_code == 200
    task = response.get_json()
    assert task["version"] >= 1 and task["form_key"] == "generic"
    assert "opinion" in task["form_schema"]["required"]
    assert task["form_schema"]["properties"]["decision"]["enum"] == ["approve", "deny", "done"]
    assert api.get(f"/api/v1/tasks/{task_id}", as_="food_reviewer").status_code == 404
    assert api.get(f"/api/v1/tasks/{task_id}", as_="applicant_b").status_code == 404
    assert api.get("/api/v1/tasks/424242", as_="reviewer1").status_code == 404


def test_claim_twice_is_409_and_wrong_role_is_403(db, api, people, bench_case):
    task_id = intake_id(db, bench_case)
    version = api.get(f"/api/v1/tasks/{task_id}", as_="reviewer1").get_json()["version"]
    first = api.post(f"/api/v1/tasks/{task_id}/claim", as_="reviewer1", json={"version": version})
    assert first.status_code == 200 and first.get_json()["assignee_id"] == people["reviewer1"].id
    second = api.post(f"/api/v1/tasks/{task_id}/claim", as_="reviewer2", json={"version": version})
    assert second.status_code == 409 and error_of(second)["code"] == "conflict"
    approver = api.post(f"/api/v1/tasks/{task_id}/claim", as_="approver")
    assert approver.status_code in (403, 409)
    bad = api.post(f"/api/v1/tasks/{task_id}/claim", as_="reviewer1", json={"version": "one"})
    assert bad.status_code == 422 and "version" in error_of(bad)["fields"]


def test_wrong_role_is_403(db, api, people, bench_case):
    task_id = intake_id(db, bench_case)
    response = api.post(f"/api/v1/tasks/{task_id}/claim", as_="approver")
    assert response.status_code == 403 and error_of(response)["code"] == "forbidden"
    other_department = api.post(f"/api/v1/tasks/{task_id}/complete", as_="food_reviewer",
                                json={"data": {"opinion": "x"}})
    assert other_department.status_code == 404        # a task the caller may not see is not found


def test_unclaim(db, api, people, bench_case):
    task_id = intake_id(db, bench_case)
    assert api.post(f"/api/v1/tasks/{task_id}/unclaim", as_="reviewer1").status_code == 409
    api.post(f"/api/v1/tasks/{task_id}/claim", as_="reviewer1")
    assert api.post(f"/api/v1/tasks/{task_id}/unclaim", as_="reviewer2").status_code == 409
    response = api.post(f"/api/v1/tasks/{task_id}/unclaim", as_="reviewer1")
    assert response.status_code == 200 and response.get_json()["assignee_id"] is None


def test_complete_with_stale_version_is_409_and_writes_nothing(db, api, people, bench_case):
    task_id = intake_id(db, bench_case)
    seen = api.get(f"/api/v1/tasks/{task_id}", as_="reviewer1").get_json()["version"]
    api.post(f"/api/v1/tasks/{task_id}/claim", as_="reviewer1")
    # Someone changes the instance (a return would; here another command bumps it) …
    with db.transaction() as s:
        from workflow.storage.models import ProcessInstance
        s.get(ProcessInstance, open_tasks(db, bench_case.id)[0].instance_id).version += 1
    stale = api.post(f"/api/v1/tasks/{task_id}/complete", as_="reviewer1",
                     json={"data": {"opinion": "同意"}, "version": seen})
    assert stale.status_code == 409 and error_of(stale)["code"] == "conflict"
    assert open_tasks(db, bench_case.id)[0].id == task_id
    fresh = api.get(f"/api/v1/tasks/{task_id}", as_="reviewer1").get_json()["version"]
    done = api.post(f"/api/v1/tasks/{task_id}/complete", as_="reviewer1",
                    json={"data": {"opinion": "同意"}, "version": fresh})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["state"] == "closed" and done.get_json()["version"] > fresh
    assert sorted(t.bpmn_id for t in open_tasks(db, bench_case.id)) == ["check_a", "check_b"]


def test_complete_validation_is_422_with_field_messages(db, api, people, bench_case):
    task_id = intake_id(db, bench_case)
    response = api.post(f"/api/v1/tasks/{task_id}/complete", as_="reviewer1",
                        json={"data": {"decision": "maybe", "colour": 1}})
    assert response.status_code == 422
    fields = error_of(response)["fields"]
    assert {"opinion", "decision", "colour"} <= set(fields)
    missing = api.post(f"/api/v1/tasks/{task_id}/complete", as_="reviewer1", json={"version": 1})
    assert missing.status_code == 422 and "data" in error_of(missing)["fields"]
    assert open_tasks(db, bench_case.id)[0].id == task_id


def test_full_path_over_the_api(db, api, people, bench_case):
    intake = intake_id(db, bench_case)
    assert api.post(f"/api/v1/tasks/{intake}/complete", as_="reviewer1",
                    json={"data": {"opinion": "收件"}}).status_code == 200
    first, second = open_tasks(db, bench_case.id)
    assert api.post(f"/api/v1/tasks/{first.id}/complete", as_="reviewer1",
                    json={"data": {"opinion": "核查"}}).status_code == 200
    assert api.post(f"/api/v1/tasks/{second.id}/complete", as_="reviewer2",
                    json={"data": {"opinion": "核查"}}).status_code == 200
    decide = open_tasks(db, bench_case.id)[0]
    assert decide.bpmn_id == "decide"
    assert api.get("/api/v1/tasks?view=claimable", as_="approver").get_json()["total"] == 1
    done = api.post(f"/api/v1/tasks/{decide.id}/complete", as_="approver",
                    json={"data": {"opinion": "准予许可", "decision": "approve"}})
    assert done.status_code == 200 and done.get_json()["decision"] == "approve"
    case = api.get(f"/api/v1/cases/{bench_case.id}", as_="applicant_a").get_json()
    assert case["status"] == "completed" and case["outcome"] == "granted" and case["open_tasks"] == []
    assert api.post(f"/api/v1/tasks/{decide.id}/complete", as_="approver",
                    json={"data": {"opinion": "again"}}).status_code == 409


def test_return_to_an_earlier_step(db, api, people, bench_case):
    intake = intake_id(db, bench_case)
    api.post(f"/api/v1/tasks/{intake}/complete", as_="reviewer1", json={"data": {"opinion": "收件"}})
    check = open_tasks(db, bench_case.id)[0]
    assert api.post(f"/api/v1/tasks/{check.id}/return", as_="reviewer1",
                    json={"target": "intake", "opinion": "退回"}).status_code == 409      # claim it first
    offered = api.post(f"/api/v1/tasks/{check.id}/claim", as_="reviewer1").get_json()["actions"]
    assert next(a for a in offered if a["op"] == "return")["targets"] == [{"id": "intake", "title": "收件审查"}]
    no_opinion = api.post(f"/api/v1/tasks/{check.id}/return", as_="reviewer1", json={"target": "intake", "opinion": " "})
    assert no_opinion.status_code == 422 and "opinion" in error_of(no_opinion)["fields"]
    never_done = api.post(f"/api/v1/tasks/{check.id}/return", as_="reviewer1",
                          json={"target": "decide", "opinion": "退回"})
    assert never_done.status_code == 422 and "target" in error_of(never_done)["fields"]
    response = api.post(f"/api/v1/tasks/{check.id}/return", as_="reviewer1",
                        json={"target": "intake", "opinion": "材料不全，重新收件"})
    assert response.status_code == 200 and response.get_json()["close_reason"] == "returned"
    assert [t.bpmn_id for t in open_tasks(db, bench_case.id)] == ["intake"]
    history = api.get(f"/api/v1/cases/{bench_case.id}/history", as_="auditor").get_json()["items"]
    assert history[-1]["action"] == "return" and history[-1]["opinion"] == "材料不全，重新收件"


def test_return_to_applicant_for_correction(db, api, people, bench_case):
    intake = intake_id(db, bench_case)
    api.post(f"/api/v1/tasks/{intake}/claim", as_="reviewer1")
    before = api.post(f"/api/v1/tasks/{intake}/correction", as_="reviewer1",
                      json={"opinion": "请补正", "items": ["营业执照"]})
    assert before.status_code == 409       # before acceptance the window's one-time notice asks
    with db.transaction() as s:
        from workflow.storage.models import Case
        s.get(Case, bench_case.id).accepted_at = s.get(Case, bench_case.id).created_at
    no_items = api.post(f"/api/v1/tasks/{intake}/return", as_="reviewer1",
                        json={"target": "applicant", "opinion": "请补正"})
    assert no_items.status_code == 422 and "items" in error_of(no_items)["fields"]
    stale = api.post(f"/api/v1/tasks/{intake}/return", as_="reviewer1",
                     json={"target": "applicant", "opinion": "请补正", "items": ["营业执照"], "version": 999})
    assert stale.status_code == 409
    response = api.post(f"/api/v1/tasks/{intake}/return", as_="reviewer1",
                        json={"target": "applicant", "opinion": "请补正", "items": ["营业执照副本", "产品明细"]})
    assert response.status_code == 200 and response.get_json()["hold"] == "correction"
    case = api.get(f"/api/v1/cases/{bench_case.id}", as_="applicant_a").get_json()
    assert case["clock"]["suspended"] is True
    again = api.post(f"/api/v1/tasks/{intake}/return", as_="reviewer1",
                     json={"target": "applicant", "opinion": "再补", "items": ["x"]})
    assert again.status_code == 409


def test_transfer(db, api, people, bench_case):
    intake = intake_id(db, bench_case)
    claimed = api.post(f"/api/v1/tasks/{intake}/claim", as_="reviewer1").get_json()
    offered = next(a for a in claimed["actions"] if a["op"] == "transfer")["candidates"]
    assert sorted(p["username"] for p in offered) == ["reviewer2", "reviewer3"]
    for user in ("reviewer1", "food_reviewer", "auditor"):
        refused = api.post(f"/api/v1/tasks/{intake}/transfer", as_="reviewer1", json={"to_user_id": people[user].id})
        assert refused.status_code == 422 and "to_user_id" in error_of(refused)["fields"], user
    assert api.post(f"/api/v1/tasks/{intake}/transfer", as_="reviewer1", json={}).status_code == 422
    unknown_id = api.post(f"/api/v1/tasks/{intake}/transfer", as_="reviewer1", json={"to_user_id": 99999})
    assert unknown_id.status_code == 422
    not_holder = api.post(f"/api/v1/tasks/{intake}/transfer", as_="reviewer3",
                          json={"to_user_id": people["reviewer2"].id})
    assert not_holder.status_code == 409
    response = api.post(f"/api/v1/tasks/{intake}/transfer", as_="reviewer1",
                        json={"to_user_id": people["reviewer2"].id, "opinion": "请代办"})
    assert response.status_code == 200 and response.get_json()["assignee_id"] == people["reviewer2"].id


def test_every_operation_the_policy_offers_has_an_endpoint_named_after_it(db, api, people, bench_case):
    from flask import current_app  # noqa: F401
    from workflow.domain.policy import case_rules, task_rules
    doc = api.get("/api/v1/openapi.json", as_="window").get_json()
    paths = set(doc["paths"])
    for op in task_rules.RULES:
        assert f"/api/v1/tasks/{{task_id}}/{op}" in paths, op
    for op in case_rules.RULES:
        assert f"/api/v1/cases/{{case_id}}/{op}" in paths or op == "decide", op
    assert "/api/v1/extensions/{segment_id}/decide" in paths


def test_copy_and_urge(db, api, people, bench_case):
    intake = intake_id(db, bench_case)
    copied = api.post(f"/api/v1/tasks/{intake}/copy", as_="reviewer1",
                      json={"user_ids": [people["approver"].id, people["supervisor"].id], "message": "请知悉"})
    assert copied.status_code == 200
    assert sorted(copied.get_json()["notified"]) == sorted([people["approver"].id, people["supervisor"].id])
    to_applicant = api.post(f"/api/v1/tasks/{intake}/copy", as_="reviewer1",
                            json={"user_ids": [people["applicant_a"].id]})
    assert to_applicant.status_code == 422
    empty = api.post(f"/api/v1/tasks/{intake}/copy", as_="reviewer1", json={"user_ids": []})
    assert empty.status_code == 422 and "user_ids" in error_of(empty)["fields"]
    assert api.post(f"/api/v1/tasks/{intake}/copy", as_="applicant_a",
                    json={"user_ids": [people["approver"].id]}).status_code == 404
    urged = api.post(f"/api/v1/tasks/{intake}/urge", as_="supervisor", json={"message": "请尽快"})
    assert urged.status_code == 200
    assert set(urged.get_json()["notified"]) == {people[n].id for n in ("reviewer1", "reviewer2", "reviewer3")}
    assert api.post(f"/api/v1/tasks/{intake}/urge", as_="reviewer1").status_code == 403
    with db.reading() as s:
        kinds = s.scalars(select(Notification.kind).where(Notification.task_id == intake)).all()
    assert sorted(set(kinds)) == ["copy", "urge"]
