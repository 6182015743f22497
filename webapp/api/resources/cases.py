"""Cases (办件): file, list, read, history, withdraw, attachments, rating."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from webapp.api.base import ApiBlueprint, actor, get_db, guarded, paged, require_id
from webapp.api.schemas import (
    AttachmentSchema,
    AttachmentUpload,
    CaseCreate,
    CaseDetailSchema,
    CasePage,
    CaseQuery,
    HistorySchema,
    RatingRequest,
    RatingSchema,
    WithdrawRequest,
)
from workflow.errors import ValidationError
from workflow.services import cases, queries
from workflow.services.queries import (
    _public as public_certificate,  # status "expired" past validity
)
from workflow.storage.models import Attachment, Case, Certificate, HumanTask, Rating

blp = ApiBlueprint("cases", __name__, url_prefix="/api/v1/cases", tag="cases",
                   description="Filings: applicants see their organisation's, staff their department's.")


def clock_dict(case: Case) -> dict:
    return {
        "limit_days": case.limit_days, "extended_days": case.extended_days or 0, "used_days": case.used_days or 0,
        "remaining_days": case.remaining_days, "acceptance_due_at": case.acceptance_due_at,
        "decision_due_at": case.decision_due_at, "committed_due_at": case.committed_due_at,
        "light": case.light or "green", "suspended": bool(case.suspended), "on_time": case.on_time,
    }


def case_dict(case: Case) -> dict:
    return {
        "id": case.id, "number": case.number, "title": case.title, "matters": list(case.matters or []),
        "status": case.status, "outcome": case.outcome, "green_channel": bool(case.green_channel),
        "organisation_id": case.organisation_id, "created_at": case.created_at, "accepted_at": case.accepted_at,
        "deemed_accepted": bool(case.deemed_accepted), "decided_at": case.decided_at,
        "completed_at": case.completed_at, "clock": clock_dict(case),
    }


def case_numbers(case_ids) -> dict[int, str]:
    ids = set(case_ids)
    if not ids:
        return {}
    with get_db().reading() as session:
        return dict(session.execute(select(Case.id, Case.number).where(Case.id.in_(ids))).all())


def task_dict(task: HumanTask, who, case_number: str | None = None) -> dict:
    """A task row; applicants are not told which staff member holds a step."""
    staff = who.role != "applicant"
    if case_number is None:
        case_number = case_numbers([task.case_id]).get(task.case_id, "")
    return {
        "id": task.id, "case_id": task.case_id, "case_number": case_number, "instance_id": task.instance_id,
        "matter_code": task.matter_code,
        "bpmn_id": task.bpmn_id, "title": task.title, "form_key": task.form_key, "role": task.role,
        "department_code": task.department_code, "state": task.state, "hold": task.hold,
        "assignee_id": task.assignee_id if staff or task.role == "applicant" else None,
        "green_channel": bool(task.green_channel), "step_limit_days": task.step_limit_days,
        "due_at": task.due_at, "light": task.light or "green", "created_at": task.created_at,
        "claimed_at": task.claimed_at, "closed_at": task.closed_at, "close_reason": task.close_reason,
        "decision": task.decision,
    }


def rating_dict(rating: Rating) -> dict:
    return {"case_id": rating.case_id, "level": rating.level, "comment": rating.comment, "rated_at": rating.rated_at}


def attachment_dict(row: Attachment) -> dict:
    return {"id": row.id, "case_id": row.case_id, "kind": row.kind, "filename": row.filename,
            "content_type": row.content_type, "size": row.size, "sha256": row.sha256,
            "uploaded_at": row.uploaded_at}


def case_detail(case_id: int) -> dict:
    """Status, clock, open tasks, certificates, attachments and rating of a case the actor may see."""
    who = actor()
    case = cases.get(get_db(), who, case_id)
    with get_db().reading() as session:
        open_tasks = session.scalars(select(HumanTask).where(HumanTask.case_id == case.id, HumanTask.state == "open")
                                     .order_by(HumanTask.created_at, HumanTask.id)).all()
        certs = session.scalars(select(Certificate).where(Certificate.case_id == case.id)
                                .order_by(Certificate.id)).all()
        files = session.scalars(select(Attachment).where(Attachment.case_id == case.id)
                                .order_by(Attachment.id)).all()
        rating = session.scalars(select(Rating).where(Rating.case_id == case.id)).first()
    return {
        **case_dict(case), "data": case.data or {},
        "open_tasks": [task_dict(t, who, case.number) for t in open_tasks],
        "certificates": [vars_of(public_certificate(c)) for c in certs],
        "attachments": [attachment_dict(a) for a in files],
        "rating": rating_dict(rating) if rating else None,
    }


def vars_of(cert) -> dict:
    return {name: getattr(cert, name) for name in
            ("number", "matter_code", "holder", "scope", "issued_on", "valid_until", "status")}


@blp.route("", methods=["POST"])
@guarded(blp, 403, 404, 422)
@blp.arguments(CaseCreate)
@blp.response(201, CaseDetailSchema)
def file_case(body):
    """File a case for one or several matters (joint filing); applicants only

    `data` must satisfy the application form of every chosen matter (`GET /api/v1/matters`);
    all field errors come back at once as 422.
    """
    case = cases.submit(get_db(), actor(), body["matters"], body["data"], body["green_channel"])
    return case_detail(case.id)


@blp.route("", methods=["GET"])
@guarded(blp)
@blp.arguments(CaseQuery, location="query")
@blp.response(200, CasePage)
def list_cases(query):
    """Cases the caller may see, newest first

    Applicants see their organisation's cases; reviewers, inspectors and approvers their
    department's; window, supervisors, auditors and admins all.
    """
    result = queries.list_cases(get_db(), actor(), queries.CaseFilters(
        status=query.get("status"), matter=query.get("matter"), light=query.get("light"),
        page=query["page"], per_page=query["per_page"]))
    return paged(result, [case_dict(c) for c in result.items])


@blp.route("/<int:case_id>", methods=["GET"])
@guarded(blp, 404)
@blp.response(200, CaseDetailSchema)
def get_case(case_id):
    """A case: status, statutory clock, open tasks, certificates, attachments, rating"""
    return case_detail(require_id(case_id))


@blp.route("/<int:case_id>/history", methods=["GET"])
@guarded(blp, 404)
@blp.response(200, HistorySchema)
def history(case_id):
    """The case's decision history (audit events, oldest first)"""
    case, events = queries.case_timeline(get_db(), actor(), require_id(case_id))
    return {"case_id": case.id, "case_number": case.number, "items": [
        {"seq": e.seq, "at": e.at, "actor_name": e.actor_name, "role": e.role, "action": e.action,
         "decision": e.decision, "opinion": e.opinion, "task_id": e.task_id, "task_title": e.task_title,
         "instance_id": e.instance_id, "data": e.data or {}, "prev_hash": e.prev_hash, "hash": e.hash}
        for e in events]}


