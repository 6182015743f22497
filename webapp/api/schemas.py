"""marshmallow schemas of every API request and response; the OpenAPI document is built from them.

Request schemas refuse unknown fields (422) and bound every number so nothing a client sends
can overflow a database column; strings refuse NUL and lone surrogates (neither can be stored).
"""
from __future__ import annotations

import math
from typing import Any

from flask_smorest.fields import Upload
from marshmallow import (
    EXCLUDE,
    RAISE,
    Schema,
    ValidationError,
    fields,
    validate,
)

from workflow.services.paging import MAX_PER_PAGE

MAX_ID = 2**31 - 1
MAX_PAGE = 100_000
TEXT_MAX = 2000
LIGHTS = ("green", "yellow", "red")
CASE_STATUSES = ("submitted", "correction", "in_progress", "completed", "withdrawn")


def _storable(value: Any, depth: int = 0) -> bool:
    """Whether every string in a JSON value can be stored (no NUL, no lone surrogate)."""
    if depth > 20:
        return False
    if isinstance(value, str):
        if "\x00" in value:
            return False
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(_storable(k, depth + 1) and _storable(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return all(_storable(v, depth + 1) for v in value)
    if isinstance(value, int) and not isinstance(value, bool):
        return -(2**63) <= value < 2**63
    if isinstance(value, float):
        return math.isfinite(value)
    return True


def _check_storable(value: Any) -> None:
    if not _storable(value):
        raise ValidationError("Contains characters or numbers that cannot be stored.")


class Str(fields.String):
    """A string that can be stored on every backend."""

    def __init__(self, *args, **kwargs) -> None:
        validators = kwargs.pop("validate", None)
        validators = [validators] if callable(validators) else list(validators or [])
        super().__init__(*args, validate=[_check_storable, *validators], **kwargs)


class JsonObject(fields.Dict):
    """Free-form form data; validated by the engine's form schema, here only for storability."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, validate=_check_storable, **kwargs)


def Id(**kwargs) -> fields.Integer:
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_ID), **kwargs)


class Flag(fields.Boolean):
    """A JSON boolean: true or false only (not 0, 1, "yes" …), as the document says."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


YEAR_RANGE = (1900, 2199)
DATE_PATTERN = r"^(19|20|21)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"


def OfficeDate(**kwargs) -> fields.Date:
    """A date the calendar and reports handle: years 1900–2199 (the document gives the pattern)."""
    def in_range(value) -> None:
        if not YEAR_RANGE[0] <= value.year <= YEAR_RANGE[1]:
            raise ValidationError(f"Give a date between {YEAR_RANGE[0]} and {YEAR_RANGE[1]}.")
    return fields.Date(validate=in_range, metadata={"pattern": DATE_PATTERN}, **kwargs)


class Request(Schema):
    class Meta:
        unknown = RAISE


class Query(Schema):
    class Meta:
        unknown = EXCLUDE


# --- common ------------------------------------------------------------------------------------

class ErrorBody(Schema):
    code = fields.String(required=True, metadata={"description": "Machine-readable error code."})
    message = fields.String(required=True, metadata={"description": "Human-readable explanation."})
    field_messages = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), required=True,
                                 data_key="fields",
                                 metadata={"description": "Field name (dotted for nested data) to its messages."})


class Error(Schema):
    """Every error the API returns."""
    error = fields.Nested(ErrorBody, required=True)


class PageQuery(Query):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_PER_PAGE))


class PageMeta(Schema):
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)


# --- auth --------------------------------------------------------------------------------------

class TokenRequest(Request):
    username = Str(required=True, validate=validate.Length(min=1, max=64))
    password = Str(required=True, validate=validate.Length(min=1, max=256))


class TokenResponse(Schema):
    token = fields.String(required=True)
    expires_at = fields.DateTime(required=True)
    user = fields.Nested(lambda: UserSchema(), required=True)


class UserSchema(Schema):
    id = fields.Integer(required=True)
    username = fields.String(required=True)
    display_name = fields.String(required=True)
    role = fields.String(required=True)
    department_code = fields.String(allow_none=True, required=True)
    organisation_id = fields.Integer(allow_none=True, required=True)


