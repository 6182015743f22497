"""The timer sweep: wake instances whose next timer is due.

Any number of sweepers may run (a thread in the embedded server, separate
worker processes in production): each instance is claimed with
``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two sweepers never work on the
same instance, and handled in its own transaction so one failure does not hold
back the others.
"""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select

from workflow.domain import case_status
from workflow.runtime import instances
from workflow.runtime.command import Command
from workflow.services.common import record
from workflow.storage.db import Database, utcnow
from workflow.storage.models import Case, ProcessInstance

log = logging.getLogger(__name__)


def run_due(db: Database, now: datetime | None = None, limit: int = 500) -> int:
    """Fire due timers; returns how many instances were woken."""
    woken, skipped = 0, set()
    while woken + len(skipped) < limit:
        outcome = _wake_one(db, now or utcnow(), skipped)
        if outcome is None:
            break
        if outcome:
            woken += 1
    return woken


def _wake_one(db: Database, now: datetime, skipped: set[int]) -> bool | None:
    with db.transaction() as session:
        query = (select(ProcessInstance).where(
            ProcessInstance.status == "running", ProcessInstance.next_timer_at <= now,
            ProcessInstance.id.not_in(skipped) if skipped else True)
            .order_by(ProcessInstance.next_timer_at).limit(1).with_for_update(skip_locked=True))
        row = session.scalars(query).first()
        if row is None:
            return None
        cmd = Command(session, None, case=session.get(Case, row.case_id), now=now)
        running = instances.lock(cmd, row.id)
        before = row.next_timer_at
        running.workflow.refresh_timers()
        instances.advance(running)
        if instances.next_timer(running.workflow) == before:
            # SpiffWorkflow's own clock has not reached the timer yet; nothing to write.
            skipped.add(row.id)
            return False
        instances.save(cmd, running)
        record(cmd, "timer", data={"instance_id": row.id, "due": before.isoformat()})
        case_status.refresh(cmd)
        return True
