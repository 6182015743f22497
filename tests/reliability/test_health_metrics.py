"""``/healthz`` and ``/metrics`` (issue 12, deliver 1) against a real database and the real app."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import text

from tests.helpers import open_tasks
from tests.web.conftest import make_app
from workflow.services import cases, health, tasks
from workflow.storage import audit
from workflow.storage.db import Database, utcnow


@pytest.fixture
def app(db, tmp_path):
    return make_app(db, tmp_path)


def beat(db, worker="w1", ago=timedelta(0), failed=0):
    health.beat(db, worker, utcnow(), 30.0, 0, failed)
    if ago:
        with db.transaction() as s:
            s.execute(text("UPDATE worker_heartbeats SET last_sweep_at = :t WHERE worker = :w"),
                      {"t": utcnow() - ago, "w": worker})


def sample(body: str, name: str, **labels) -> float:
    want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))  # exposition sorts labels
    pattern = rf"^{name}(\{{{re.escape(want)}\}})? (\S+)$" if want else rf"^{name} (\S+)$"
    found = re.search(pattern, body, re.M)
    assert found, f"{name}{{{want}}} not in /metrics"
    return float(found.groups()[-1])


def test_healthy_when_database_schema_and_a_worker_are(app, db):
    beat(db)
    response = app.test_client().get("/healthz")
    assert response.status_code == 200, response.json
    checks = response.json["checks"]
    assert checks["migrations"]["current"] == checks["migrations"]["head"]
    assert checks["timer_workers"]["alive"] == 1 and checks["timer_workers"]["workers"][0]["last_sweep_age_seconds"] < 5


def test_503_without_a_live_timer_worker(app, db):
    assert app.test_client().get("/healthz").status_code == 503          # none ever ran
    beat(db, ago=timedelta(minutes=10))                                 # one went silent
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.json["checks"]["timer_workers"]["workers"][0]["alive"] is False
    beat(db, worker="w2")
    assert app.test_client().get("/healthz").status_code == 200


def test_workers_gone_for_a_day_are_forgotten(app, db):
    beat(db, worker="old", ago=timedelta(days=2))
    beat(db, worker="new")
    workers = app.test_client().get("/healthz").json["checks"]["timer_workers"]["workers"]
    assert [w["worker"] for w in workers] == ["new"]
    with db.reading() as s:
        assert s.scalar(text("SELECT count(*) FROM worker_heartbeats")) == 1


def test_503_when_the_schema_is_behind(app, db):
    beat(db)
    with db.transaction() as s:
        s.execute(text("UPDATE alembic_version SET version_num = '0007'"))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.json["checks"]["migrations"]["ok"] is False


def test_each_check_answers_even_when_another_fails(app, db):
    with db.transaction() as s:
        s.execute(text("DROP TABLE worker_heartbeats"))
    checks = app.test_client().get("/healthz").json["checks"]
    assert checks["database"]["ok"] and checks["migrations"]["ok"]
    assert not checks["timer_workers"]["ok"] and checks["timer_workers"]["error"] in ("OperationalError", "ProgrammingError")


def test_503_when_the_database_is_unreachable(tmp_path):
    app = make_app(Database("postgresql://nobody@127.0.0.1:9/none"), tmp_path)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.json["checks"]["database"]["ok"] is False


def test_metrics_from_loopback_only_unless_a_token_is_configured(app, monkeypatch):
    client = app.test_client()
    assert client.get("/metrics").status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 404
    monkeypatch.setenv("METRICS_TOKEN", "scrape-secret")
    assert client.get("/metrics").status_code == 404                    # loopback is not enough now
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    ok = client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"},
                    headers={"Authorization": "Bearer scrape-secret"})
    assert ok.status_code == 200 and ok.mimetype == "text/plain"


def test_metrics_count_what_happened(app, db, people, clock):
    client = app.test_client()
    before = client.get("/metrics").get_data(as_text=True)
    completions = sample(before, "licensing_task_completions_total")
    cases.submit(db, people["applicant_a"], ["bench"], {})
    case = cases.submit(db, people["applicant_a"], ["bench"], {})
    task = open_tasks(db, case.id)[0]
    tasks.complete(db, people[task_owner(task)], task.id, {"opinion": "同意"})
    beat(db, failed=2)
    client.get("/healthz")
    body = client.get("/metrics").get_data(as_text=True)
    assert sample(body, "licensing_task_completions_total") == completions + 1
    assert sample(body, "licensing_events_total", action="submit") >= 1
    assert sample(body, "licensing_open_tasks", matter="bench", light="green") >= 1
    assert sample(body, "licensing_sweep_failures_total", worker="w1") == 2
    assert sample(body, "licensing_audit_head_age_seconds") >= 0
    assert sample(body, "licensing_http_request_duration_seconds_count",
                  endpoint="ops.healthz", method="GET", status="200") >= 1


def task_owner(task) -> str:
    return {"window": "window", "reviewer": "reviewer1", "approver": "approver"}[task.role]


def test_timer_lag_is_due_to_fired(app, db, clock):
    with db.transaction() as s:
        audit.record(s, action="timer", data={"instance_id": 1, "due": (utcnow() - timedelta(seconds=42)).isoformat()})
    body = app.test_client().get("/metrics").get_data(as_text=True)
    assert sample(body, "licensing_timer_lag_seconds") == 42


def test_overdue_cases(app, db, people, clock):
    case = cases.submit(db, people["applicant_a"], ["bench"], {})
    with db.transaction() as s:
        s.execute(text("UPDATE cases SET decision_due_at = :t WHERE id = :c"), {"t": utcnow() - timedelta(days=1),
                                                                                "c": case.id})
    body = app.test_client().get("/metrics").get_data(as_text=True)
    assert sample(body, "licensing_overdue_cases") == 1
    assert sample(body, "licensing_timers_due") == 0


def test_the_embedded_servers_sweep_thread_counts_as_a_timer_worker(app, db):
    import threading
    from webapp.__main__ import sweep_forever
    stop = threading.Event()
    thread = threading.Thread(target=sweep_forever, args=(db, stop, 30.0), daemon=True)
    thread.start()
    deadline = utcnow() + timedelta(seconds=20)
    while not health.check(db).ok and utcnow() < deadline:
        stop.wait(0.05)
    stop.set()
    thread.join(5)
    assert app.test_client().get("/healthz").status_code == 200      # at once, not after the first interval


def test_serve_prod_refuses_anything_but_postgresql(monkeypatch, capsys):
    from webapp import serve_prod
    monkeypatch.setenv("DATABASE_URL", "sqlite:///var/licensing.db")
    assert serve_prod.main([]) == 2 and "PostgreSQL" in capsys.readouterr().err
