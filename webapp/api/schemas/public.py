"""Public look-ups (the working-day calendar) and the oversight figures (period report, audit chain)."""
from __future__ import annotations

from marshmallow import fields, validate

from webapp.api.schemas.base import OfficeDate, Query, Response


class AddWorkdaysQuery(Query):
    start = OfficeDate(required=True)
    days = fields.Integer(required=True, validate=validate.Range(min=-3660, max=3660))


class WorkdaysQuery(Query):
    start = OfficeDate(required=True)
    end = OfficeDate(required=True)


class AddWorkdaysResult(Response):
    start = fields.Date()
    days = fields.Integer()
    result = fields.Date(metadata={"description": "The day the period ends (start day not counted)."})
    warnings = fields.List(fields.String())


class WorkdaysResult(Response):
    start = fields.Date()
    end = fields.Date()
    workdays = fields.Integer(metadata={"description": "Working days after start up to end."})
    warnings = fields.List(fields.String())


# --- reports / audit ---------------------------------------------------------------------------

class SummaryQuery(Query):
    date_from = OfficeDate(data_key="from")
    date_to = OfficeDate(data_key="to")


class SummaryRow(Response):
    matter = fields.String()
    received = fields.Integer()
    in_progress = fields.Integer()
    correction = fields.Integer()
    completed = fields.Integer()
    granted = fields.Integer()
    not_granted = fields.Integer()
    withdrawn = fields.Integer()
    overdue_open = fields.Integer()
    ratings = fields.Integer()
    completion_rate = fields.Float(allow_none=True)
    on_time_rate = fields.Float(allow_none=True)
    satisfaction_rate = fields.Float(allow_none=True)
    items = fields.Integer(metadata={
        "description": "what the matter counts: licences, equipment units, vehicles, nominations"})
    certificates = fields.Integer(metadata={"description": "certificates issued in the period"})


class Summary(Response):
    date_from = fields.Date(data_key="from")
    date_to = fields.Date(data_key="to")
    matters = fields.List(fields.Nested(SummaryRow))
    total = fields.Nested(SummaryRow)
    definitions = fields.Dict(keys=fields.String(), values=fields.String())


class VerifyResultSchema(Response):
    ok = fields.Boolean()
    checked = fields.Integer()
    broken_seq = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)
