"""Schemas of the administrators' process-version endpoints (migration plans, failed instances)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from webapp.api.schemas import Flag, Id, PageMeta, Request, Str

STEP_ID = dict(validate=validate.Length(min=1, max=100))


class MigrationPlan(Request):
    process_id = Str(required=True, validate=validate.Length(min=1, max=100))
    source = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=100_000),
                            data_key="from", metadata={"description": "Version the instances run on."})
    target = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=100_000),
                            data_key="to", metadata={"description": "Version to move them to."})
    mapping = fields.Dict(keys=Str(**STEP_ID), values=Str(**STEP_ID), load_default=dict,
                          metadata={"description": "Step ids renamed in the target: old id to new id."})
    dry_run = Flag(load_default=True, metadata={"description": "List what would move; change nothing."})




class Candidate(Schema):
    instance_id = Id(required=True)
    case_id = Id(required=True)
    case_number = fields.String(required=True)
    steps = fields.List(fields.String(), required=True, metadata={"description": "Steps it waits at."})
    problems = fields.List(fields.String(), required=True, metadata={"description": "Why it cannot move."})


class MigrationOutcome(Schema):
    dry_run = fields.Boolean(required=True)
    movable = fields.List(fields.Nested(Candidate), required=True,
                          metadata={"description": "Moved, or that would move in a dry run."})
    refused = fields.List(fields.Nested(Candidate), required=True)


class FailedInstance(Schema):
    instance_id = Id(required=True)
    case_id = Id(required=True)
    case_number = fields.String(required=True)
    process_id = fields.String(required=True)
    version = fields.Integer(required=True)
    failed_at = fields.DateTime(required=True)
    error = fields.String(required=True)


class FailedPage(PageMeta):
    items = fields.List(fields.Nested(FailedInstance), required=True)


class RetryResult(Schema):
    ok = fields.Boolean(required=True, metadata={"description": "Whether the retry went through."})
    failure = fields.Nested(FailedInstance, allow_none=True, required=True)
