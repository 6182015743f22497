"""Administrators move running instances between versions and retry failed ones over the API."""
from __future__ import annotations

from tests.api.conftest import error_of
from tests.helpers import open_tasks
from tests.test_engine_timers import make_timers_due, reach_decision
from tests.test_failures import flaky  # noqa: F401 - the fixture: a process whose timeout path fails
from tests.test_versions import deploy_renamed
from workflow.services import tasks, timers


def plan(target, **extra):
    return {"process_id": "engine_bench", "from": 1, "to": target, **extra}


def test_dry_run_then_move(db, api, people, bench_case):
    tasks.complete(db, people["reviewer1"], open_tasks(db, bench_case.id, "intake")[0].id, {"opinion": "同意"})
    target = deploy_renamed(db, {"check_a": "check_x"})
    dry = api.post("/api/v1/processes/migrations", "admin", json=plan(target))
    assert dry.status_code == 200, dry.get_json()
    body = dry.get_json()
    assert body["dry_run"] is True and body["movable"] == []
    assert body["refused"][0]["problems"] == ["current step 'check_a' is not in the target version"]

    moved = api.post("/api/v1/processes/migrations", "admin",
                     json=plan(target, mapping={"check_a": "check_x"}, dry_run=False)).get_json()
    assert moved["dry_run"] is False and [c["case_id"] for c in moved["movable"]] == [bench_case.id]
    assert moved["movable"][0]["steps"] == ["check_b", "check_x"]
    assert {t.bpmn_id for t in open_tasks(db, bench_case.id)} == {"check_b", "check_x"}


def test_bad_plans_and_other_roles_are_refused(db, api):
    target = deploy_renamed(db, {"check_a": "check_x"})
    unknown = api.post("/api/v1/processes/migrations", "admin", json=plan(99))
    assert unknown.status_code == 422 and set(error_of(unknown)["fields"]) == {"to"}
    mapping = api.post("/api/v1/processes/migrations", "admin", json=plan(target, mapping={"check_a": "x"}))
    assert mapping.status_code == 422 and set(error_of(mapping)["fields"]) == {"mapping.check_a"}
    extra = api.post("/api/v1/processes/migrations", "admin", json=plan(target, force=True))
    assert extra.status_code == 422
    for name in ("supervisor", "reviewer1"):
        response = api.post("/api/v1/processes/migrations", name, json=plan(target))
        assert response.status_code == 403 and error_of(response)["code"] == "forbidden"
        assert api.get("/api/v1/processes/failed", name).status_code == 403
    assert api.post("/api/v1/processes/migrations", json=plan(target)).status_code == 401


def test_failed_list_and_retry(api):
    empty = api.get("/api/v1/processes/failed", "admin")
    assert empty.status_code == 200 and empty.get_json() == {"items": [], "total": 0, "page": 1, "per_page": 20}
    missing = api.post("/api/v1/processes/failed/12345/retry", "admin")
    assert missing.status_code == 404 and error_of(missing)["code"] == "not_found"


def test_a_failed_instance_is_listed_and_retried(db, api, people, flaky):
    case = reach_decision(db, people)
    make_timers_due(db, case.id)
    timers.run_due(db)
    listed = api.get("/api/v1/processes/failed", "admin").get_json()
    assert listed["total"] == 1 and listed["items"][0]["case_number"] == case.number
    item = listed["items"][0]
    assert item["error"] == "RuntimeError: registry service unavailable"
    again = api.post(f"/api/v1/processes/failed/{item['instance_id']}/retry", "admin").get_json()
    assert again["ok"] is False and again["failure"]["error"] == item["error"]
    flaky["on"] = False
    done = api.post(f"/api/v1/processes/failed/{item['instance_id']}/retry", "admin")
    assert done.status_code == 200 and done.get_json() == {"ok": True, "failure": None}
    assert api.get("/api/v1/processes/failed", "admin").get_json()["total"] == 0