class Revoked(Schema):
    revoked = fields.Boolean(required=True)


# --- matters -----------------------------------------------------------------------------------

class AttachmentKind(Schema):
    kind = fields.String(required=True)
    title_zh = fields.String(required=True)
    title_en = fields.String(required=True)


class MatterSchema(Schema):
    code = fields.String(required=True)
    title_zh = fields.String(required=True)
    title_en = fields.String(required=True)
    department = fields.String(required=True)
    statutory_days = fields.Integer(allow_none=True, required=True,
                                    metadata={"description": "Statutory decision limit in working days."})
    committed_days = fields.Integer(allow_none=True, required=True,
                                    metadata={"description": "Limit the office commits to (working days)."})
    green_channel_days = fields.Integer(allow_none=True, required=True)
    certificate_days = fields.Integer(allow_none=True, required=True)
    extension_days = fields.Integer(required=True)
    requires_decision = fields.Boolean(required=True)
    validity_years = fields.Integer(allow_none=True, required=True)
    attachments = fields.List(fields.Nested(AttachmentKind), required=True)
    steps_zh = fields.List(fields.String(), required=True)
    steps_en = fields.List(fields.String(), required=True)
    basis = fields.String(required=True)
    application_form = fields.String(required=True)
    form_schema = fields.Dict(allow_none=True, required=True,
                              metadata={"description": "JSON Schema of the application form (null when unknown)."})


class MatterPage(PageMeta):
    items = fields.List(fields.Nested(MatterSchema), required=True)


# --- cases -------------------------------------------------------------------------------------

class MatterCode(validate.OneOf):
    """One of the catalogue's matter codes, read when the document is built and at each check."""

    def __init__(self) -> None:
        super().__init__([])

    @property
    def choices(self):
        from workflow.domain.matters import MATTERS
        return list(MATTERS)

    @choices.setter
    def choices(self, _value) -> None:
        pass

    @property
    def choices_text(self):
        return ", ".join(self.choices)

    @choices_text.setter
    def choices_text(self, _value) -> None:
        pass


class CaseCreate(Request):
    matters = fields.List(Str(validate=MatterCode()), required=True, validate=validate.Length(min=1, max=10),
                          metadata={"description": "Matter codes (GET /api/v1/matters); several = joint filing."})
    data = JsonObject(load_default=dict, metadata={
        "description": "The application: the fields of every chosen matter's form (`form_schema` of each "
                       "matter); a field shared by two forms is given once."})
    green_channel = Flag(load_default=False, metadata={
        "description": "Ask for the green channel (key projects): shorter committed limits, first in queues."})


class CaseQuery(PageQuery):
    status = Str(validate=validate.OneOf(CASE_STATUSES))
    matter = Str(validate=validate.Length(min=1, max=64))
    light = Str(validate=validate.OneOf(LIGHTS))


class ClockSchema(Schema):
    limit_days = fields.Integer(allow_none=True, required=True)
    extended_days = fields.Integer(required=True)
    used_days = fields.Integer(required=True)
    remaining_days = fields.Integer(allow_none=True, required=True)
    acceptance_due_at = fields.DateTime(allow_none=True, required=True)
    decision_due_at = fields.DateTime(allow_none=True, required=True)
    committed_due_at = fields.DateTime(allow_none=True, required=True)
    light = fields.String(required=True, validate=validate.OneOf(LIGHTS))
    suspended = fields.Boolean(required=True)
    on_time = fields.Boolean(allow_none=True, required=True)


class CaseSchema(Schema):
    id = fields.Integer(required=True)
    number = fields.String(required=True)
    title = fields.String(required=True)
    matters = fields.List(fields.String(), required=True)
    status = fields.String(required=True)
    outcome = fields.String(allow_none=True, required=True)
    green_channel = fields.Boolean(required=True)
    organisation_id = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    accepted_at = fields.DateTime(allow_none=True, required=True)
    deemed_accepted = fields.Boolean(required=True)
    decided_at = fields.DateTime(allow_none=True, required=True)
    completed_at = fields.DateTime(allow_none=True, required=True)
    clock = fields.Nested(ClockSchema, required=True)


class CasePage(PageMeta):
    items = fields.List(fields.Nested(CaseSchema), required=True)


