"""Case use cases: file, resubmit corrections, withdraw, rate, read."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow import vocabulary as v
from workflow.domain import applications, case_status, clock, licences
from workflow.domain.matters import MATTERS
from workflow.domain.permissions import Actor, require_role
from workflow.errors import Forbidden, ValidationError, msg
from workflow.runtime import instances, projection
from workflow.runtime.command import Command
from workflow.domain.policy.case_rules import BAD_LEVELS
from workflow.services import attachments, awards, filing_keys
from workflow.services.common import case_op, record, text, visible_case
from workflow.storage.counters import next_value
from workflow.storage.db import Database
from workflow.storage.models import Case, ClockSegment, HumanTask, Organisation, Rating
from workflow.domain.identifiers import make_case_number, new_query_code
from workflow.timekeeping.workdays import local_date

RATING_LEVELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}


FILERS = ("applicant",)     # who may file a case; the API checks it before reading the body


def submit(db: Database, actor: Actor, matters: list[str], data: dict, green_channel: bool = False,
           uploads: list[attachments.Upload] = (), root=None, key: str | None = None) -> Case:
    """An applicant files one case for one or several matters (joint filing), with its materials.

    Files are checked first and stored in the same transaction as the case, so a filing never
    exists without the materials it was sent with. With a ``key`` (``Idempotency-Key``, the form's
    one-time token) a retried filing returns the case the first one filed (``filing_keys``).
    """
    require_role(actor, *FILERS)
    if actor.organisation_id is None:
        raise Forbidden("Your account is not linked to an enterprise.")
    codes = applications.matter_codes(matters)
    clean = _valid_filing(codes, data, list(uploads))
    with db.transaction() as session:
        cmd = Command(session, actor)
        if key is not None:
            earlier = filing_keys.claim(session, actor.id, key,
                                        filing_keys.fingerprint(codes, clean, bool(green_channel), uploads))
            if earlier is not None:
                return session.get(Case, earlier)
        _check_filing(session, actor, codes, clean, local_date(cmd.now))
        case = Case(
            number=make_case_number(cmd.now.year, next_value(session, f"case:{cmd.now.year}")),
            organisation_id=actor.organisation_id, applicant_id=actor.id,
            title=clean.get("title") or "、".join(MATTERS[c].title_zh for c in codes),
            matters=codes, data=clean, status=v.SUBMITTED, green_channel=bool(green_channel),
            created_at=cmd.now, materials_at=cmd.now,
            renewal_of=clean.get("license_number") if clean.get("change_kind") == licences.RENEWAL else None,
            query_code=new_query_code(),
        )
        session.add(case)
        session.flush()
        instances.new_case(session, case.id)
        projection.new_case(session, case.id)
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
        if key is not None:
            filing_keys.bind(session, actor.id, key, case.id)
        return case


def _valid_filing(codes: list[str], data: dict, uploads: list[attachments.Upload]) -> dict:
    """The form and the files checked together, so every error is reported at once."""
    errors = file_errors(uploads)
    try:
        clean = applications.validate(codes, data)
    except ValidationError as exc:
        errors.update(exc.fields)
    if errors:
        raise ValidationError(errors)
    return clean


def file_errors(uploads: list[attachments.Upload]) -> dict[str, list[str]]:
    """The files' errors by field (``file:kind``), to be reported with the form's."""
    try:
        attachments.check_all(list(uploads))
    except ValidationError as exc:
        return dict(exc.fields)
    return {}


def _check_filing(session: Session, actor: Actor, codes: list[str], data: dict, today) -> None:
    """Who may file (docs/domain.md, "Who may file"): for the applicant's own enterprise, a licence it holds,
    an open award round."""
    org = session.get(Organisation, actor.organisation_id)
    errors = applications.foreign_enterprise_errors(org, data)
    errors.update(licences.registered_vehicle_errors(session, data.get("vehicles")))
    for code in codes:
        errors.update(licences.check(session, MATTERS[code], org.id, data, today))
        if MATTERS[code].award_round:
            errors.update(awards.check_round(session, data))
    if errors:
        raise ValidationError(errors)


def resubmit(db: Database, actor: Actor, case_id: int, data: dict, note: str | None = None,
             uploads: list[attachments.Upload] = (), root=None) -> Case:
    """The applicant sends the corrected materials every held step asked for, with a note that
    explains them to the office and the corrected files, in one transaction; the clock runs again."""
    bad_input = file_errors(uploads)
    try:
        note = text(note, "note", required=False)
    except ValidationError as exc:
        bad_input = {**bad_input, **exc.fields}
    with case_op(db, actor, case_id, "resubmit") as (cmd, _action):
        session, case = cmd.session, cmd.case
        held = session.scalars(select(HumanTask).where(HumanTask.case_id == case.id, HumanTask.state == v.TASK_OPEN,
                                                       HumanTask.hold == "correction")).all()
        try:
            changed = applications.correct(case, data or {}, session.get(Organisation, case.organisation_id))
        except ValidationError as exc:
            raise ValidationError({**bad_input, **exc.fields}) from None
        if bad_input:
            raise ValidationError(bad_input)
        for task in held:
            task.hold = None
        projection.end_pauses(cmd, [t.id for t in held])
        clock.restart_acceptance(case, cmd.now)
        for item in uploads:
            attachments.add(cmd, attachments.root_dir(root), item)
        record(cmd, "resubmit", data={"fields": sorted(changed)}, opinion=note)
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
        record(cmd, "withdraw", opinion=text(reason, "reason", required=False))
        return case


def rate(db: Database, actor: Actor, case_id: int, level: int, comment: str | None = None,
         matter: str | None = None) -> Rating:
    """好差评 after completion, one per matter; a bad one (不满意 / 非常不满意) needs a comment and
    waits for the supervisor's answer (差评整改). ``matter`` may be left out when one is left to rate."""
    require_role(actor, "applicant")
    if not isinstance(level, int) or isinstance(level, bool) or level not in RATING_LEVELS:
        raise ValidationError({"level": [msg("Choose a level from 1 (very dissatisfied) to 5 (very satisfied).")]})
    comment = (comment or "").strip() or None
    if comment and len(comment) > 1000:
        raise ValidationError({"comment": [msg("Longer than maximum length {max}.", max=1000)]})
    if level in BAD_LEVELS and not comment:
        raise ValidationError({"comment": [msg("Please tell us what went wrong.")]})
    with case_op(db, actor, case_id, "rating") as (cmd, action):
        offered = action.choices["matters"]
        matter = matter or (offered[0] if len(offered) == 1 else None)
        action.require_one("matters", matter, "matter")
        rating = Rating(case_id=cmd.case.id, matter_code=matter, level=level, comment=comment, rated_by=actor.id,
                        rated_at=cmd.now)
        cmd.session.add(rating)
        record(cmd, "rate", data={"level": level, "matter": matter}, opinion=comment)
        return rating


def reply_to_rating(db: Database, actor: Actor, case_id: int, rating_id: int, reply: str) -> Rating:
    """The supervisor's answer to a bad rating closes its rectification and is sent to the applicant."""
    reply = (reply or "").strip()
    if not reply or len(reply) > 2000:
        raise ValidationError({"reply": [msg("Write the answer (at most 2000 characters).")]})
    with case_op(db, actor, case_id, "rating_reply") as (cmd, action):
        action.require_one("ratings", rating_id, "rating_id")
        rating = cmd.session.get(Rating, rating_id)
        rating.reply, rating.replied_by, rating.replied_at = reply, actor.id, cmd.now
        record(cmd, "rating_reply", data={"rating_id": rating.id, "matter": rating.matter_code}, opinion=reply)
        return rating


def get(db: Database, actor: Actor, case_id: int) -> Case:
    with db.reading() as session:
        return visible_case(session, actor, case_id)

