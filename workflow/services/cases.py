"""Case use cases: file, resubmit corrections, withdraw, rate, read."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow import vocabulary as v
from workflow.domain import applications, case_status, clock, licences
from workflow.domain.matters import MATTERS
from workflow.domain.permissions import Actor, require_role
from workflow.errors import Forbidden, ValidationError
from workflow.runtime import instances, projection
from workflow.runtime.command import Command
from workflow.services import attachments, awards
from workflow.services.common import case_op, record, visible_case
from workflow.storage.counters import next_value
from workflow.storage.db import Database
from workflow.storage.models import Case, ClockSegment, HumanTask, Organisation, Rating
from workflow.domain.identifiers import make_case_number
from workflow.timekeeping.workdays import local_date

RATING_LEVELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
OWN_ENTERPRISE = "Must be your own enterprise's registered {what}."


def submit(db: Database, actor: Actor, matters: list[str], data: dict, green_channel: bool = False,
           uploads: list[attachments.Upload] = (), root=None) -> Case:
    """An applicant files one case for one or several matters (joint filing), with its materials.

    Files are checked first and stored in the same transaction as the case, so a filing never
    exists without the materials it was sent with.
    """
    require_role(actor, "applicant")
    if actor.organisation_id is None:
        raise Forbidden("Your account is not linked to an enterprise.")
    codes = applications.matter_codes(matters)
    clean = _valid_filing(codes, data, list(uploads))
    with db.transaction() as session:
        cmd = Command(session, actor)
        _check_filing(session, actor, codes, clean, local_date(cmd.now))
        case = Case(
            number=make_case_number(cmd.now.year, next_value(session, f"case:{cmd.now.year}")),
            organisation_id=actor.organisation_id, applicant_id=actor.id,
            title=clean.get("title") or "、".join(MATTERS[c].title_zh for c in codes),
            matters=codes, data=clean, status=v.SUBMITTED, green_channel=bool(green_channel),
            created_at=cmd.now, materials_at=cmd.now,
            renewal_of=clean.get("license_number") if clean.get("change_kind") == licences.RENEWAL else None,
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
        for item in uploads:
            attachments.add(cmd, attachments.root_dir(root), item)
        case_status.refresh(cmd)
        return case


def _valid_filing(codes: list[str], data: dict, uploads: list[attachments.Upload]) -> dict:
    """The form and the files checked together, so every error is reported at once."""
    errors: dict[str, list[str]] = {}
    clean: dict = {}
    for check in (lambda: clean.update(applications.validate(codes, data)), lambda: attachments.check_all(uploads)):
        try:
            check()
        except ValidationError as exc:
            errors.update(exc.fields)
    if errors:
        raise ValidationError(errors)
    return clean


def _check_filing(session: Session, actor: Actor, codes: list[str], data: dict, today) -> None:
    """Who may file (DOMAIN "Who may file"): for the applicant's own enterprise, a licence it holds,
    an open award round."""
    org = session.get(Organisation, actor.organisation_id)
    errors: dict[str, list[str]] = {}
    if "credit_code" in data and data["credit_code"] != org.credit_code:
        errors["credit_code"] = [OWN_ENTERPRISE.format(what="unified social credit code")]
    if "company_name" in data and data["company_name"] != org.name:
        errors["company_name"] = [OWN_ENTERPRISE.format(what="name")]
    for code in codes:
        errors.update(licences.check(session, MATTERS[code], org.id, data, today))
        if MATTERS[code].process_id == "quality_award":
            errors.update(awards.check_round(session, data))
    if errors:
        raise ValidationError(errors)


def resubmit(db: Database, actor: Actor, case_id: int, data: dict, note: str | None = None) -> Case:
    """The applicant sends the corrected materials every held step asked for, with a note that
    explains them to the office; the clock runs again."""
    with case_op(db, actor, case_id, "resubmit") as (cmd, _action):
        session, case = cmd.session, cmd.case
        held = session.scalars(select(HumanTask).where(HumanTask.case_id == case.id, HumanTask.state == v.TASK_OPEN,
                                                       HumanTask.hold == "correction")).all()
        applications.correct(case, data or {})
        for task in held:
            task.hold = None
        projection.end_pauses(cmd, [t.id for t in held])
        clock.restart_acceptance(case, cmd.now)
        record(cmd, "resubmit", data={"fields": sorted((data or {}).keys())}, opinion=_note(note))
        case_status.refresh(cmd)
        return case


def withdraw(db: Database, actor: Actor, case_id: int, reason: str | None = None) -> Case:
    """撤回申请: the applicant withdraws; every running process is cancelled, every pause ends."""
    with case_op(db, actor, case_id, "withdraw") as (cmd, _action):
        session, case = cmd.session, cmd.case
        instances.cancel_all(cmd, "withdrawn", v.INSTANCE_CANCELLED, v.OUTCOME_WITHDRAWN)
        for segment in session.scalars(select(ClockSegment).where(ClockSegment.case_id == case.id,
                                                                  ClockSegment.status.in_(("open", "requested")))):
            segment.status, segment.ended_at = ("closed" if segment.status == "open" else "lapsed"), cmd.now
        case.status, case.outcome, case.completed_at = v.WITHDRAWN, v.OUTCOME_WITHDRAWN, cmd.now
        clock.refresh_case(session, case, cmd.now)
        record(cmd, "withdraw", opinion=(reason or "").strip()[:2000] or None)
        return case


def rate(db: Database, actor: Actor, case_id: int, level: int, comment: str | None = None) -> Rating:
    """好差评 after completion; one rating per case."""
    require_role(actor, "applicant")
    if not isinstance(level, int) or isinstance(level, bool) or level not in RATING_LEVELS:
        raise ValidationError({"level": ["Choose a level from 1 (very dissatisfied) to 5 (very satisfied)."]})
    comment = (comment or "").strip() or None
    if comment and len(comment) > 1000:
        raise ValidationError({"comment": ["Longer than maximum length 1000."]})
    if level <= 2 and not comment:
        raise ValidationError({"comment": ["Please tell us what went wrong."]})
    with case_op(db, actor, case_id, "rating") as (cmd, _action):
        rating = Rating(case_id=cmd.case.id, level=level, comment=comment, rated_by=actor.id, rated_at=cmd.now)
        cmd.session.add(rating)
        record(cmd, "rate", data={"level": level}, opinion=comment)
        return rating


def get(db: Database, actor: Actor, case_id: int) -> Case:
    with db.reading() as session:
        return visible_case(session, actor, case_id)


def _note(note: str | None) -> str | None:
    if note is not None and not isinstance(note, str):
        raise ValidationError({"note": ["Not a valid string."]})
    return (note or "").strip()[:2000] or None