@blp.route("/<int:case_id>/withdraw", methods=["POST"])
@guarded(blp, 403, 404, 409, 422)
@blp.arguments(WithdrawRequest, required=False)
@blp.response(200, CaseDetailSchema)
def withdraw(body, case_id):
    """Withdraw the application (撤回申请); the applicant's organisation only"""
    cases.withdraw(get_db(), actor(), require_id(case_id), body.get("reason"))
    return case_detail(case_id)


@blp.route("/<int:case_id>/rating", methods=["POST"])
@guarded(blp, 403, 404, 409, 422)
@blp.arguments(RatingRequest)
@blp.response(201, RatingSchema)
def rate(body, case_id):
    """Rate a completed case (好差评), once; levels 1 and 2 need a comment"""
    rating = cases.rate(get_db(), actor(), require_id(case_id), body["level"], body.get("comment"))
    return rating_dict(rating)


@blp.route("/<int:case_id>/attachments", methods=["POST"])
@guarded(blp, 404, 409, 413, 422)
@blp.arguments(AttachmentUpload, location="multipart")
@blp.response(201, AttachmentSchema)
def upload(form, case_id):
    """Add a file (PDF, JPG, PNG or OFD, at most 10 MiB) to a case

    multipart/form-data with `kind` (which material) and `file`. The type is taken from the
    content, not the name.
    """
    from workflow.services import attachments
    storage = form["file"]
    if not hasattr(storage, "read"):
        raise ValidationError({"file": ["Send the file as a multipart upload."]})
    content = storage.read(attachments.MAX_BYTES + 1)
    item = attachments.Upload(kind=form["kind"], filename=storage.filename or "", content=content)
    row = attachments.upload(get_db(), actor(), require_id(case_id), item,
                             root=current_app.config.get("ATTACHMENTS_DIR"))
    return attachment_dict(row)
