"""Instances whose engine step or service task failed in a sweep: the list and the retry.

A timer sweep that fails on an instance rolls its transaction back, so the instance stays at
the step before the failure and the sweep tries again every interval. Without a record of it,
the failure is visible only in a log; the sweep writes it on the instance row (when, what) in a
transaction of its own (``timers.record_failure``), the next sweep that gets through clears it,
and an administrator can list such instances and retry one at once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from workflow.domain.permissions import Actor, require_role
from workflow.errors import Conflict, NotFound
from workflow.services import timers
from workflow.services.paging import Page, clamp
from workflow.storage.db import Database, utcnow
from workflow.storage.models import Case, ProcessInstance, ProcessVersion


@dataclass(frozen=True)
class FailedInstance:
    instance_id: int
    case_id: int
    case_number: str
    process_id: str
    version: int
    failed_at: datetime
    error: str


def _failed():
    return (select(ProcessInstance.id, ProcessInstance.case_id, Case.number, ProcessVersion.process_id,
                   ProcessVersion.version, ProcessInstance.failed_at, ProcessInstance.error)
            .join(Case, Case.id == ProcessInstance.case_id)
            .join(ProcessVersion, ProcessVersion.id == ProcessInstance.process_version_id)
            .where(ProcessInstance.failed_at.is_not(None)))


def failed_instances(db: Database, actor: Actor, page: int = 1, per_page: int = 20) -> Page[FailedInstance]:
    """The failed instances, most recent failure first."""
    require_role(actor, "admin")
    page, per_page = clamp(page, per_page)
    query = _failed()
    with db.reading() as session:
        total = session.scalar(select(func.count()).select_from(ProcessInstance)
                               .where(ProcessInstance.failed_at.is_not(None)))
        rows = session.execute(query.order_by(ProcessInstance.failed_at.desc(), ProcessInstance.id)
                               .offset((page - 1) * per_page).limit(per_page)).all()
    return Page([FailedInstance(*row) for row in rows], total or 0, page, per_page)


def retry(db: Database, actor: Actor, instance_id: int) -> FailedInstance | None:
    """Run the failed instance's due work now, as the administrator; None when it went through.

    Returns the instance as still failed (with the new error) when the retry failed again.
    """
    require_role(actor, "admin")
    with db.reading() as session:
        case_id = session.scalar(select(ProcessInstance.case_id).where(ProcessInstance.id == instance_id,
                                                                        ProcessInstance.failed_at.is_not(None)))
    if case_id is None:
        raise NotFound("No failed instance with this id.")
    try:
        woken = timers.wake(db, instance_id, case_id, utcnow(), actor)
    except Exception as exc:  # noqa: BLE001 - the failure is what the administrator asked to see
        timers.record_failure(db, instance_id, exc)
        with db.reading() as session:
            return FailedInstance(*session.execute(_failed().where(ProcessInstance.id == instance_id)).one())
    if not woken:
        raise Conflict("The instance has nothing due now or is being worked on; try again shortly.")
    return None
