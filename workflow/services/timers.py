"""The timer sweep: wake instances whose next timer is due (the award's 7-day public notice…).

Any number of sweepers may run (a thread in the embedded server, separate worker processes
in production). Each instance is handled in its own transaction in the documented lock
order: its case row first, claimed with ``FOR UPDATE SKIP LOCKED`` so two sweepers (or a
sweeper and a clerk's command) never wait on each other, then the instance. A failure on one
instance is logged and counted and does not hold back the others.
"""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select, update

from workflow import vocabulary as v
from workflow.domain import case_status
from workflow.runtime import instances
from workflow.runtime.command import Command
from workflow.services.common import lock_case, record
from workflow.storage.db import Database, utcnow
from workflow.storage.models import ProcessInstance

log = logging.getLogger(__name__)
ERROR_MAX = 2000


def run_due(db: Database, now: datetime | None = None, limit: int = 500) -> int:
    """Fire due timers; returns how many instances were woken."""
    now = now or utcnow()
    with db.reading() as session:
        due = session.execute(select(ProcessInstance.id, ProcessInstance.case_id).where(
            ProcessInstance.status == v.INSTANCE_RUNNING, ProcessInstance.next_timer_at <= now)
            .order_by(ProcessInstance.next_timer_at).limit(limit)).all()
    woken = 0
    for instance_id, case_id in due:
        try:
            woken += wake(db, instance_id, case_id, now)
        except Exception as exc:  # noqa: BLE001 - one instance must never stop the others
            log.exception("timer sweep failed for instance %s; retried at the next sweep", instance_id)
            record_failure(db, instance_id, exc)
    return woken


def describe(exc: BaseException) -> str:
    """The error as an operator reads it: the innermost cause SpiffWorkflow wrapped, with its type."""
    cause = getattr(exc, "exception", None) or exc
    return f"{type(cause).__name__}: {cause}"[:ERROR_MAX]


def record_failure(db: Database, instance_id: int, exc: BaseException) -> None:
    """Mark the instance failed (when, what) in its own transaction: the sweep's was rolled back.
    The next sweep that gets through clears it; ``services.failures`` lists and retries them."""
    with db.transaction() as session:
        session.execute(update(ProcessInstance).where(ProcessInstance.id == instance_id)
                        .values(failed_at=utcnow(), error=describe(exc)))


def wake(db: Database, instance_id: int, case_id: int, now: datetime, actor=None) -> int:
    """Fire the instance's due timers in one transaction (``actor``: an administrator's retry)."""
    with db.transaction() as session:
        case = lock_case(session, case_id, skip_locked=True)
        if case is None:
            return 0
        cmd = Command(session, actor, case=case, now=now)
        running = instances.lock(cmd, instance_id)
        before = running.row.next_timer_at
        if running.row.status != v.INSTANCE_RUNNING or before is None or before > now:
            return 0            # another sweeper or a command got there first
        running.workflow.refresh_timers()
        instances.advance(running)
        if instances.next_timer(running.workflow) == before:
            return 0            # SpiffWorkflow's clock has not reached the timer yet; nothing to write
        running.row.failed_at = running.row.error = None
        instances.save(cmd, running)
        record(cmd, "timer", data={"instance_id": instance_id, "due": before.isoformat()})
        case_status.refresh(cmd)
        return 1
