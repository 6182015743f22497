"""Tasks: the task read model, the inbox query and the bodies of every task command.

The command bodies share their fields through the factories below (``version``, ``opinion``,
``correction_items``, ``note``): a field means the same in every command that takes it.
"""
from __future__ import annotations

from marshmallow import fields, validate

from webapp.api.schemas import base

ACTIONS_DOC = ("What the caller may do now, from the action policy: each item has `op` (the last segment "
               "of the endpoint that performs it) and the choices it accepts (e.g. `decisions`, `targets`, "
               "`candidates`, `signers`, `reasons`, `days`). An operation not listed is refused.")


def actions_field() -> fields.List:
    return fields.List(fields.Dict(), required=True, metadata={"description": ACTIONS_DOC})


class TaskSchema(base.Response):
    id = fields.Integer()
    case_id = fields.Integer()
    case_number = fields.String()
    instance_id = fields.Integer()
    matter_code = fields.String()
    bpmn_id = fields.String()
    title = fields.String()
    form_key = fields.String(allow_none=True)
    role = fields.String()
    department_code = fields.String(allow_none=True)
    state = fields.String()
    hold = fields.String(allow_none=True)
    assignee_id = fields.Integer(allow_none=True)
    green_channel = fields.Boolean()
    step_limit_days = fields.Integer(allow_none=True)
    due_at = fields.DateTime(allow_none=True)
    light = fields.String()
    created_at = fields.DateTime()
    claimed_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    close_reason = fields.String(allow_none=True)
    decision = fields.String(allow_none=True)


class TaskQuery(base.PageQuery):
    view = base.Str(load_default="all", validate=validate.OneOf(("mine", "claimable", "all", "overdue")))
    matter = base.Str(validate=validate.Length(min=1, max=64))
    light = base.Str(validate=validate.OneOf(base.LIGHTS))


class TaskPage(base.PageMeta):
    items = base.items_of(TaskSchema)


class TaskDetailSchema(TaskSchema):
    version = fields.Integer(metadata={
        "description": "The process instance version; send it back with claim/complete/return "
                       "to be told (409) of a concurrent change."})
    form_schema = fields.Dict(allow_none=True,
                              metadata={"description": "JSON Schema of the task's form."})
    actions = actions_field()


def version() -> fields.Integer:
    return fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=1, max=base.MAX_ID),
                          metadata={"description": "The instance version you saw (optimistic locking)."})


def opinion() -> base.Str:
    return base.text(required=True)


def correction_items(description: str, **kwargs) -> fields.List:
    return fields.List(base.Str(validate=validate.Length(max=500)), validate=validate.Length(max=100),
                       metadata={"description": description}, **kwargs)


class VersionRequest(base.Request):
    version = version()


class ClaimRequest(VersionRequest):
    pass


class OpinionRequest(base.Request):
    opinion = opinion()


class CompleteRequest(base.Request):
    data = base.JsonObject(required=True, metadata={"description": "The task form's fields (see form_schema)."})
    version = version()


class ReturnRequest(base.Request):
    target = base.Str(required=True, validate=validate.Length(min=1, max=100),
                 metadata={"description": "BPMN id of an earlier step, or \"applicant\" for correction."})
    opinion = opinion()
    items = correction_items("What the applicant must correct (target \"applicant\").")
    version = version()


class CorrectionRequest(base.Request):
    opinion = opinion()
    items = correction_items("Everything the applicant must correct, all at once (Art. 32).", required=True)
    version = version()


class TransferRequest(base.Request):
    to_user_id = base.Id(required=True, metadata={"description": "One of the `candidates` offered."})
    opinion = base.note()


class SignerRequest(base.Request):
    user_id = base.Id(required=True, metadata={"description": "One of the `candidates` (add) or `signers` (remove)."})
    message = base.note()


class SuspendRequest(base.Request):
    reason = base.text(32, required=True, metadata={"description": "One of `reasons`."})
    note = base.note()


class ExtensionRequest(base.Request):
    days = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=100))
    reason = base.text(required=True)


class UrgeRequest(base.Request):
    message = base.note()


class CopyRequest(UrgeRequest):
    user_ids = fields.List(base.Id(), required=True, validate=validate.Length(min=1, max=50))


class RoundResult(base.Response):
    results = fields.Dict(metadata={"description": "By case number: rank, score, selected."})


class Notified(base.Response):
    task_id = fields.Integer()
    notified = fields.List(fields.Integer(), metadata={"description": "User ids told."})