class TaskSchema(Schema):
    id = fields.Integer(required=True)
    case_id = fields.Integer(required=True)
    case_number = fields.String(required=True)
    instance_id = fields.Integer(required=True)
    matter_code = fields.String(required=True)
    bpmn_id = fields.String(required=True)
    title = fields.String(required=True)
    form_key = fields.String(allow_none=True, required=True)
    role = fields.String(required=True)
    department_code = fields.String(allow_none=True, required=True)
    state = fields.String(required=True)
    hold = fields.String(allow_none=True, required=True)
    assignee_id = fields.Integer(allow_none=True, required=True)
    green_channel = fields.Boolean(required=True)
    step_limit_days = fields.Integer(allow_none=True, required=True)
    due_at = fields.DateTime(allow_none=True, required=True)
    light = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    claimed_at = fields.DateTime(allow_none=True, required=True)
    closed_at = fields.DateTime(allow_none=True, required=True)
    close_reason = fields.String(allow_none=True, required=True)
    decision = fields.String(allow_none=True, required=True)


class CertificateSchema(Schema):
    number = fields.String(required=True)
    matter_code = fields.String(required=True)
    holder = fields.String(required=True)
    scope = fields.String(required=True)
    issued_on = fields.Date(required=True)
    valid_until = fields.Date(allow_none=True, required=True)
    status = fields.String(required=True)


class RatingSchema(Schema):
    id = fields.Integer(required=True)
    case_id = fields.Integer(required=True)
    matter_code = fields.String(required=True)
    level = fields.Integer(required=True)
    comment = fields.String(allow_none=True, required=True)
    rated_at = fields.DateTime(required=True)
    reply = fields.String(allow_none=True, required=True, metadata={"description": "the supervisor's answer "
                                                                                   "to a bad rating (差评整改)"})
    replied_at = fields.DateTime(allow_none=True, required=True)


class AttachmentSchema(Schema):
    id = fields.Integer(required=True)
    case_id = fields.Integer(required=True)
    kind = fields.String(required=True)
    filename = fields.String(required=True)
    content_type = fields.String(required=True)
    size = fields.Integer(required=True)
    sha256 = fields.String(required=True)
    uploaded_at = fields.DateTime(required=True)


ACTIONS_DOC = ("What the caller may do now, from the action policy: each item has `op` (the last segment "
               "of the endpoint that performs it) and the choices it accepts (e.g. `decisions`, `targets`, "
               "`candidates`, `signers`, `reasons`, `days`). An operation not listed is refused.")


class ActionSchema(Schema):
    class Meta:
        unknown = EXCLUDE
    op = fields.String(required=True)


def actions_field() -> fields.List:
    return fields.List(fields.Dict(), required=True, metadata={"description": ACTIONS_DOC})


class StepStateSchema(Schema):
    title = fields.String(required=True)
    state = fields.String(required=True, metadata={"description": "done, current, todo or skipped; where a matter ended "
                                                              "unfavourably: refused, denied, withdrawn, not_awarded or revoked"})


class DocumentSchema(Schema):
    kind = fields.String(required=True, metadata={"description": "acceptance, correction, refusal, extension, "
                                                                 "grant, denial, certificate or delivery"})
    title = fields.String(required=True)
    url = fields.String(required=True, metadata={"description": "GET answers application/pdf"})
    issued_on = fields.Date(allow_none=True, required=True)


class CaseDetailSchema(CaseSchema):
    data = fields.Dict(required=True)
    open_tasks = fields.List(fields.Nested(TaskSchema), required=True)
    certificates = fields.List(fields.Nested(CertificateSchema), required=True)
    attachments = fields.List(fields.Nested(AttachmentSchema), required=True)
    rating = fields.Nested(RatingSchema, allow_none=True, required=True,
                           metadata={"description": "the first matter's rating (see `ratings`)"})
    ratings = fields.List(fields.Nested(RatingSchema), required=True, metadata={"description": "one per matter"})
    actions = actions_field()
    progress = fields.Dict(keys=fields.String(), values=fields.List(fields.Nested(StepStateSchema)), required=True)
    correction_items = fields.List(fields.String(), required=True)
    documents = fields.List(fields.Nested(DocumentSchema), required=True)
    vehicle_results = fields.Dict(allow_none=True, required=True)


