"""Deliver 1 and 2 of issue 11: sweeps and task commands from several processes, and a timer worker
that outlives its database."""
from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from bench.concurrency import run
from tests.conftest import BACKENDS, PG_URL
from tests.reliability import procs
from tests.test_engine_timers import make_timers_due, reach_decision
from tests.web.flows import application
from workflow.domain import clock
from workflow.services import cases
from workflow.services.worker import TimerWorker
from workflow.storage.db import Database, normalise_url, utcnow
from workflow.storage.models import AuditEvent, Case, HumanTask, ProcessInstance

ROOT = Path(__file__).resolve().parents[2]
# Operations per process in the randomized run (``bench/concurrency.py`` runs thousands per process).
RUN_OPERATIONS = int(os.environ.get("CONCURRENCY_RUN_OPERATIONS", "40"))


def _allow_connections(db: Database, allowed: bool) -> None:
    """Open or close this test's database to new connections (closing also ends the open ones)."""
    name = db.engine.url.database
    admin = Database(db.engine.url.set(database="postgres").render_as_string(hide_password=False))
    with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS {str(allowed).lower()}')
        if not allowed:
            conn.exec_driver_sql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                 f"WHERE datname = '{name}' AND pid <> pg_backend_pid()")
    admin.dispose()


def _wait_for(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_timer_worker_outlives_a_database_outage_and_then_fires_the_timer_once(pg, pg_people):
    case = reach_decision(pg, pg_people)
    make_timers_due(pg, case.id)
    pg.engine.dispose()
    _allow_connections(pg, False)
    worker = TimerWorker(Database(str(pg.engine.url.render_as_string(hide_password=False))),
                         interval=0.01, first_backoff=0.01, max_backoff=0.05)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        _wait_for(lambda: worker.stats.failures >= 3)
        assert thread.is_alive() and worker.stats.passes == 0 and worker.stats.last_error
        _allow_connections(pg, True)
        _wait_for(lambda: worker.stats.woken == 1 and worker.stats.passes >= 2)
    finally:
        _allow_connections(pg, True)
        worker.stop.set()
        thread.join(10)
        worker.db.dispose()
    assert worker.stats.consecutive_failures == 0
    with pg.reading() as s:
        timers_fired = s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.case_id == case.id, AuditEvent.action == "timer"))
        outcome = s.scalar(select(ProcessInstance.outcome).where(ProcessInstance.case_id == case.id))
    assert (timers_fired, outcome) == (1, "expired")


