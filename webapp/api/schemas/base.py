"""What every API schema builds on: storable strings, bounded ids and dates, the request, query and
response bases, the error body and the list envelope.

Request schemas refuse unknown fields (422) and bound every number so nothing a client sends
can overflow a database column; strings refuse NUL and lone surrogates (neither can be stored).
Response schemas declare what an answer always carries, so every field is required by default.
"""
from __future__ import annotations

import math
from typing import Any

from marshmallow import (
    EXCLUDE,
    RAISE,
    ValidationError,
    fields,
    validate,
)

from workflow.domain.forms.messages import MessageSchema
from workflow.errors import msg
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
        raise ValidationError(msg("Contains characters or numbers that cannot be stored."))


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
            raise ValidationError(msg("Give a date between {min} and {max}.", min=YEAR_RANGE[0], max=YEAR_RANGE[1]))
    return fields.Date(validate=in_range, metadata={"pattern": DATE_PATTERN}, **kwargs)


class Request(MessageSchema):
    class Meta:
        unknown = RAISE


class Query(MessageSchema):
    class Meta:
        unknown = EXCLUDE


class Response(MessageSchema):
    """An answer: every field is always present (``required`` in the document), ``null`` only where allowed."""

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        super().on_bind_field(field_name, field_obj)
        field_obj.required = True


def text(max_length: int = TEXT_MAX, **kwargs) -> Str:
    """A free text a person writes (opinion, reason, message), at most ``max_length`` characters."""
    return Str(validate=validate.Length(max=max_length), **kwargs)


def note(**kwargs) -> Str:
    """A free text that may be left out or null."""
    return text(allow_none=True, **kwargs)


# --- common ------------------------------------------------------------------------------------

class ErrorBody(Response):
    code = fields.String(metadata={"description": "Machine-readable error code."})
    message = fields.String(metadata={"description": "Human-readable explanation."})
    field_messages = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), data_key="fields",
                                 metadata={"description": "Field name (dotted for nested data) to its messages."})


class Error(Response):
    """Every error the API returns."""
    error = fields.Nested(ErrorBody)


class PageQuery(Query):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_PER_PAGE))


class PageMeta(Response):
    """The list envelope's counts; a page schema adds ``items = items_of(TheSchema)``."""
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


def items_of(schema: type[MessageSchema]) -> fields.List:
    return fields.List(fields.Nested(schema))
