"""Deliver 1 and 2 of issue 11: sweeps and task commands from several processes, and a timer worker
that outlives its database."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from sqlalchemy import func, select

from tests.test_engine_timers import make_timers_due, reach_decision
from workflow.services.worker import TimerWorker
from workflow.storage.db import Database
from workflow.storage.models import AuditEvent, ProcessInstance

ROOT = Path(__file__).resolve().parents[2]


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