class AuditEventSchema(Schema):
    seq = fields.Integer(required=True)
    at = fields.DateTime(required=True)
    actor_name = fields.String(required=True)
    role = fields.String(required=True)
    action = fields.String(required=True)
    decision = fields.String(allow_none=True, required=True)
    opinion = fields.String(allow_none=True, required=True)
    task_id = fields.Integer(allow_none=True, required=True)
    task_title = fields.String(allow_none=True, required=True)
    instance_id = fields.Integer(allow_none=True, required=True)
    data = fields.Dict(required=True)
    prev_hash = fields.String(required=True)
    hash = fields.String(required=True)


class HistorySchema(Schema):
    case_id = fields.Integer(required=True)
    case_number = fields.String(required=True)
    items = fields.List(fields.Nested(AuditEventSchema), required=True)


class WithdrawRequest(Request):
    reason = Str(allow_none=True, validate=validate.Length(max=TEXT_MAX))


class RatingRequest(Request):
    level = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=5),
                           metadata={"description": "5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意."})
    comment = Str(allow_none=True, validate=validate.Length(max=1000),
                  metadata={"description": "Required for levels 1 and 2."})
    matter = Str(allow_none=True, metadata={"description": "The matter rated, one of the `matters` the "
                                                           "`rating` action offers; may be left out when one is left."})


class RatingReplyRequest(Request):
    rating_id = fields.Integer(required=True, strict=True, metadata={"description": "one of the offered `ratings`"})
    reply = Str(required=True, validate=validate.Length(min=1, max=2000))


class AttachmentUpload(Schema):
    """multipart/form-data: ``kind`` and ``file``."""
    class Meta:
        unknown = EXCLUDE
    kind = Str(required=True, validate=validate.Length(min=1, max=64),
               metadata={"description": "Which material this is (e.g. business_license)."})
    file = Upload(required=True)


# --- tasks -------------------------------------------------------------------------------------

class TaskQuery(PageQuery):
    view = Str(load_default="all", validate=validate.OneOf(("mine", "claimable", "all", "overdue")))
    matter = Str(validate=validate.Length(min=1, max=64))
    light = Str(validate=validate.OneOf(LIGHTS))


class TaskPage(PageMeta):
    items = fields.List(fields.Nested(TaskSchema), required=True)


class TaskDetailSchema(TaskSchema):
    version = fields.Integer(required=True, metadata={
        "description": "The process instance version; send it back with claim/complete/return "
                       "to be told (409) of a concurrent change."})
    form_schema = fields.Dict(allow_none=True, required=True,
                              metadata={"description": "JSON Schema of the task's form."})
    actions = actions_field()


def _version(**kwargs) -> fields.Integer:
    return fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=1, max=MAX_ID),
                          metadata={"description": "The instance version you saw (optimistic locking)."},
                          **kwargs)


class ClaimRequest(Request):
    version = _version()


class CompleteRequest(Request):
    data = JsonObject(required=True, metadata={"description": "The task form's fields (see form_schema)."})
    version = _version()


class ReturnRequest(Request):
    target = Str(required=True, validate=validate.Length(min=1, max=100),
                 metadata={"description": "BPMN id of an earlier step, or \"applicant\" for correction."})
    opinion = Str(required=True, validate=validate.Length(max=TEXT_MAX))
    items = fields.List(Str(validate=validate.Length(max=500)), validate=validate.Length(max=100),
                        metadata={"description": "What the applicant must correct (target \"applicant\")."})
    version = _version()


class TransferRequest(Request):
    to_user_id = Id(required=True, metadata={"description": "One of the `candidates` offered."})
    opinion = Str(allow_none=True, validate=validate.Length(max=TEXT_MAX))


class CorrectionRequest(Request):
    opinion = Str(required=True, validate=validate.Length(max=TEXT_MAX))
    items = fields.List(Str(validate=validate.Length(max=500)), required=True, validate=validate.Length(max=100),
                        metadata={"description": "Everything the applicant must correct, all at once (Art. 32)."})
    version = _version()


