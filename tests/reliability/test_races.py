"""Defect 1 of issue 11: case-level commands raced from many threads on PostgreSQL.

Every request goes through the API (so a UniqueViolation or a deadlock would show as a 500) and
each thread holds its own database connection: exactly one click wins, the others get the
common 409 body, and the history records the action once.
"""
from __future__ import annotations

import threading
import time
from datetime import datetime

import pytest
from sqlalchemy import create_engine, select, update
from sqlalchemy.exc import DBAPIError

from tests.api.conftest import Api, error_of, make_app
from tests.helpers import load_people, open_tasks
from tests.reliability.races import race, statuses
from tests.web.conftest import make_app as make_web_app
from workflow.domain import clock
from workflow.errors import Unavailable
from workflow.services import cases, clock as clock_services, tasks
from workflow.storage.db import Database
from workflow.storage.models import AuditEvent, Case, ClockSegment, ProcessInstance, Rating
from workflow.timekeeping.workdays import OFFICE_TZ


def actions(db, case_id: int) -> list[str]:
    with db.reading() as s:
        return list(s.scalars(select(AuditEvent.action).where(AuditEvent.case_id == case_id)
                              .order_by(AuditEvent.seq)))


def accepted_case(db, people):
    """A bench case accepted now, so its clock runs and extensions may be asked for."""
    case = cases.submit(db, people["applicant_a"], ["bench"], {"title": "并发测试件"})
    with db.transaction() as s:
        row = s.get(Case, case.id)
        row.accepted_at, row.status = datetime.now(OFFICE_TZ), "in_progress"
        clock.refresh_case(s, row, row.accepted_at)
    return case


def completed_case(db, people):
    case = cases.submit(db, people["applicant_a"], ["bench"], {"title": "待评价件"})
    for bpmn_id in ("intake", "check_a", "check_b"):
        tasks.complete(db, people["reviewer1"], open_tasks(db, case.id, bpmn_id)[0].id, {"opinion": "同意"})
    tasks.complete(db, people["approver"], open_tasks(db, case.id, "decide")[0].id,
                   {"opinion": "同意", "decision": "approve"})
    return case


def assert_one_winner(responses, success: int) -> None:
    assert statuses(responses) == {success: 1, 409: len(responses) - 1}, statuses(responses)
    for response in responses:
        if response.status_code == 409:
            assert error_of(response)["code"] == "conflict"


def test_thirty_simultaneous_withdrawals_are_one(pg, pg_people, pg_api):
    case = accepted_case(pg, pg_people)
    pg_api.token("applicant_a")
    responses = race([lambda: pg_api.post(f"/api/v1/cases/{case.id}/withdraw", "applicant_a",
                                          json={"reason": "不再需要"})] * 30)
    assert_one_winner(responses, 200)
    assert actions(pg, case.id).count("withdraw") == 1
    with pg.reading() as s:
        assert s.get(Case, case.id).status == "withdrawn"
        assert s.scalars(select(ProcessInstance.status).where(ProcessInstance.case_id == case.id)).all() == ["cancelled"]


def test_fifteen_approvals_and_fifteen_refusals_record_one_decision(pg, pg_people, pg_api):
    case = accepted_case(pg, pg_people)
    task = open_tasks(pg, case.id)[0]
    tasks.claim(pg, pg_people["reviewer1"], task.id)
    segment = clock_services.request_extension(pg, pg_people["reviewer1"], task.id, 5, "需组织专家论证")
    pg_api.token("approver")
    decide = [lambda approve=approve: pg_api.post(f"/api/v1/extensions/{segment.id}/decide", "approver",
                                                  json={"approve": approve, "opinion": "决定"})
              for approve in [True, False] * 15]
    assert_one_winner(race(decide), 200)
    decisions = [a for a in actions(pg, case.id) if a in ("extension_approved", "extension_rejected")]
    assert len(decisions) == 1
    with pg.reading() as s:
        stored = s.get(ClockSegment, segment.id)
        days = s.get(Case, case.id).extended_days
    assert stored.status == {"extension_approved": "approved", "extension_rejected": "rejected"}[decisions[0]]
    assert days == (5 if stored.status == "approved" else 0)


