"""The statutory clock of cases and steps, on top of the working-day calendar.

A case first runs the acceptance clock (5 working days from the arrival of the
materials, Art. 32); once accepted, the decision clock (the matter's committed
limit, 45 days for a joint filing, plus approved extensions) counts working days
except those covered by suspensions (Art. 45). Each user task runs its own
step limit. The derived figures are stored on the rows (``light``, ``due_at``,
``yellow_at``…) so "all red cases" is one indexed query; every command and the
sweep keep them current.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from workflow.domain import limits
from workflow.domain.matters import ACCEPTANCE_DAYS, JOINT_EXTENSION_DAYS, JOINT_STATUTORY_DAYS
from workflow.vocabulary import FINISHED, TASK_OPEN
from workflow.storage.db import assign
from workflow.storage.models import Case, ClockSegment, HumanTask
from workflow.timekeeping.deadlines import deadline, get_calendar, light_at
from workflow.timekeeping.workdays import end_of_office_day, local_date

# Art. 45: hearing, testing, inspection, appraisal and expert review are not counted; nor is the
# applicant's own time (correction, rectification) or the public notice of an award. What staff
# may stop the clock for by hand; the others belong to BPMN steps (``pausesClock``).
MANUAL_SUSPENSION_REASONS = ("hearing", "testing", "appraisal", "expert_review")


@dataclass(frozen=True)
class ClockState:
    limit: int | None
    used: int
    remaining: int | None
    due_at: datetime | None
    yellow_at: datetime | None
    light: str
    suspended: bool


def decision_limit(session: Session, case: Case) -> int | None:
    """The committed decision limit of the case, extensions included.

    A joint filing's matters run in parallel, so the case takes as long as its longest matter
    (green channel included), never more than the 45 working days of Art. 26.
    """
    matters = [limits.matter(session, code) for code in case.matters]
    days = [m.limit_days(case.green_channel) for m in matters if m is not None]
    days = [d for d in days if d is not None]
    if not days:
        return None
    base = min(max(days), JOINT_STATUTORY_DAYS) if len(case.matters) > 1 else days[0]
    return base + (case.extended_days or 0)


def extension_cap(session: Session, case: Case) -> int:
    """Working days the decision limit may still be extended by (Art. 42: 10; Art. 26: 15 joint)."""
    if len(case.matters) > 1:
        total = JOINT_EXTENSION_DAYS
    else:
        matter = limits.matter(session, case.matters[0])
        total = matter.extension_days if matter and matter.limit_days(case.green_channel) else 0
    return max(0, total - (case.extended_days or 0))


_SUSPENSIONS = (select(ClockSegment).where(ClockSegment.case_id == bindparam("case_id"),
                                            ClockSegment.kind == "suspension").order_by(ClockSegment.started_at))


def suspensions(session: Session, case_id: int) -> list[ClockSegment]:
    """The case's suspensions, those this command has just opened included.

    The command's other changes are not flushed first unless it opened a segment (the one thing
    the query must see that only a flush writes; loaded segments carry their unflushed changes):
    a flush here would write the case's new status in an UPDATE of its own, and the clock's
    figures set next in a second one."""
    if any(isinstance(obj, ClockSegment) for obj in session.new):
        session.flush()
    with session.no_autoflush:
        return list(session.scalars(_SUSPENSIONS, {"case_id": case_id}))


def case_state(session: Session, case: Case, now: datetime,
               segments: list[ClockSegment] | None = None) -> ClockState:
    """Used and remaining working days, due date and light of a case at ``now``.

    Before acceptance the 5 working days of Art. 32 run from the day the materials arrived; after
    it the decision limit runs from acceptance, pauses for testing, inspection, expert review and
    the like not counted (Art. 45), counted in working days after the start day (Art. 82).
    """
    cal = get_calendar(session)
    segments = suspensions(session, case.id) if segments is None else segments
    open_now = any(s.status == "open" for s in segments)
    end = min(now, case.completed_at) if case.completed_at else now
    if case.accepted_at is None:
        start = case.materials_at or case.created_at
        due_at, yellow_at = deadline(cal, start, ACCEPTANCE_DAYS)
        used = cal.workdays_between(start, end)
        light = "green" if open_now else light_at(end, due_at, yellow_at)  # notice given: duty met
        return ClockState(ACCEPTANCE_DAYS, used, ACCEPTANCE_DAYS - used, due_at, yellow_at, light, open_now)
    limit = decision_limit(session, case)
    pauses = [(s.started_at, s.ended_at) for s in segments if s.ended_at is None or s.ended_at > case.accepted_at]
    used = cal.counted_workdays(case.accepted_at, end, pauses)
    if limit is None:
        return ClockState(None, used, None, None, None, "green", open_now)
    due_at, yellow_at = deadline(cal, case.accepted_at, limit, pauses, now=end)
    light = "green" if open_now and end <= due_at else light_at(end, due_at, yellow_at)
    return ClockState(limit, used, limit - used, due_at, yellow_at, light, open_now)


def refresh_case(session: Session, case: Case, now: datetime) -> None:
    """Store the case's clock on its row, and its open steps' (called by every command and by the sweep)."""
    segments = suspensions(session, case.id)
    state = case_state(session, case, now, segments)
    if segments:
        _refresh_steps(session, case, segments, now)
    due = {"acceptance_due_at" if case.accepted_at is None else "decision_due_at": state.due_at}
    light = state.light
    if case.status in FINISHED:
        on_time = state.due_at is None or (case.completed_at or now) <= state.due_at
        assign(case, on_time=on_time)
        light = "green" if on_time else "red"   # a finished case keeps its verdict
    assign(case, **due, limit_days=state.limit, used_days=state.used, remaining_days=state.remaining,
           yellow_at=state.yellow_at, light=light, suspended=state.suspended, clock_date=local_date(now),
           certificate_due_at=certificate_due(session, case))


def certificate_due(session: Session, case: Case) -> datetime | None:
    """Art. 44: the certificate is issued and delivered within N working days of the decision."""
    days = [m.certificate_days for m in (limits.matter(session, code) for code in case.matters)
            if m is not None and m.certificate_days]
    if case.decided_at is None or not days:
        return None
    return end_of_office_day(get_calendar(session).add_workdays(case.decided_at, max(days)))


def _step_pauses(segments: list[ClockSegment], task: HumanTask) -> list[tuple]:
    return [(s.started_at, s.ended_at) for s in segments if s.ended_at is None or s.ended_at > task.created_at]


def _refresh_steps(session: Session, case: Case, segments: list[ClockSegment], now: datetime) -> None:
    """A step's own limit stops with the case's clock (Art. 45, the applicant's correction): an open
    step's due date moves by the pauses within it, so a suspended step never runs red."""
    cal = get_calendar(session)
    for task in session.scalars(select(HumanTask).where(HumanTask.case_id == case.id, HumanTask.state == TASK_OPEN,
                                                        HumanTask.step_limit_days.is_not(None))):
        task.due_at, task.yellow_at = deadline(cal, task.created_at, task.step_limit_days,
                                               _step_pauses(segments, task), now=now)
        task.light = light_at(now, task.due_at, task.yellow_at)


def task_state(session: Session, task: HumanTask, now: datetime) -> ClockState:
    """A step's own clock: its limit, used and remaining working days (pauses not counted), light."""
    cal = get_calendar(session)
    end = task.closed_at or now
    used = cal.counted_workdays(task.created_at, end, _step_pauses(suspensions(session, task.case_id), task))
    limit = task.step_limit_days
    remaining = None if limit is None else limit - used
    return ClockState(limit, used, remaining, task.due_at, task.yellow_at,
                      light_at(end, task.due_at, task.yellow_at), bool(task.hold))


def refresh_task_lights(session: Session, now: datetime) -> int:
    """Two indexed UPDATEs turn open steps yellow and red as time passes.

    Rows a command holds right now are skipped (``FOR UPDATE SKIP LOCKED``; the next sweep takes
    them): a bulk UPDATE that waited on them could deadlock with a command that changes several
    tasks of its case in another order.
    """
    red = _set_light(session, "red", (HumanTask.light != "red", HumanTask.due_at < now))
    yellow = _set_light(session, "yellow", (HumanTask.light == "green", HumanTask.yellow_at <= now))
    return red + yellow


def _set_light(session: Session, light: str, conditions: tuple) -> int:
    free = select(HumanTask.id).where(HumanTask.state == "open", *conditions).with_for_update(skip_locked=True)
    return session.execute(update(HumanTask).where(HumanTask.id.in_(free)).values(light=light)).rowcount


def close_pause(segment: ClockSegment, now: datetime, actor_id: int | None = None) -> None:
    segment.status, segment.ended_at, segment.closed_by = "closed", now, actor_id


def restart_acceptance(case: Case, now: datetime) -> None:
    """Corrected materials arrived: the acceptance clock starts again from today."""
    if case.accepted_at is None:
        case.materials_at = now


def accept(session: Session, case: Case, at: datetime) -> None:
    case.accepted_at = at
    refresh_case(session, case, at)