class OpinionRequest(Request):
    opinion = Str(required=True, validate=validate.Length(max=TEXT_MAX))


class VersionRequest(Request):
    version = _version()


class SignerRequest(Request):
    user_id = Id(required=True, metadata={"description": "One of the `candidates` (add) or `signers` (remove)."})
    message = Str(allow_none=True, validate=validate.Length(max=TEXT_MAX))


class SuspendRequest(Request):
    reason = Str(required=True, validate=validate.Length(max=32), metadata={"description": "One of `reasons`."})
    note = Str(allow_none=True, validate=validate.Length(max=TEXT_MAX))


class ExtensionRequest(Request):
    days = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=100))
    reason = Str(required=True, validate=validate.Length(max=TEXT_MAX))


class DecideRequest(Request):
    approve = Flag(required=True)
    opinion = Str(required=True, validate=validate.Length(max=TEXT_MAX))


class ResubmitRequest(Request):
    data = JsonObject(required=True, metadata={"description": "The corrected application fields."})
    note = Str(validate=validate.Length(max=2000), metadata={"description": "What was corrected, for the office."})


class RoundResult(Schema):
    results = fields.Dict(required=True, metadata={"description": "By case number: rank, score, selected."})


class CopyRequest(Request):
    user_ids = fields.List(Id(), required=True, validate=validate.Length(min=1, max=50))
    message = Str(allow_none=True, validate=validate.Length(max=TEXT_MAX))


class UrgeRequest(Request):
    message = Str(allow_none=True, validate=validate.Length(max=TEXT_MAX))


class Notified(Schema):
    task_id = fields.Integer(required=True)
    notified = fields.List(fields.Integer(), required=True, metadata={"description": "User ids told."})


# --- public ------------------------------------------------------------------------------------

class AddWorkdaysQuery(Query):
    start = OfficeDate(required=True)
    days = fields.Integer(required=True, validate=validate.Range(min=-3660, max=3660))


class WorkdaysQuery(Query):
    start = OfficeDate(required=True)
    end = OfficeDate(required=True)


class AddWorkdaysResult(Schema):
    start = fields.Date(required=True)
    days = fields.Integer(required=True)
    result = fields.Date(required=True, metadata={"description": "The day the period ends (start day not counted)."})
    warnings = fields.List(fields.String(), required=True)


class WorkdaysResult(Schema):
    start = fields.Date(required=True)
    end = fields.Date(required=True)
    workdays = fields.Integer(required=True, metadata={"description": "Working days after start up to end."})
    warnings = fields.List(fields.String(), required=True)


# --- reports / audit ---------------------------------------------------------------------------

class SummaryQuery(Query):
    date_from = OfficeDate(data_key="from")
    date_to = OfficeDate(data_key="to")


class SummaryRow(Schema):
    matter = fields.String(required=True)
    received = fields.Integer(required=True)
    in_progress = fields.Integer(required=True)
    correction = fields.Integer(required=True)
    completed = fields.Integer(required=True)
    granted = fields.Integer(required=True)
    not_granted = fields.Integer(required=True)
    withdrawn = fields.Integer(required=True)
    overdue_open = fields.Integer(required=True)
    ratings = fields.Integer(required=True)
    completion_rate = fields.Float(allow_none=True, required=True)
    on_time_rate = fields.Float(allow_none=True, required=True)
    satisfaction_rate = fields.Float(allow_none=True, required=True)
    items = fields.Integer(required=True, metadata={
        "description": "what the matter counts: licences, equipment units, vehicles, nominations"})
    certificates = fields.Integer(required=True, metadata={"description": "certificates issued in the period"})


class Summary(Schema):
    date_from = fields.Date(required=True, data_key="from")
    date_to = fields.Date(required=True, data_key="to")
    matters = fields.List(fields.Nested(SummaryRow), required=True)
    total = fields.Nested(SummaryRow, required=True)
    definitions = fields.Dict(keys=fields.String(), values=fields.String(), required=True)


class VerifyResultSchema(Schema):
    ok = fields.Boolean(required=True)
    checked = fields.Integer(required=True)
    broken_seq = fields.Integer(allow_none=True, required=True)
    reason = fields.String(allow_none=True, required=True)