def test_simultaneous_ratings_one_success_no_500(pg, pg_people, pg_api):
    case = completed_case(pg, pg_people)
    for name in ("applicant_a", "applicant_a2"):
        pg_api.token(name)
    rate = [lambda name=name: pg_api.post(f"/api/v1/cases/{case.id}/rating", name, json={"level": 5})
            for name in ["applicant_a", "applicant_a2"] * 10]
    assert_one_winner(race(rate), 201)
    assert actions(pg, case.id).count("rate") == 1
    with pg.reading() as s:
        assert len(s.scalars(select(Rating).where(Rating.case_id == case.id)).all()) == 1


def test_withdrawal_racing_task_commands_leaves_no_stale_instance(pg, pg_people, pg_api):
    """``cancel_all`` reads each instance under its lock: a completion that committed just before the
    withdrawal is cancelled with the rest, never overwritten by a stale copy (the fixture then checks
    that the task table equals the engine)."""
    for round_ in range(5):
        case = accepted_case(pg, pg_people)
        intake = open_tasks(pg, case.id)[0]
        for name in ("applicant_a", "reviewer1"):
            pg_api.token(name)
        calls = [lambda: pg_api.post(f"/api/v1/tasks/{intake.id}/complete", "reviewer1",
                                     json={"data": {"opinion": "同意"}}),
                 lambda: pg_api.post(f"/api/v1/cases/{case.id}/withdraw", "applicant_a", json={})]
        complete, withdraw = race(calls)
        assert withdraw.status_code == 200, withdraw.get_json()
        assert complete.status_code in (200, 409), complete.get_json()
        done = actions(pg, case.id)
        assert done.count("withdraw") == 1 and done.count("complete") == (complete.status_code == 200)
        assert done[-1] == "withdraw" or complete.status_code == 409
        with pg.reading() as s:
            assert s.scalars(select(ProcessInstance.status).where(ProcessInstance.case_id == case.id)).all() \
                == ["cancelled"], round_


