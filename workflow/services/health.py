"""Is the deployment working? Database, schema, timer workers: what ``/healthz`` reports.

Timer workers write a heartbeat row after every sweep (:func:`beat`); a worker is alive while
its last sweep is younger than three of its intervals (at least two minutes). The deployment
is healthy when the database answers, the schema is at the newest migration and at least one
timer worker is alive: without one, timers, deemed acceptance and the lights stop silently.
"""
from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from alembic.script import ScriptDirectory
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError

from workflow.errors import Unavailable
from workflow.storage.db import Database, utcnow
from workflow.storage.models import WorkerHeartbeat
from workflow.storage.schema import alembic_config

MIN_STALE = timedelta(minutes=2)
FORGET = timedelta(days=1)          # rows of workers gone for a day are no longer listed


@dataclass
class Health:
    ok: bool
    checks: dict[str, dict] = field(default_factory=dict)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def beat(db: Database, worker: str, started_at: datetime, interval: float, woken: int, failed: int,
         error: str | None = None) -> None:
    """Record one finished sweep of ``worker`` (an upsert on its own row: no contention)."""
    now = utcnow()
    with db.transaction() as session:
        row = session.get(WorkerHeartbeat, worker)
        if row is None:
            row = WorkerHeartbeat(worker=worker, started_at=started_at, sweeps=0, woken=0, failures=0)
            session.add(row)
        row.last_sweep_at, row.interval_seconds = now, interval
        row.sweeps, row.woken, row.failures = row.sweeps + 1, row.woken + woken, row.failures + failed
        row.last_failures, row.last_error = failed, error


def stale_after(row: WorkerHeartbeat) -> timedelta:
    return max(MIN_STALE, timedelta(seconds=3 * row.interval_seconds))


def check(db: Database, now: datetime | None = None) -> Health:
    """Every check with its details; ``ok`` only when all pass."""
    now = now or utcnow()
    try:
        with db.reading() as session:
            session.execute(text("SELECT 1"))
            current = session.scalar(text("SELECT version_num FROM alembic_version"))
            rows = list(session.scalars(select(WorkerHeartbeat).where(WorkerHeartbeat.last_sweep_at > now - FORGET)))
    except (SQLAlchemyError, Unavailable) as exc:  # Unavailable: the lost connection, translated
        cause = exc.__cause__ or exc
        reason = str(getattr(cause, "orig", None) or cause).splitlines()[0][:200]
        return Health(False, {"database": {"ok": False, "error": f"{type(cause).__name__}: {reason}"}})
    head = ScriptDirectory.from_config(alembic_config(db)).get_current_head()
    workers = [_worker(row, now) for row in rows]
    checks = {
        "database": {"ok": True},
        "migrations": {"ok": current == head, "current": current, "head": head},
        "timer_workers": {"ok": any(w["alive"] for w in workers), "alive": sum(w["alive"] for w in workers),
                          "workers": workers},
    }
    return Health(all(c["ok"] for c in checks.values()), checks)


def _worker(row: WorkerHeartbeat, now: datetime) -> dict:
    age = (now - row.last_sweep_at).total_seconds()
    return {"worker": row.worker, "alive": age <= stale_after(row).total_seconds(),
            "last_sweep_age_seconds": round(age, 1), "sweeps": row.sweeps, "failures": row.failures,
            "last_sweep_failures": row.last_failures, "last_error": row.last_error}

