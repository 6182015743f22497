"""Cases: filing, the list and the case read model, its history, and the bodies of the case commands."""
from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import EXCLUDE, fields, validate

from webapp.api.schemas import base
from webapp.api.schemas.tasks import TaskSchema, actions_field, opinion
from workflow.domain.forms.messages import MessageSchema


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


class CaseCreate(base.Request):
    matters = fields.List(base.Str(validate=MatterCode()), required=True, validate=validate.Length(min=1, max=10),
                          metadata={"description": "Matter codes (GET /api/v1/matters); several = joint filing."})
    data = base.JsonObject(load_default=dict, metadata={
        "description": "The application: the fields of every chosen matter's form (`form_schema` of each "
                       "matter); a field shared by two forms is given once."})
    green_channel = base.Flag(load_default=False, metadata={
        "description": "Ask for the green channel (key projects): shorter committed limits, first in queues."})


class CaseQuery(base.PageQuery):
    status = base.Str(validate=validate.OneOf(base.CASE_STATUSES))
    matter = base.Str(validate=validate.Length(min=1, max=64))
    light = base.Str(validate=validate.OneOf(base.LIGHTS))


class ClockSchema(base.Response):
    limit_days = fields.Integer(allow_none=True)
    extended_days = fields.Integer()
    used_days = fields.Integer()
    remaining_days = fields.Integer(allow_none=True)
    acceptance_due_at = fields.DateTime(allow_none=True)
    decision_due_at = fields.DateTime(allow_none=True)
    committed_due_at = fields.DateTime(allow_none=True)
    light = fields.String(validate=validate.OneOf(base.LIGHTS))
    suspended = fields.Boolean()
    on_time = fields.Boolean(allow_none=True)


class CaseSchema(base.Response):
    id = fields.Integer()
    number = fields.String()
    title = fields.String()
    matters = fields.List(fields.String())
    status = fields.String()
    outcome = fields.String(allow_none=True)
    green_channel = fields.Boolean()
    organisation_id = fields.Integer()
    created_at = fields.DateTime()
    accepted_at = fields.DateTime(allow_none=True)
    deemed_accepted = fields.Boolean()
    decided_at = fields.DateTime(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)
    clock = fields.Nested(ClockSchema)


class CasePage(base.PageMeta):
    items = base.items_of(CaseSchema)


class CertificateSchema(base.Response):
    number = fields.String()
    matter_code = fields.String()
    holder = fields.String()
    scope = fields.String()
    issued_on = fields.Date()
    valid_until = fields.Date(allow_none=True)
    status = fields.String()


class RatingSchema(base.Response):
    id = fields.Integer()
    case_id = fields.Integer()
    matter_code = fields.String()
    level = fields.Integer()
    comment = fields.String(allow_none=True)
    rated_at = fields.DateTime()
    reply = fields.String(allow_none=True, metadata={"description": "the supervisor's answer "
                                                                                   "to a bad rating (差评整改)"})
    replied_at = fields.DateTime(allow_none=True)


class AttachmentSchema(base.Response):
    id = fields.Integer()
    case_id = fields.Integer()
    kind = fields.String()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    uploaded_at = fields.DateTime()


class StepStateSchema(base.Response):
    title = fields.String()
    state = fields.String(metadata={"description": "done, current, todo or skipped; where a matter ended "
                                                              "unfavourably: refused, denied, withdrawn, not_awarded or revoked"})


class DocumentSchema(base.Response):
    kind = fields.String(metadata={"description": "acceptance, correction, refusal, extension, "
                                                                 "grant, denial, certificate or delivery"})
    title = fields.String()
    url = fields.String(metadata={"description": "GET answers application/pdf"})
    issued_on = fields.Date(allow_none=True)


class CaseDetailSchema(CaseSchema):
    data = fields.Dict()
    open_tasks = fields.List(fields.Nested(TaskSchema))
    certificates = fields.List(fields.Nested(CertificateSchema))
    attachments = fields.List(fields.Nested(AttachmentSchema))
    rating = fields.Nested(RatingSchema, allow_none=True,
                           metadata={"description": "the first matter's rating (see `ratings`)"})
    ratings = fields.List(fields.Nested(RatingSchema), metadata={"description": "one per matter"})
    actions = actions_field()
    progress = fields.Dict(keys=fields.String(), values=fields.List(fields.Nested(StepStateSchema)))
    correction_items = fields.List(fields.String())
    documents = fields.List(fields.Nested(DocumentSchema))
    vehicle_results = fields.Dict(allow_none=True)


class AuditEventSchema(base.Response):
    seq = fields.Integer()
    at = fields.DateTime()
    actor_name = fields.String()
    role = fields.String()
    action = fields.String()
    decision = fields.String(allow_none=True)
    opinion = fields.String(allow_none=True)
    task_id = fields.Integer(allow_none=True)
    task_title = fields.String(allow_none=True)
    instance_id = fields.Integer(allow_none=True)
    data = fields.Dict()
    prev_hash = fields.String()
    hash = fields.String()


class HistorySchema(base.Response):
    case_id = fields.Integer()
    case_number = fields.String()
    items = base.items_of(AuditEventSchema)


class WithdrawRequest(base.Request):
    reason = base.note()


class RatingRequest(base.Request):
    level = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=5),
                           metadata={"description": "5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意."})
    comment = base.note(max_length=1000, metadata={"description": "Required for levels 1 and 2."})
    matter = base.Str(allow_none=True, metadata={"description": "The matter rated, one of the `matters` the "
                                                           "`rating` action offers; may be left out when one is left."})


class RatingReplyRequest(base.Request):
    rating_id = fields.Integer(required=True, strict=True, metadata={"description": "one of the offered `ratings`"})
    reply = base.Str(required=True, validate=validate.Length(min=1, max=2000))


class AttachmentUpload(MessageSchema):
    """multipart/form-data: ``kind`` and ``file``."""
    class Meta:
        unknown = EXCLUDE
    kind = base.Str(required=True, validate=validate.Length(min=1, max=64),
               metadata={"description": "Which material this is (e.g. business_license)."})
    file = Upload(required=True)


class DecideRequest(base.Request):
    approve = base.Flag(required=True)
    opinion = opinion()


class ResubmitRequest(base.Request):
    data = base.JsonObject(required=True, metadata={"description": "The corrected application fields."})
    note = base.text(metadata={"description": "What was corrected, for the office."})
