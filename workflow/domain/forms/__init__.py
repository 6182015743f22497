"""marshmallow schemas for every application form and task form, found by key.

A BPMN user task names its form with the ``formKey`` property; a matter names
its application form in the catalogue. :func:`validate` is the one way data
enters a workflow: it returns clean data or raises ``ValidationError`` with
per-field messages, before anything is written.
"""
from __future__ import annotations

import functools
from typing import Any

import marshmallow

from workflow.errors import NotFound, ValidationError, msg

FORMS: dict[str, type[marshmallow.Schema]] = {}


def form(key: str):
    def register(schema: type[marshmallow.Schema]) -> type[marshmallow.Schema]:
        FORMS[key] = schema
        return schema
    return register


def schema_for(key: str | None) -> marshmallow.Schema:
    if key not in FORMS:
        raise NotFound(msg("Unknown form '{key}'.", key=key))
    return FORMS[key]()


def validate(key: str | None, data: Any) -> dict:
    if not isinstance(data, dict):
        raise ValidationError({"_schema": [msg("Invalid input type.")]})
    if key not in FORMS:
        raise NotFound(msg("Unknown form '{key}'.", key=key))
    try:
        return _built(FORMS[key]).load(data)
    except marshmallow.ValidationError as exc:
        raise ValidationError(exc.messages) from None


@functools.cache
def _built(form: type[marshmallow.Schema]) -> marshmallow.Schema:
    """One schema per form class, built once: every command validates its form and the policy asks
    for a step's decisions and people on every command and task answer, and binding a form's fields
    is most of building it. Shared between threads: marshmallow 4 keeps no per-call state on a
    schema (``load`` works on its arguments; there is no ``context``), and nothing here changes it."""
    return form()


def _declared(form: type[marshmallow.Schema]) -> dict[str, marshmallow.fields.Field]:
    """A form class's bound fields (read only)."""
    return _built(form).fields


def field_names(key: str | None) -> frozenset[str]:
    """The names of the fields a form declares (the keys its data may have)."""
    return frozenset(_declared(FORMS[key])) if key in FORMS else frozenset()


def decision_choices(key: str | None) -> list[str]:
    """The decisions a form accepts (its ``decision`` field's choices), in the form's order."""
    field = _declared(FORMS[key]).get("decision") if key in FORMS else None
    validator = next((v for v in getattr(field, "validators", []) if hasattr(v, "choices")), None)
    return list(validator.choices) if validator is not None else []


def people_fields(key: str | None) -> dict[str, str]:
    """Fields naming staff, with the role they must hold (``{"team": "inspector"}``)."""
    if key not in FORMS:
        return {}
    return {name: field.metadata["people"] for name, field in _declared(FORMS[key]).items()
            if field.metadata.get("people")}


def validate_own_fields(key: str, data: dict) -> dict:
    """Validate only the fields this form declares (a joint filing's data holds several forms')."""
    declared = _declared(FORMS[key]) if key in FORMS else {}
    return validate(key, {k: v for k, v in data.items() if k in declared})


from workflow.domain.forms import (
    applications,  # noqa: E402,F401  (registers the application forms)
    tasks,  # noqa: E402,F401  (registers the task forms)
)
