"""GET /notifications, POST /notifications/{id}/read, POST /notifications/read: the caller's own notices."""
from __future__ import annotations

from tests.api.conftest import error_of
from tests.helpers import open_tasks


def test_list_mark_one_and_all(api, db, people, bench_case):
    intake = open_tasks(db, bench_case.id)[0]
    for message in ("第一次", "第二次"):
        assert api.post(f"/api/v1/tasks/{intake.id}/urge", "supervisor", json={"message": message}).status_code == 200
    listed = api.get("/api/v1/notifications", "reviewer1").get_json()
    assert (listed["total"], listed["unread"]) == (2, 2)
    newest = listed["items"][0]
    assert newest["kind"] == "urge" and "第二次" in newest["message"] and newest["task_id"] == intake.id
    assert newest["read_at"] is None and newest["case_id"] == bench_case.id
    marked = api.post(f"/api/v1/notifications/{newest['id']}/read", "reviewer1").get_json()
    assert marked["read_at"] is not None
    unread = api.get("/api/v1/notifications?unread=true", "reviewer1").get_json()
    assert (unread["total"], unread["unread"]) == (1, 1) and "第一次" in unread["items"][0]["message"]
    assert api.post("/api/v1/notifications/read", "reviewer1").get_json() == {"marked": 1}
    assert api.get("/api/v1/notifications", "reviewer1").get_json()["unread"] == 0


def test_another_persons_notice_is_not_found(api, db, people, bench_case):
    intake = open_tasks(db, bench_case.id)[0]
    api.post(f"/api/v1/tasks/{intake.id}/urge", "supervisor", json={"message": "催"})
    theirs = api.get("/api/v1/notifications", "reviewer1").get_json()["items"][0]["id"]
    response = api.post(f"/api/v1/notifications/{theirs}/read", "applicant_a")
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"
    assert api.get("/api/v1/notifications", "applicant_a").get_json()["total"] == 0
    assert api.get("/api/v1/notifications").status_code == 401
    assert api.get("/api/v1/notifications?per_page=1000", "reviewer1").status_code == 400
