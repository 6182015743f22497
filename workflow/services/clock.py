"""Clock use cases: suspend and resume a step by hand (Art. 45), extensions (Art. 42), calendar warnings."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from workflow.domain import clock
from workflow.domain.permissions import Actor, case_scope
from workflow.domain.policy import TaskContext
from workflow.errors import NotFound, ValidationError, msg
from workflow.runtime import projection
from workflow.services.common import case_op, record, task_op, text, visible_case
from workflow.storage.db import Database, utcnow
from workflow.storage.models import Case, ClockSegment
from workflow.timekeeping import deadlines
from workflow.timekeeping.workdays import local_date


def state(db: Database, actor: Actor, case_id: int, now: datetime | None = None) -> clock.ClockState:
    with db.reading() as session:
        return clock.case_state(session, visible_case(session, actor, case_id), now or utcnow())


def suspend(db: Database, actor: Actor, task_id: int, reason: str, note: str | None = None) -> ClockSegment:
    """Stop the case's clock while this step waits for a hearing, testing, appraisal or experts."""
    with task_op(db, actor, task_id, "suspend") as op:
        op.action.require_one("reasons", reason, "reason")
        segment = projection.open_pause(op.cmd, op.task, reason, text(note, "note", required=False), by=actor.id)
        record(op.cmd, "suspend", op.task, data={"reason": reason}, opinion=segment.note)
        clock.refresh_case(op.cmd.session, op.cmd.case, op.cmd.now)
        return segment


def resume(db: Database, actor: Actor, task_id: int) -> ClockSegment:
    with task_op(db, actor, task_id, "resume") as op:
        segment = TaskContext(op.cmd.session, actor, op.task, op.cmd.case, op.cmd.now).manual_pause
        clock.close_pause(segment, op.cmd.now, actor.id)
        record(op.cmd, "resume", op.task, data={"reason": segment.reason})
        clock.refresh_case(op.cmd.session, op.cmd.case, op.cmd.now)
        return segment


def request_extension(db: Database, actor: Actor, task_id: int, days: int, reason: str) -> ClockSegment:
    """延期: the person holding a step asks, within the limit, with reasons; an approver decides."""
    with task_op(db, actor, task_id, "extension") as op:
        bounds = op.action.choices["days"]
        errors = {}
        if not isinstance(days, int) or isinstance(days, bool) or not bounds["min"] <= days <= bounds["max"]:
            errors["days"] = [msg("Must be greater than or equal to {min} and less than or equal to {max}.",
                                  min=bounds["min"], max=bounds["max"])]
        if not isinstance(reason, str) or not reason.strip():
            errors["reason"] = [msg("This field is required.")]
        if errors:
            raise ValidationError(errors)
        segment = ClockSegment(case_id=op.cmd.case.id, task_id=op.task.id, kind="extension", reason="extension",
                               note=text(reason, "reason"), days=days, status="requested", started_at=op.cmd.now,
                               opened_by=actor.id)
        op.cmd.session.add(segment)
        op.cmd.session.flush()
        record(op.cmd, "extension_requested", op.task, data={"days": days, "segment_id": segment.id},
               opinion=segment.note)
        return segment


def extension_case(db: Database, segment_id: int) -> int:
    """The case an extension request belongs to (whoever may see it is checked by the caller's command)."""
    with db.reading() as session:
        found = session.get(ClockSegment, segment_id)
    if found is None or found.kind != "extension":
        raise NotFound("Extension request not found.")
    return found.case_id


def decide_extension(db: Database, actor: Actor, segment_id: int, approve: bool, opinion: str) -> ClockSegment:
    """An approver of the case's department decides; the applicant is told of an extension (Art. 42)."""
    with case_op(db, actor, extension_case(db, segment_id), "decide") as (cmd, action):
        action.require_one("requests", segment_id, "segment_id")
        action.require_one("approve", bool(approve), "approve")
        opinion = text(opinion, "opinion")
        segment, case = cmd.session.get(ClockSegment, segment_id), cmd.case
        segment.status = "approved" if approve else "rejected"
        segment.ended_at, segment.closed_by = cmd.now, actor.id
        if approve:
            case.extended_days += segment.days
        record(cmd, "extension_approved" if approve else "extension_rejected",
               data={"days": segment.days, "segment_id": segment.id, "reason": segment.note}, opinion=opinion)
        clock.refresh_case(cmd.session, case, cmd.now)
        return segment


def pending_extensions(db: Database, actor: Actor) -> list[tuple[ClockSegment, object]]:
    """Extension requests waiting for this approver (their department's cases), oldest first."""
    if actor.role != "approver":
        return []
    with db.reading() as session:
        return [tuple(row) for row in session.execute(
            select(ClockSegment, Case).join(Case, Case.id == ClockSegment.case_id).where(
                ClockSegment.kind == "extension", ClockSegment.status == "requested", case_scope(actor))
            .order_by(ClockSegment.id))]


CALENDAR_HORIZON_DAYS = 120


def uncovered_years(db: Database, now: datetime | None = None) -> list[int]:
    """Years that running clocks may reach but the holiday table does not cover yet.

    Due dates lie up to a few months ahead; when the next year's State Council
    schedule is missing, the office must see it before the deadlines are wrong.
    """
    today = local_date(now or utcnow())
    with db.reading() as session:
        cal = deadlines.get_calendar(session)
    years = sorted({today.year, (today + timedelta(days=CALENDAR_HORIZON_DAYS)).year})
    return [year for year in years if not cal.is_covered(year)]
