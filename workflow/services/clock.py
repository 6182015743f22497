"""Clock use cases: suspend by hand, extensions, and the clock sweep.

The sweep is what makes the law's automatic consequences happen: an
application nobody answered within 5 working days is deemed accepted from the
day its materials arrived (Art. 32), a renewal undecided at the license's
expiry is deemed granted (Art. 50), and lights turn yellow and red.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from workflow import vocabulary
from workflow.domain import case_status, clock, forms
from workflow.domain.certificates import by_number, renew
from workflow.domain.matters import JOINT_EXTENSION_DAYS, MATTERS
from workflow.domain.permissions import require_role
from workflow.errors import Conflict, NotFound, ValidationError
from workflow.runtime import completion, instances
from workflow.runtime.command import Command
from workflow.services.common import record, visible_case
from workflow.storage import audit
from workflow.storage.db import Database, utcnow
from workflow.storage.models import Case, ClockSegment, HumanTask, Notification, User
from workflow.timekeeping import deadlines
from workflow.timekeeping.workdays import local_date, uncovered_year_message

STAFF = ("window", "reviewer", "inspector", "approver")
DEEMED_OPINION = "逾期未作出受理决定，依法自收到申请材料之日起视为受理（《行政许可法》第三十二条）"


def state(db: Database, actor, case_id: int, now: datetime | None = None) -> clock.ClockState:
    with db.reading() as session:
        return clock.case_state(session, visible_case(session, actor, case_id), now or utcnow())


def suspend(db: Database, actor, case_id: int, reason: str, note: str | None = None) -> ClockSegment:
    """Staff stop the clock by hand for a special procedure (Art. 45)."""
    require_role(actor, *STAFF)
    if reason not in clock.SUSPENSION_REASONS:
        raise ValidationError({"reason": [f"Must be one of: {', '.join(clock.SUSPENSION_REASONS)}."]})
    with db.transaction() as session:
        case = visible_case(session, actor, case_id)
        cmd = Command(session, actor, case=case)
        _require_running(case)
        segment = clock.open_suspension(session, case, reason, cmd.now, actor.id, note=(note or "").strip() or None)
        record(cmd, "suspend", data={"reason": reason}, opinion=segment.note)
        clock.refresh_case(session, case, cmd.now)
        return segment


def resume(db: Database, actor, case_id: int, reason: str) -> int:
    require_role(actor, *STAFF)
    with db.transaction() as session:
        case = visible_case(session, actor, case_id)
        cmd = Command(session, actor, case=case)
        closed = clock.close_suspensions(session, case, reason, cmd.now, actor.id)
        if not closed:
            raise Conflict("No open suspension with this reason.")
        record(cmd, "resume", data={"reason": reason})
        clock.refresh_case(session, case, cmd.now)
        return closed


def request_extension(db: Database, actor, case_id: int, days: int, reason: str) -> ClockSegment:
    """延期: a reviewer asks; an approver decides; the law caps the days."""
    require_role(actor, *STAFF)
    with db.transaction() as session:
        case = visible_case(session, actor, case_id)
        cmd = Command(session, actor, case=case)
        _require_running(case)
        cap = max_extension(case) - case.extended_days
        errors = {}
        if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= max(cap, 0):
            errors["days"] = [f"Must be greater than or equal to 1 and less than or equal to {max(cap, 0)}."]
        if not (reason or "").strip():
            errors["reason"] = ["This field is required."]
        if errors:
            raise ValidationError(errors)
        segment = ClockSegment(case_id=case.id, kind="extension", reason="extension", note=reason.strip(),
                               days=days, status="requested", started_at=cmd.now, opened_by=actor.id)
        session.add(segment)
        session.flush()
        record(cmd, "extension_requested", data={"days": days, "segment_id": segment.id}, opinion=reason.strip())
        return segment


def max_extension(case: Case) -> int:
    if len(case.matters) > 1:
        return JOINT_EXTENSION_DAYS
    matter = MATTERS.get(case.matters[0])
    return matter.extension_days if matter else 0


def decide_extension(db: Database, actor, segment_id: int, approve: bool, opinion: str) -> ClockSegment:
    require_role(actor, "approver")
    if not (opinion or "").strip():
        raise ValidationError({"opinion": ["This field is required."]})
    with db.transaction() as session:
        segment = session.get(ClockSegment, segment_id)
        if segment is None or segment.kind != "extension":
            raise NotFound("Extension request not found.")
        case = visible_case(session, actor, segment.case_id)
        cmd = Command(session, actor, case=case)
        if segment.status != "requested":
            raise Conflict("This extension request has already been decided.")
        segment.status, segment.ended_at, segment.closed_by = ("approved" if approve else "rejected"), cmd.now, actor.id
        if approve:
            case.extended_days += segment.days
            _notify_applicants(cmd, f"办理时限延长{segment.days}个工作日：{segment.note}")
        record(cmd, "extension_approved" if approve else "extension_rejected",
               data={"days": segment.days, "segment_id": segment.id}, opinion=opinion.strip())
        clock.refresh_case(session, case, cmd.now)
        return segment


def _notify_applicants(cmd: Command, message: str) -> None:
    for user_id in cmd.session.scalars(select(User.id).where(User.organisation_id == cmd.case.organisation_id,
                                                            User.role == "applicant")):
        cmd.session.add(Notification(user_id=user_id, case_id=cmd.case.id, kind="notice", message=message,
                                     sender_id=cmd.actor.id, created_at=cmd.now))


def _require_running(case: Case) -> None:
    if case.status not in vocabulary.RUNNING:
        raise Conflict("This case is finished; its clock can no longer change.")


# -- the sweep ----------------------------------------------------------------

def sweep(db: Database, now: datetime | None = None) -> dict[str, int]:
    """Apply the clock's automatic consequences; safe to run from several workers."""
    now = now or utcnow()
    done = {"deemed_accepted": 0, "deemed_renewed": 0, "cases_refreshed": 0, "task_lights": 0}
    for case_id in _ids(db, select(Case.id).where(Case.status.in_(("submitted",)), Case.accepted_at.is_(None),
                                                  Case.acceptance_due_at < now)):
        done["deemed_accepted"] += _deem_accepted(db, case_id, now)
    for case_id in _ids(db, select(Case.id).where(Case.status.in_(vocabulary.RUNNING), Case.renewal_of.is_not(None))):
        done["deemed_renewed"] += _deem_renewed(db, case_id, now)
    for case_id in _ids(db, select(Case.id).where(Case.status.in_(vocabulary.RUNNING),
                                                  (Case.clock_date.is_(None)) | (Case.clock_date < local_date(now))
                                                  | ((Case.decision_due_at < now) & (Case.light != "red"))
                                                  | ((Case.yellow_at <= now) & (Case.light == "green")))):
        with db.transaction() as session:
            case = session.get(Case, case_id)
            clock.refresh_case(session, case, now)
            done["cases_refreshed"] += 1
    with db.transaction() as session:
        done["task_lights"] = clock.refresh_task_lights(session, now)
    return done


