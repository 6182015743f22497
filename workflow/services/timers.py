"""The timer sweep: wake instances whose next timer is due (the award's 7-day public notice…).

Any number of sweepers may run (a thread in the embedded server, separate worker processes
in production). A sweeper claims the oldest due timers in batches: one statement locks up to
``batch`` of their cases with ``FOR UPDATE SKIP LOCKED`` (so two sweepers split the work, and
neither waits on the other or on a clerk's command), a second locks those cases' instances
in id order (the documented lock order), every claimed timer is fired, and the batch commits
once: one audit-head lock and one commit for the batch instead of one per instance.

A failure on one instance must not hold back the others: a batch that fails is rolled back
whole and its timers are fired again one transaction each, so only the failing instance stays
unfired; it is marked failed (``failed_at``, ``error``) and is retried alone at every sweep
until it gets through (``services.failures`` lists and retries it).
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from workflow import vocabulary as v
from workflow.domain import case_status
from workflow.domain.permissions import Actor
from workflow.runtime import instances
from workflow.runtime.command import Command
from workflow.services.common import hold_locked_cases, lock_case, record
from workflow.storage.db import Database, utcnow
from workflow.storage.models import Case, ProcessInstance

log = logging.getLogger(__name__)
ERROR_MAX = 2000
BATCH = 25           # timers per transaction: bounds how long a clerk may wait for a claimed case
PASS_LIMIT = 5000    # timers per pass, so the clock sweep and the heartbeat still come round


def run_due(db: Database, now: datetime | None = None, limit: int = PASS_LIMIT, batch: int = BATCH,
            until: float | None = None, retry_failed: bool = True) -> int:
    """Fire due timers, oldest first, until none is due, ``limit`` were claimed or the monotonic
    clock passed ``until``; then (``retry_failed``) retry the instances marked failed, one each.
    Returns how many instances were woken.

    Without ``now`` each batch reads the clock, so timers falling due during a long pass are fired
    in the same pass. A full batch that woke nothing ends the pass too: its timers are due by our
    clock but not yet by SpiffWorkflow's, and would be claimed again.
    """
    clock: Callable[[], datetime] = (lambda: now) if now else utcnow
    # A read first: finding nothing due takes no writer transaction (SQLite's one write lock).
    woken = _fire_batches(db, clock, limit, batch, until) if _any_due(db, clock()) else 0
    return woken + (_retry_failed(db, clock()) if retry_failed else 0)


def _fire_batches(db: Database, clock: Callable[[], datetime], limit: int, batch: int, until: float | None) -> int:
    woken = claimed = 0
    while claimed < limit and (until is None or time.monotonic() < until):
        size = min(batch, limit - claimed)
        fired, taken = fire_batch(db, clock(), size)
        woken, claimed = woken + fired, claimed + taken
        if taken < size or not fired:
            break
    return woken


def fire_batch(db: Database, now: datetime, size: int) -> tuple[int, int]:
    """Claim up to ``size`` due timers and fire them in one transaction: (woken, claimed).

    When the batch fails, it is rolled back and each claimed timer is fired in its own
    transaction, so one failing instance delays the others by one retry, never more."""
    claimed: list[tuple[int, int]] = []
    try:
        with db.transaction() as session:
            batch = _claim(session, now, size)
            claimed.extend((instance_id, case.id) for case, due in batch for instance_id in due)
            woken = sum(_fire(Command(session, None, case=case, now=now), instance_id)
                        for case, due in batch for instance_id in due)
            return woken, len(claimed)
    except Exception:  # the batch is redone one instance at a time, failures isolated
        if not claimed:
            raise           # claiming failed (the database, not an instance): the worker retries the pass
        log.warning("timer batch of %d failed; firing its timers one at a time", len(claimed), exc_info=True)
    return sum(_wake_isolated(db, instance_id, case_id, now) for instance_id, case_id in claimed), len(claimed)


def _claim(session: Session, now: datetime, size: int) -> list[tuple[Case, list[int]]]:
    """Lock the cases of the ``size`` oldest due timers that nobody holds, then their instances;
    returns each case with its due instances (ids), oldest due first.

    Instances marked failed are left to :func:`_retry_failed`, so a broken instance cannot make
    every batch it falls into fail and be redone one by one. SQLite ignores the row locks: its
    writer transaction (``BEGIN IMMEDIATE``) already serialises sweepers.
    """
    cases = list(dict.fromkeys(session.scalars(
        select(Case).join(ProcessInstance, ProcessInstance.case_id == Case.id).where(_due(now, failed=False))
        .order_by(ProcessInstance.next_timer_at, ProcessInstance.id).limit(size)
        .with_for_update(of=Case, skip_locked=True).execution_options(populate_existing=True))))
    if not cases:
        return []
    rows = hold_locked_cases(session, cases)
    by_case: dict[int, list[int]] = {case.id: [] for case in cases}
    for row in sorted(rows, key=lambda r: (r.next_timer_at or now, r.id)):
        if _is_due(row, now) and row.failed_at is None:
            by_case[row.case_id].append(row.id)
    return [(case, by_case[case.id]) for case in cases]


def _any_due(db: Database, now: datetime) -> bool:
    with db.reading() as session:
        return session.scalar(select(ProcessInstance.id).where(_due(now, failed=False)).limit(1)) is not None


def _due(now: datetime, failed: bool) -> ColumnElement[bool]:
    """:func:`_is_due` as a SQL condition, for instances marked failed or for the others."""
    return ((ProcessInstance.status == v.INSTANCE_RUNNING) & (ProcessInstance.next_timer_at <= now)
            & (ProcessInstance.failed_at.is_not(None) if failed else ProcessInstance.failed_at.is_(None)))


def _is_due(row: ProcessInstance, now: datetime) -> bool:
    return row.status == v.INSTANCE_RUNNING and row.next_timer_at is not None and row.next_timer_at <= now


def _retry_failed(db: Database, now: datetime) -> int:
    """Fire the due timers of instances marked failed, one transaction each, oldest due first."""
    with db.reading() as session:
        due = session.execute(select(ProcessInstance.id, ProcessInstance.case_id).where(_due(now, failed=True))
                              .order_by(ProcessInstance.next_timer_at)).all()
    return sum(_wake_isolated(db, instance_id, case_id, now) for instance_id, case_id in due)


def _wake_isolated(db: Database, instance_id: int, case_id: int, now: datetime) -> int:
    """:func:`wake`, with a failure logged and recorded on the instance instead of raised."""
    try:
        return wake(db, instance_id, case_id, now)
    except Exception as exc:  # one instance must never stop the others
        log.exception("timer sweep failed for instance %s; retried at the next sweep", instance_id)
        record_failure(db, instance_id, exc)
        return 0


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


def wake(db: Database, instance_id: int, case_id: int, now: datetime, actor: Actor | None = None) -> int:
    """Fire the instance's due timers in one transaction (``actor``: an administrator's retry)."""
    with db.transaction() as session:
        case = lock_case(session, case_id, skip_locked=True)
        if case is None:
            return 0
        return _fire(Command(session, actor, case=case, now=now), instance_id)


def _fire(cmd: Command, instance_id: int) -> int:
    """Fire one locked instance's due timers: 1 when it moved, 0 when there was nothing to do."""
    running = instances.lock(cmd, instance_id)
    before = running.row.next_timer_at
    if not _is_due(running.row, cmd.now):
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
