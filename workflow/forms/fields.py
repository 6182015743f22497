"""Field types and rules shared by the forms."""
from __future__ import annotations

from marshmallow import Schema, fields, validate, RAISE

OPINION_MAX = 2000


class Form(Schema):
    """Unknown fields are refused so a typo never passes silently."""

    class Meta:
        unknown = RAISE


def opinion(required: bool = True) -> fields.String:
    return fields.String(required=required, validate=validate.Length(min=1, max=OPINION_MAX))


def decision(*choices: str) -> fields.String:
    return fields.String(required=True, validate=validate.OneOf(choices))


class DecisionForm(Form):
    """Every decision carries a written opinion (意见)."""

    opinion = opinion()
