"""Is the deployment working? Database, schema, timer workers: what ``/healthz`` reports.

Timer workers write a heartbeat row after every sweep (:func:`beat`); a worker is alive while
its last sweep is younger than three of its intervals (at least two minutes). The deployment
is healthy when the database answers, the schema is at the newest migration and at least one
timer worker is alive: without one, timers, deemed acceptance and the lights stop silently.
"""
from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from alembic.script import ScriptDirectory
from sqlalchemy import delete, select, text
from sqlalchemy.exc import SQLAlchemyError

from workflow.errors import Unavailable
from workflow.storage.db import Database, utcnow
from workflow.storage.models import WorkerHeartbeat
from workflow.storage.schema import alembic_config

log = logging.getLogger(__name__)
MIN_STALE = timedelta(minutes=2)
FORGET = timedelta(days=1)          # workers gone for a day are no longer listed, then deleted


@dataclass
class Health:
    ok: bool
    checks: dict[str, dict] = field(default_factory=dict)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def beat(db: Database, worker: str, started_at: datetime, interval: float, woken: int, failed: int) -> None:
    """Record one finished sweep of ``worker`` (an upsert on its own row: no contention)."""
    now = utcnow()
    with db.transaction() as session:
        row = session.get(WorkerHeartbeat, worker)
        if row is None:   # a new worker: forget those gone for a day (each restart is a new pid)
            session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.last_sweep_at < now - FORGET))
            row = WorkerHeartbeat(worker=worker, started_at=started_at, sweeps=0, woken=0, failures=0)
            session.add(row)
        row.last_sweep_at, row.interval_seconds = now, interval
        row.sweeps, row.woken, row.failures = row.sweeps + 1, row.woken + woken, row.failures + failed
        row.last_failures = failed


def stale_after(row: WorkerHeartbeat) -> timedelta:
    return max(MIN_STALE, timedelta(seconds=3 * row.interval_seconds))


def check(db: Database, now: datetime | None = None) -> Health:
    """Every check with its details; ``ok`` only when all pass."""
    now = now or utcnow()
    checks = {"database": _probe(db, _ping)}
    if checks["database"]["ok"]:
        checks["migrations"] = _probe(db, lambda s: _schema(s, db))
        checks["timer_workers"] = _probe(db, lambda s: _workers(s, now))
    return Health(all(c["ok"] for c in checks.values()), checks)


def _probe(db: Database, read) -> dict:
    """One check in its own session, so one failing query cannot hide the others' answers."""
    try:
        with db.reading() as session:
            return {"ok": True, **read(session)}
    except (SQLAlchemyError, Unavailable) as exc:  # the page is public: the class here, details in the log
        cause = exc.__cause__ or exc           # Unavailable: a lost connection, translated by the db layer
        log.warning("health check failed: %s", cause)
        return {"ok": False, "error": type(cause).__name__}


def _ping(session) -> dict:
    session.execute(text("SELECT 1"))
    return {}


def _schema(session, db: Database) -> dict:
    current = session.scalar(text("SELECT version_num FROM alembic_version"))
    head = ScriptDirectory.from_config(alembic_config(db)).get_current_head()
    return {"ok": current == head, "current": current, "head": head}


def _workers(session, now: datetime) -> dict:
    rows = session.scalars(select(WorkerHeartbeat).where(WorkerHeartbeat.last_sweep_at > now - FORGET))
    workers = [_worker(row, now) for row in rows]
    return {"ok": any(w["alive"] for w in workers), "alive": sum(w["alive"] for w in workers), "workers": workers}


def _worker(row: WorkerHeartbeat, now: datetime) -> dict:
    age = (now - row.last_sweep_at).total_seconds()
    return {"worker": row.worker, "alive": age <= stale_after(row).total_seconds(),
            "last_sweep_age_seconds": round(age, 1), "sweeps": row.sweeps, "failures": row.failures,
            "last_sweep_failures": row.last_failures}

