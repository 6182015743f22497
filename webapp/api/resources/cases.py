"""Cases (办件): file, list, read, history, withdraw, resubmit, attachments, rating, extension decisions."""
from __future__ import annotations

from typing import Any

from flask import current_app

from webapp.api.base import (
    IDEMPOTENCY_PARAMETER,
    ApiBlueprint,
    actor,
    get_db,
    guarded,
    idempotency_key,
    paged,
    require_id,
)
from webapp.api.commands import Command, register
from webapp.api.read_models import case_detail, case_dict, history_items
from webapp.api.schemas import cases as schemas
from webapp.documents import file_response, links
from workflow.errors import ValidationError, msg
from workflow.services import attachments, cases, clock, dispatch, documents, queries

blp = ApiBlueprint("cases", __name__, url_prefix="/api/v1/cases", tag="cases",
                   description="Filings: applicants see their organisation's, staff their department's.")
extensions_blp = ApiBlueprint("extensions", __name__, url_prefix="/api/v1/extensions", tag="cases",
                              description="Extension requests (Art. 42) decided by approvers.")
CASE_ERRORS = (403, 404, 409, 422)


@blp.route("", methods=["POST"])
@blp.doc(parameters=[IDEMPOTENCY_PARAMETER])          # the filing's own header, not the list's
@guarded(blp, 403, 404, 422, roles=cases.FILERS)
@blp.arguments(schemas.CaseCreate)
@blp.response(201, schemas.CaseDetailSchema)
def file_case(body):
    """File a case for one or several matters (joint filing); applicants only

    `data` must satisfy the application form of every chosen matter (`GET /api/v1/matters`);
    all field errors come back at once as 422. With an `Idempotency-Key` header a retry returns
    the case the first request filed (201 again); the key sent with another body is a 422.
    """
    case = cases.submit(get_db(), actor(), body["matters"], body["data"], body["green_channel"],
                        key=idempotency_key())
    return case_detail(case.id)


@blp.route("", methods=["GET"])
@guarded(blp)
@blp.arguments(schemas.CaseQuery, location="query")
@blp.response(200, schemas.CasePage)
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
@blp.response(200, schemas.CaseDetailSchema)
def get_case(case_id):
    """A case: status, statutory clock, open tasks, progress, certificates, attachments, rating, actions"""
    return case_detail(require_id(case_id))


@blp.route("/<int:case_id>/history", methods=["GET"])
@guarded(blp, 404)
@blp.response(200, schemas.HistorySchema)
def history(case_id):
    """The case's decision history (oldest first): staff see it whole, applicants what the law tells them"""
    case, items = history_items(require_id(case_id))
    return {"case_id": case.id, "case_number": case.number, "items": items}


@blp.route("/<int:case_id>/documents/<key>.pdf", methods=["GET"])
@guarded(blp, 404)
@blp.response(200, content_type="application/pdf", description="The document as PDF")
def document(case_id, key):
    """A written document of the case (its `documents` list gives each URL), to whoever may open the case"""
    rendered = documents.render(get_db(), actor(), require_id(case_id), key, links())
    return file_response(rendered.data, rendered.filename, rendered.content_type)


@blp.route("/<int:case_id>/attachments", methods=["POST"])
@guarded(blp, 404, 409, 413, 422)
@blp.arguments(schemas.AttachmentUpload, location="multipart")
@blp.response(201, schemas.AttachmentSchema)
def upload(form, case_id):
    """Add a file (PDF, JPG, PNG or OFD, at most 10 MiB) to a case

    multipart/form-data with `kind` (which material) and `file`. The type is taken from the
    content, not the name.
    """
    storage = form["file"]
    if not hasattr(storage, "read"):
        raise ValidationError({"file": [msg("Send the file as a multipart upload.")]})
    content = storage.read(attachments.MAX_BYTES + 1)
    item = attachments.Upload(kind=form["kind"], filename=storage.filename or "", content=content)
    return attachments.upload(get_db(), actor(), require_id(case_id), item,
                              root=current_app.config.get("ATTACHMENTS_DIR"))


def _op(op: str):
    """Run ``op`` through the dispatcher the web pages use."""
    def run(case_id: int, body: dict) -> Any:
        return dispatch.run_case_op(get_db(), actor(), require_id(case_id), op, body)
    return run


def _case(_result: Any, case_id: int) -> dict:
    return case_detail(case_id)


def _rating(result: Any, _case_id: int) -> Any:
    """The rating row itself: RatingSchema dumps it."""
    return result


def _decide(segment_id: int, body: dict) -> Any:
    return clock.decide_extension(get_db(), actor(), require_id(segment_id), body["approve"], body["opinion"])


register(blp, "case_id", (
    Command("withdraw", "Withdraw the application (撤回申请); the applicant's organisation only",
            _op("withdraw"), _case, schemas.CaseDetailSchema, schemas.WithdrawRequest, body_required=False),
    Command("resubmit", "Send the corrections a step asked for (退回补正); the clock runs again",
            _op("resubmit"), _case, schemas.CaseDetailSchema, schemas.ResubmitRequest),
    Command("rating", "Rate a matter of a completed case (好差评), once per matter; levels 1 and 2 need a comment",
            _op("rating"), _rating, schemas.RatingSchema, schemas.RatingRequest, status=201, name="rate"),
    Command("rating_reply", "Answer a bad rating (差评整改); supervisors, offered as `rating_reply` with the "
            "waiting `ratings`", _op("rating_reply"), _rating, schemas.RatingSchema, schemas.RatingReplyRequest),
), CASE_ERRORS)
register(extensions_blp, "segment_id", (
    Command("decide", "Approve or refuse an extension request (offered to the department's approvers as `decide`)",
            _decide, lambda segment, _id: case_detail(segment.case_id), schemas.CaseDetailSchema, schemas.DecideRequest),
), CASE_ERRORS)
