"""JSON Schema (draft 2020-12 subset, as OpenAPI 3.1 uses) of the engine's marshmallow forms.

Clients of ``GET /api/v1/matters`` and ``GET /api/v1/tasks/{id}`` get the schema of the
form they must fill, so they can build it and check it before sending. The converter knows
the field types and validators the forms use (String, Integer, Float, Boolean, Date, List,
Nested, Dict; OneOf, Length, Range, Regexp) and the forms' ``conditions`` (fields required
only for some answers). Rules written as Python functions (check characters, reference
lists) are not expressible here; the server still applies them and answers 422.
"""
from __future__ import annotations

import functools
from typing import Any

from marshmallow import Schema, fields, missing, validate

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


@functools.cache
def form_json_schema(form: type[Schema]) -> dict[str, Any]:
    """:func:`schema_to_json` of a form class, built once per class: forms are fixed when the app
    starts, and every task answer carries its form's schema. Callers must not change the dict."""
    return schema_to_json(form)


def schema_to_json(schema: Schema | type[Schema], *, top: bool = True) -> dict[str, Any]:
    """The JSON Schema of a marshmallow schema (class or instance)."""
    instance = schema() if isinstance(schema, type) else schema
    properties: dict[str, Any] = {}
    required: list[str] = []
    for name, field in instance.fields.items():
        if field.dump_only:
            continue
        key = field.data_key or name
        properties[key] = field_to_json(field)
        if field.required:
            required.append(key)
    out: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        out["required"] = required
    unknown = getattr(getattr(instance, "Meta", None), "unknown", None) or instance.unknown
    if unknown == "raise":
        out["additionalProperties"] = False
    conditions = [_condition(rule) for rule in getattr(instance, "conditions", ()) or ()]
    if conditions:
        out["allOf"] = conditions
    if top:
        out = {"$schema": SCHEMA_DIALECT, **out}
        title = getattr(type(instance), "__name__", None)
        if title:
            out["title"] = title
    return out


def _condition(rule) -> dict[str, Any]:
    """``required_when(field, when, *values)`` as if/then."""
    return {"if": {"properties": {rule.when: {"enum": list(rule.values)}}, "required": [rule.when]},
            "then": {"required": [rule.field]}}


def field_to_json(field: fields.Field) -> dict[str, Any]:
    out = _type_of(field)
    for validator in _validators(field):
        _apply_validator(out, validator, field)
    default = field.load_default
    if default is not missing and not callable(default):
        out["default"] = default
    if field.allow_none and "type" in out:
        out["type"] = [out["type"], "null"] if isinstance(out["type"], str) else [*out["type"], "null"]
    for key in ("title", "description"):
        if field.metadata.get(key):
            out[key] = field.metadata[key]
    return out


def _validators(field: fields.Field) -> list:
    return list(getattr(field, "validators", None) or [])


def _type_of(field: fields.Field) -> dict[str, Any]:
    # Order matters: Date subclasses DateTime, Email/Url subclass String, Int subclasses Integer.
    if isinstance(field, fields.Nested):
        nested = schema_to_json(field.schema, top=False)
        return {"type": "array", "items": nested} if field.many else nested
    if isinstance(field, fields.Pluck):
        return {}
    if isinstance(field, fields.List):
        return {"type": "array", "items": field_to_json(field.inner)}
    if isinstance(field, fields.Tuple):
        return {"type": "array", "prefixItems": [field_to_json(f) for f in field.tuple_fields]}
    for kinds, json_type in SCALARS:
        if isinstance(field, kinds):
            return dict(json_type)
    return {}


# Scalar fields and their JSON Schema type, first match wins (subclasses before their bases).
SCALARS: tuple[tuple[type | tuple[type, ...], dict[str, str]], ...] = (
    (fields.Boolean, {"type": "boolean"}),
    (fields.Integer, {"type": "integer"}),
    ((fields.Float, fields.Decimal, fields.Number), {"type": "number"}),
    (fields.Date, {"type": "string", "format": "date"}),
    (fields.DateTime, {"type": "string", "format": "date-time"}),
    (fields.Time, {"type": "string", "format": "time"}),
    (fields.Email, {"type": "string", "format": "email"}),
    (fields.Url, {"type": "string", "format": "uri"}),
    (fields.UUID, {"type": "string", "format": "uuid"}),
    (fields.String, {"type": "string"}),
    ((fields.Dict, fields.Mapping), {"type": "object"}),
)


def _apply_validator(out: dict[str, Any], validator, field: fields.Field) -> None:
    is_list = out.get("type") == "array"
    if isinstance(validator, validate.OneOf):
        out["enum"] = list(validator.choices)
    elif isinstance(validator, validate.Equal):
        out["const"] = validator.comparable
    elif isinstance(validator, validate.Length):
        low, high = ("minItems", "maxItems") if is_list else ("minLength", "maxLength")
        if validator.equal is not None:
            out[low] = out[high] = validator.equal
        else:
            if validator.min is not None:
                out[low] = validator.min
            if validator.max is not None:
                out[high] = validator.max
    elif isinstance(validator, validate.Range):
        if validator.min is not None:
            out["minimum" if validator.min_inclusive else "exclusiveMinimum"] = validator.min
        if validator.max is not None:
            out["maximum" if validator.max_inclusive else "exclusiveMaximum"] = validator.max
    elif isinstance(validator, validate.Regexp):
        out["pattern"] = validator.regex.pattern
