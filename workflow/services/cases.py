"""Case use cases: file, return for correction, resubmit, withdraw, rate, read."""
from __future__ import annotations

from sqlalchemy import select

from workflow.domain import applications, case_status, clock
from workflow.domain.identifiers import make_case_number
from workflow.domain.matters import MATTERS
from workflow.domain.permissions import require_role, require_task_actor
from workflow.errors import Conflict, Forbidden, ValidationError
from workflow.runtime import instances
from workflow.runtime.command import Command
from workflow.services.common import record, require_open, task_command, visible_case
from workflow.storage.counters import next_value
from workflow.storage.db import Database
from workflow.storage.models import Case, ClockSegment, HumanTask, Notification, ProcessInstance, Rating, User

RATING_LEVELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}


def submit(db: Database, actor, matters: list[str], data: dict, green_channel: bool = False) -> Case:
    """An applicant files one case for one or several matters (joint filing)."""
    require_role(actor, "applicant")
    if actor.organisation_id is None:
        raise Forbidden("Your account is not linked to an enterprise.")
    codes = applications.matter_codes(matters)
    clean = applications.validate(codes, data)
    with db.transaction() as session:
        cmd = Command(session, actor)
        case = Case(
            number=make_case_number(cmd.now.year, next_value(session, f"case:{cmd.now.year}")),
            organisation_id=actor.organisation_id, applicant_id=actor.id,
            title=clean.get("title") or "、".join(MATTERS[c].title_zh for c in codes),
            matters=codes, data=clean, status="submitted", green_channel=bool(green_channel),
            created_at=cmd.now, materials_at=cmd.now,
            renewal_of=clean.get("license_number") if clean.get("change_kind") == "renewal" else None,
        )
        session.add(case)
        session.flush()
        cmd.case = case
        record(cmd, "submit", data={"matters": codes, "green_channel": case.green_channel})
        for code in codes:
            matter = MATTERS[code]
            running = instances.start(cmd, matter.process_id, code, matter.department,
                                      {**clean, "matter": code, "joint": len(codes) > 1})
            instances.save(cmd, running)
        case_status.refresh(cmd)
        return case


def return_to_applicant(db: Database, actor, task_id: int, opinion: str, items: list[str],
                        expected_version: int | None = None) -> HumanTask:
    """退回补正: hold the task and stop the clock until the applicant corrects the filing."""
    with task_command(db, actor, task_id) as (cmd, task):
        session = cmd.session
        instances.require_version(session.get(ProcessInstance, task.instance_id), expected_version)
        require_task_actor(actor, task)
        require_open(task)
        if task.role == "applicant" or task.hold:
            raise Conflict("This task is already with the applicant.")
        items = [i.strip() for i in (items or []) if isinstance(i, str) and i.strip()]
        if not items:
            raise ValidationError({"items": ["List every item the applicant must correct."]})
        if not (opinion or "").strip():
            raise ValidationError({"opinion": ["This field is required."]})
        task.hold = "correction"
        clock.open_suspension(session, cmd.case, "correction", cmd.now, actor.id, note="；".join(items))
        _notify_applicants(cmd, task, "correction", "请补正：" + "；".join(items))
        record(cmd, "return_to_applicant", task, opinion=opinion.strip(), data={"items": items})
        case_status.refresh(cmd)
        return task


def resubmit(db: Database, actor, case_id: int, data: dict) -> Case:
    """The applicant sends corrected materials for every task held for correction."""
    require_role(actor, "applicant")
    with db.transaction() as session:
        case = visible_case(session, actor, case_id)
        cmd = Command(session, actor, case=case)
        held = session.scalars(select(HumanTask).where(HumanTask.case_id == case.id, HumanTask.state == "open",
                                                       HumanTask.hold == "correction")).all()
        if not held:
            raise Conflict("Nothing in this case is waiting for your correction.")
        applications.correct(case, data or {})
        for task in held:
            task.hold = None
        clock.close_suspensions(session, case, "correction", cmd.now, actor.id)
        clock.restart_acceptance(case, cmd.now)
        record(cmd, "resubmit", data={"fields": sorted((data or {}).keys())})
        case_status.refresh(cmd)
        return case


def withdraw(db: Database, actor, case_id: int, reason: str | None = None) -> Case:
    """撤回申请: the applicant withdraws; every running process is cancelled."""
    require_role(actor, "applicant")
    with db.transaction() as session:
        case = visible_case(session, actor, case_id)
        cmd = Command(session, actor, case=case)
        if case.status in ("completed", "withdrawn"):
            raise Conflict("This case is already finished and cannot be withdrawn.")
        instances.cancel_all(cmd, "withdrawn", "cancelled", "withdrawn")
        for segment in session.scalars(select(ClockSegment).where(ClockSegment.case_id == case.id,
                                                                  ClockSegment.status == "open")):
            segment.status, segment.ended_at = "closed", cmd.now
        case.status, case.outcome, case.completed_at = "withdrawn", "withdrawn", cmd.now
        clock.refresh_case(session, case, cmd.now)
        record(cmd, "withdraw", opinion=(reason or "").strip() or None)
        return case


def rate(db: Database, actor, case_id: int, level: int, comment: str | None = None) -> Rating:
    """好差评 after completion; one rating per case."""
    require_role(actor, "applicant")
    if not isinstance(level, int) or isinstance(level, bool) or level not in RATING_LEVELS:
        raise ValidationError({"level": ["Choose a level from 1 (very dissatisfied) to 5 (very satisfied)."]})
    comment = (comment or "").strip() or None
    if comment and len(comment) > 1000:
        raise ValidationError({"comment": ["Longer than maximum length 1000."]})
    if level <= 2 and not comment:
        raise ValidationError({"comment": ["Please tell us what went wrong."]})
    with db.transaction() as session:
        case = visible_case(session, actor, case_id)
        cmd = Command(session, actor, case=case)
        if case.status not in ("completed",):
            raise Conflict("A case can be rated once it is completed.")
        if session.scalar(select(Rating.id).where(Rating.case_id == case.id)) is not None:
            raise Conflict("This case has already been rated.")
        rating = Rating(case_id=case.id, level=level, comment=comment, rated_by=actor.id, rated_at=cmd.now)
        session.add(rating)
        record(cmd, "rate", data={"level": level}, opinion=comment)
        return rating


def _notify_applicants(cmd: Command, task: HumanTask, kind: str, message: str) -> None:
    for user_id in cmd.session.scalars(select(User.id).where(User.organisation_id == cmd.case.organisation_id,
                                                            User.role == "applicant", User.active.is_(True))):
        cmd.session.add(Notification(user_id=user_id, case_id=cmd.case.id, task_id=task.id, kind=kind,
                                     message=message, sender_id=cmd.actor.id, created_at=cmd.now))


def get(db: Database, actor, case_id: int) -> Case:
    with db.reading() as session:
        return visible_case(session, actor, case_id)