def _ids(db: Database, query) -> list[int]:
    with db.reading() as session:
        return list(session.scalars(query))


def _deem_accepted(db: Database, case_id: int, now: datetime) -> int:
    """No acceptance, correction notice or refusal within 5 working days: deemed accepted."""
    with db.transaction() as session:
        case = session.scalars(select(Case).where(Case.id == case_id).with_for_update()).first()
        if case is None or case.accepted_at is not None or case.status != "submitted":
            return 0
        cmd = Command(session, None, case=case, now=now)
        case.deemed_accepted = True
        clock.accept(session, case, case.materials_at or case.created_at)
        audit.record(session, action="deemed_accepted", case=case, at=now, opinion=DEEMED_OPINION,
                     data={"materials_at": case.accepted_at.isoformat()})
        for task in session.scalars(select(HumanTask).where(HumanTask.case_id == case.id, HumanTask.state == "open",
                                                            HumanTask.form_key.in_(completion.ACCEPTANCE_FORMS))):
            completion.complete_loaded(cmd, task, forms.validate(task.form_key,
                                                                 {"decision": "accept", "opinion": DEEMED_OPINION}))
        case_status.refresh(cmd)
        return 1


def _deem_renewed(db: Database, case_id: int, now: datetime) -> int:
    """Art. 50: a renewal pending when the license expires is deemed granted."""
    with db.transaction() as session:
        case = session.get(Case, case_id)
        cert = by_number(session, case.renewal_of)
        if cert.valid_until is None or cert.valid_until >= local_date(now) or case.status not in vocabulary.RUNNING:
            return 0
        cmd = Command(session, None, case=case, now=now)
        renew(session, cert.number, now, 5)
        instances.cancel_all(cmd, "deemed_granted", "completed", "deemed_granted")
        audit.record(session, action="deemed_granted", case=case, at=now,
                     opinion="延续申请在许可有效期届满前未作决定，依法视为准予延续（《行政许可法》第五十条）",
                     data={"certificate": cert.number, "valid_until": cert.valid_until.isoformat()})
        case_status.refresh(cmd)
        return 1


CALENDAR_HORIZON_DAYS = 120


def calendar_warnings(db: Database, now: datetime | None = None) -> list[str]:
    """Years that running clocks may reach but the holiday table does not cover yet.

    Due dates lie up to a few months ahead; when the next year's State Council
    schedule is missing, the office must see it before the deadlines are wrong.
    """
    today = local_date(now or utcnow())
    with db.reading() as session:
        cal = deadlines.get_calendar(session)
    years = sorted({today.year, (today + timedelta(days=CALENDAR_HORIZON_DAYS)).year})
    return [uncovered_year_message(year) for year in years if not cal.is_covered(year)]