def test_timer_worker_process_keeps_running_without_a_database_and_stops_on_sigterm():
    """``python -m workflow timers run`` never exits on a database error; SIGTERM ends it cleanly."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    worker = subprocess.Popen(
        [sys.executable, "-m", "workflow", "--database", "postgresql://nobody@127.0.0.1:1/none",
         "timers", "run", "--interval", "0.1", "--max-backoff", "0.2"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen: list[str] = []
    try:
        deadline = time.monotonic() + 120          # a loaded machine may take a while to import
        while sum("timer worker pass failed" in line for line in seen) < 3 and time.monotonic() < deadline:
            line = worker.stderr.readline()
            if not line:
                break
            seen.append(line)
        assert worker.poll() is None, worker.communicate()
    finally:
        worker.send_signal(signal.SIGTERM)
        out, err = worker.communicate(timeout=30)
    err = "".join(seen) + err
    assert worker.returncode == 0, err
    assert "timer worker pass failed" in err
    failed = int(out.split(" failed")[0].rsplit(" ", 1)[-1])
    assert "0 passes" in out and failed >= 3, out


@pytest.fixture(params=BACKENDS)
def empty_url(request, tmp_path):
    """An empty database the run builds its bureau in: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'run.db'}"
        return
    name = f"lic_run_{uuid.uuid4().hex[:10]}"
    admin = create_engine(normalise_url(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield normalise_url(PG_URL).rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def test_randomized_run_of_eight_processes_keeps_every_invariant(empty_url):
    """8 processes of random operations over the same cases (``bench/concurrency.py`` checks):
    nothing lost, nothing doubled, every success recorded once, task table = engine, chain intact."""
    report = run(empty_url, processes=8, operations=RUN_OPERATIONS, cases_count=24, seed=7)
    assert report["violations"] == [], report["violations"][:20]
    assert report["double_applied"] == 0
    assert report["succeeded"] >= 4 * RUN_OPERATIONS, report      # the processes did real work


def _overdue_food_cases(db, people, count: int) -> list[int]:
    """Food licence filings nobody answered for two weeks: the clock sweep deems them accepted."""
    ids = []
    for _ in range(count):
        case = cases.submit(db, people["applicant_a"], ["food_license"], application("food_license"))
        with db.transaction() as s:
            row = s.get(Case, case.id)
            row.created_at = row.materials_at = utcnow() - timedelta(days=14)
            clock.refresh_case(s, row, utcnow())
        ids.append(case.id)
    return ids


def _timed_out_decisions(db, people, count: int) -> list[int]:
    ids = []
    for _ in range(count):
        case = reach_decision(db, people)
        make_timers_due(db, case.id)
        ids.append(case.id)
    return ids


def _spawn(jobs: list[tuple], tmp_path: Path) -> list[dict]:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(jobs))
    outs = [str(tmp_path / f"proc{i}.json") for i in range(len(jobs))]
    procs = [context.Process(target=target, args=(*args, barrier, outs[i])) for i, (target, args) in enumerate(jobs)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(300)
    assert [p.exitcode for p in procs] == [0] * len(procs)
    return [json.loads(Path(o).read_text(encoding="utf-8")) for o in outs]


def test_sweeps_and_clerks_from_several_processes_never_deadlock_or_double_apply(pg, pg_people, tmp_path):
    """Two sweeper processes (timers and the clock) race two window clerks completing acceptance of
    overdue filings and two approvers deciding cases whose time-out timer is due: no deadlock, no
    error, every acceptance and every decision applied once, by whoever got there first."""
    food = _overdue_food_cases(pg, pg_people, 10)
    bench = _timed_out_decisions(pg, pg_people, 10)
    url = pg.engine.url.render_as_string(hide_password=False)
    accept, approve = {"decision": "accept", "opinion": "同意受理"}, {"opinion": "同意", "decision": "approve"}
    results = _spawn([(procs.sweeper, (url, 6.0)), (procs.sweeper, (url, 6.0)),
                      (procs.clerk, (url, "window", "acceptance", accept, food, 1)),
                      (procs.clerk, (url, "window2", "acceptance", accept, food, 2)),
                      (procs.clerk, (url, "approver", "decide", approve, bench, 3)),
                      (procs.clerk, (url, "approver", "decide", approve, bench, 4))], tmp_path)
    sweeps, clerks = results[:2], results[2:]
    assert sum(r.get("logged_errors", 0) + r.get("sweep_failed", 0) + r.get("busy", 0) for r in results) == 0
    with pg.reading() as s:
        events = s.execute(select(AuditEvent.action, AuditEvent.case_id, AuditEvent.task_id)
                           .where(AuditEvent.case_id.in_(food + bench))).all()
        steps = dict(s.execute(select(HumanTask.id, HumanTask.bpmn_id).where(HumanTask.case_id.in_(food + bench))).all())
    by_clerks = [t for r in clerks for t in r["completed"]]
    for case_id in food:
        completions = [e for e in events if e.case_id == case_id and e.action == "complete"
                       and steps[e.task_id] == "acceptance"]
        deemed = [e for e in events if e.case_id == case_id and e.action == "deemed_accepted"]
        clerk_won = [e for e in completions if e.task_id in by_clerks]
        assert len(completions) == 1 and len(deemed) + len(clerk_won) == 1, (case_id, completions, deemed)
    for case_id in bench:
        decided = [e for e in events if e.case_id == case_id and (e.action == "timer" or (
            e.action == "complete" and steps[e.task_id] == "decide"))]
        assert len(decided) == 1, (case_id, decided)
    applied = sum((Counter(r) for r in sweeps), Counter())
    assert applied["deemed_accepted"] == sum(1 for e in events if e.action == "deemed_accepted")
    assert applied["timer"] == sum(1 for e in events if e.action == "timer")
    assert len(by_clerks) == len(set(by_clerks))
