"""Task forms: one per ``formKey`` used in ``bpmn/``."""
from __future__ import annotations

from marshmallow import fields, validate

from workflow.forms import form
from workflow.forms.fields import DecisionForm


@form("generic")
class GenericForm(DecisionForm):
    decision = fields.String(validate=validate.OneOf(["approve", "deny", "done"]), load_default="done")