def _set_for_new_connections(db, setting: str, value: str) -> None:
    """``ALTER DATABASE … SET`` for this test's database; pooled connections are dropped to pick it up."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f'ALTER DATABASE "{db.engine.url.database}" SET {setting} = \'{value}\'')
    db.engine.dispose()


def _wait_until_blocked(db, timeout: float = 10.0) -> None:
    """Until a backend of this database waits on a lock (the request reached the held one)."""
    deadline = time.monotonic() + timeout
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        while time.monotonic() < deadline:
            waiting = conn.exec_driver_sql(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'").scalar()
            if waiting:
                return
            time.sleep(0.02)
    raise AssertionError("the request never waited for the lock")


def _assert_nothing_written(db, case_id: int, response) -> None:
    assert response.status_code == 409, response.get_json()
    assert error_of(response)["code"] == "conflict"
    assert actions(db, case_id) == ["submit"]
    with db.reading() as s:
        assert s.get(Case, case_id).status == "in_progress"


def test_deadlock_victim_answers_409_and_writes_nothing(pg, pg_people, pg_api):
    """A request chosen as the deadlock victim is a conflict the caller may retry, not a 500."""
    case = accepted_case(pg, pg_people)
    pg_api.token("applicant_a")
    _set_for_new_connections(pg, "deadlock_timeout", "50ms")    # the request detects the cycle first
    with create_engine(pg.engine.url).connect() as holder:
        holder.exec_driver_sql("SET deadlock_timeout = '10s'")
        holder.exec_driver_sql("SELECT 1 FROM audit_head WHERE id = 1 FOR UPDATE")   # what commands lock last
        result = []
        thread = threading.Thread(target=lambda: result.append(
            pg_api.post(f"/api/v1/cases/{case.id}/withdraw", "applicant_a", json={})))
        thread.start()
        _wait_until_blocked(pg)
        holder.exec_driver_sql(f"SELECT 1 FROM cases WHERE id = {case.id} FOR UPDATE")  # the cycle
        holder.rollback()
        thread.join(30)
    _assert_nothing_written(pg, case.id, result[0])


def test_lock_timeout_answers_409_and_writes_nothing(pg, pg_people, pg_api):
    case = accepted_case(pg, pg_people)
    pg_api.token("applicant_a")
    _set_for_new_connections(pg, "lock_timeout", "200ms")
    with create_engine(pg.engine.url).connect() as holder:
        holder.exec_driver_sql(f"SELECT 1 FROM cases WHERE id = {case.id} FOR UPDATE")
        response = pg_api.post(f"/api/v1/cases/{case.id}/withdraw", "applicant_a", json={})
        holder.rollback()
    _assert_nothing_written(pg, case.id, response)


def test_unreachable_database_answers_503_with_the_error_shape(tmp_path):
    """No server at the address: every request is a 503 with ``Retry-After``, never a 500."""
    api = Api(make_app(Database("postgresql://nobody@127.0.0.1:1/none")).test_client())
    response = api.client.post("/api/v1/auth/token", json={"username": "a", "password": "b"})
    assert response.status_code == 503, response.get_data(as_text=True)
    assert error_of(response)["code"] == "unavailable"
    assert response.headers["Retry-After"] == "5"


def test_unreachable_database_is_a_503_page_in_chinese_not_a_500(tmp_path):
    app = make_web_app(Database("postgresql://nobody@127.0.0.1:1/none"), tmp_path)
    response = app.test_client().post("/login", data={"username": "a", "password": "b"})
    assert response.status_code == 503
    assert "服务暂时不可用" in response.get_data(as_text=True)


def test_a_pooled_connection_the_server_dropped_is_replaced_before_use(pg, pg_people, monkeypatch):
    """Busy connections are not pinged (a round trip per request); one idle past the limit is, so a
    server restart or a dropped idle socket costs no request an error."""
    monkeypatch.setattr("workflow.storage.db.IDLE_PING_SECONDS", 0.2)
    with pg.reading() as s:
        pid = s.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()
    with create_engine(pg.engine.url).connect() as killer:
        killer.exec_driver_sql(f"SELECT pg_terminate_backend({pid})")
        killer.commit()
    time.sleep(0.3)
    case = cases.submit(pg, pg_people["applicant_a"], ["bench"], {"title": "断线重连"})
    with pg.reading() as s:
        assert s.get(Case, case.id) is not None


def test_reading_sessions_keep_the_connections_prepared_statements(pg):
    """psycopg forgets every prepared statement of a connection on ROLLBACK; reading sessions (one or
    two per API request) end with COMMIT, so a statement run request after request is planned once."""
    prepared = []
    for _ in range(12):
        with pg.reading() as s:
            s.execute(select(Case.id).where(Case.id == -1)).all()
            prepared.append(s.connection().exec_driver_sql(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%%FROM cases%%'").scalar())
    assert max(prepared) >= 1


@pytest.mark.parametrize("backend", ["db", "pg"])      # this directory's `db` is SQLite
def test_a_reading_session_cannot_write(backend, request):
    """Reading sessions cannot write (PostgreSQL: READ ONLY transactions; SQLite: query_only
    connections): a write in one is an error, not silently kept or dropped."""
    db = request.getfixturevalue(backend)
    case = cases.submit(db, load_people(db)["applicant_a"], ["bench"], {"title": "只读"})
    with pytest.raises((DBAPIError, Unavailable)) as err:
        with db.reading() as s:
            s.execute(update(Case).where(Case.id == case.id).values(title="改写"))
    refused = err.value if isinstance(err.value, DBAPIError) else err.value.__cause__
    if db.is_postgres:
        assert refused.orig.sqlstate == "25006"        # read_only_sql_transaction
    else:
        assert "readonly" in str(refused.orig)         # attempt to write a readonly database
    with db.reading() as s:
        assert s.get(Case, case.id).title == "只读"
