"""Every role against the read endpoints and the filing endpoint: the web UI's permissions, over HTTP."""
from __future__ import annotations

import threading

from sqlalchemy import select

from tests.api.conftest import Api, error_of
from tests.helpers import PEOPLE
from workflow.storage.models import HumanTask

ROLES = {username: role for username, role, _dept, _org in PEOPLE}
# Who sees a production-department case of organisation A.
SEES_CASE = {"applicant_a", "applicant_a2", "window", "window2", "reviewer1", "reviewer2", "reviewer3",
             "inspector1", "inspector2", "approver", "supervisor", "auditor", "admin"}
REPORTS = {"supervisor", "admin"}
AUDIT = {"auditor", "admin"}
ACCOUNTS = [username for username, *_ in PEOPLE]


def test_each_account_against_the_read_endpoints(api, people, bench_case):
    # One database for all accounts (a loop, not parametrisation): cheap on PostgreSQL too.
    for username in ACCOUNTS:
        _check_account(api, bench_case, username)


def _check_account(api, bench_case, username):
    case_path = f"/api/v1/cases/{bench_case.id}"
    for path, allowed, refused in (
        (case_path, username in SEES_CASE, 404),
        (f"{case_path}/history", username in SEES_CASE, 404),
        ("/api/v1/reports/summary", username in REPORTS, 403),
        ("/api/v1/audit/verify", username in AUDIT, 403),
    ):
        response = api.get(path, as_=username)
        assert response.status_code == (200 if allowed else refused), (username, path)
        if not allowed:
            error_of(response)
    listed = api.get("/api/v1/cases", as_=username).get_json()
    assert (bench_case.id in [c["id"] for c in listed["items"]]) == (username in SEES_CASE), username
    assert api.get("/api/v1/tasks", as_=username).status_code == 200
    assert api.get("/api/v1/matters", as_=username).status_code == 200
    filed = api.post("/api/v1/cases", as_=username, json={"matters": ["bench"], "data": {}})
    assert filed.status_code == (201 if ROLES[username] == "applicant" else 403), username


def test_two_clients_claiming_at_once_one_wins(app, db, people, bench_case):
    with db.reading() as s:
        task_id = s.scalars(select(HumanTask.id).where(HumanTask.case_id == bench_case.id)).one()
    clients = [Api(app.test_client()) for _ in range(3)]
    names = ["reviewer1", "reviewer2", "reviewer3"]
    for client, name in zip(clients, names):
        client.token(name)
    statuses: dict[str, int] = {}
    barrier = threading.Barrier(len(clients))

    def claim(client, name):
        barrier.wait()
        statuses[name] = client.post(f"/api/v1/tasks/{task_id}/claim", as_=name, json={"version": 1}).status_code

    threads = [threading.Thread(target=claim, args=pair) for pair in zip(clients, names)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses.values()) == [200, 409, 409], statuses
