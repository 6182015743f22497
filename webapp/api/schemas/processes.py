"""Schemas of the administrators' process-version endpoints (migration plans, failed instances)."""
from __future__ import annotations

from marshmallow import fields, validate

from webapp.api.schemas.base import Flag, Id, PageMeta, Request, Response, Str, items_of

STEP_ID = {"validate": validate.Length(min=1, max=100)}


class MigrationPlan(Request):
    process_id = Str(required=True, validate=validate.Length(min=1, max=100))
    source = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=100_000),
                            data_key="from", metadata={"description": "Version the instances run on."})
    target = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=100_000),
                            data_key="to", metadata={"description": "Version to move them to."})
    mapping = fields.Dict(keys=Str(**STEP_ID), values=Str(**STEP_ID), load_default=dict,
                          metadata={"description": "Step ids renamed in the target: old id to new id."})
    dry_run = Flag(load_default=True, metadata={"description": "List what would move; change nothing."})


class Candidate(Response):
    instance_id = Id()
    case_id = Id()
    case_number = fields.String()
    steps = fields.List(fields.String(), metadata={"description": "Steps it waits at."})
    problems = fields.List(fields.String(), metadata={"description": "Why it cannot move."})


class MigrationOutcome(Response):
    dry_run = fields.Boolean()
    movable = fields.List(fields.Nested(Candidate),
                          metadata={"description": "Moved, or that would move in a dry run."})
    refused = fields.List(fields.Nested(Candidate))


class FailedInstance(Response):
    instance_id = Id()
    case_id = Id()
    case_number = fields.String()
    process_id = fields.String()
    version = fields.Integer()
    failed_at = fields.DateTime()
    error = fields.String()


class FailedPage(PageMeta):
    items = items_of(FailedInstance)


class RetryResult(Response):
    ok = fields.Boolean(metadata={"description": "Whether the retry went through."})
    failure = fields.Nested(FailedInstance, allow_none=True)
