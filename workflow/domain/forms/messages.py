"""marshmallow's own messages as catalogue ids, set once in the schema base every form uses.

marshmallow writes English templates (``"Longer than maximum length {max}."``) and fills them
with ``str.format``. :class:`MessageSchema` turns every template of a bound field and of its
validators into a :class:`~workflow.errors.Message` whose id is that template, so the error a
form gives keeps its id and values and the web edge translates it through the catalogue
(``webapp/translations``) without parsing the English. :data:`MARSHMALLOW` lists the templates
for extraction; ``tests/test_forms.py`` checks that every template a form or API schema can
give is listed.
"""
from __future__ import annotations

from typing import Any, ClassVar

from marshmallow import Schema, fields, validate

from workflow.errors import Message, msg

MARSHMALLOW: tuple[Message, ...] = (
    msg("Missing data for required field."),
    msg("Field may not be null."),
    msg("Invalid value."),
    msg("Invalid input."),
    msg("Invalid input type."),
    msg("Invalid type."),
    msg("Unknown field."),
    msg("Not a valid string."),
    msg("Not a valid utf-8 string."),
    msg("Not a valid integer."),
    msg("Not a valid number."),
    msg("Number too large."),
    msg("Special numeric values (nan or infinity) are not permitted."),
    msg("Not a valid boolean."),
    msg("Not a valid date."),
    msg("Not a valid {obj_type}."),
    msg("Not a valid {awareness} {obj_type}."),
    msg('"{input}" cannot be formatted as a date.'),
    msg('"{input}" cannot be formatted as a {obj_type}.'),
    msg("Not a valid list."),
    msg("Not a valid tuple."),
    msg("Not a valid mapping type."),
    msg("Must be one of: {choices}."),
    msg("Must be equal to {other}."),
    msg("String does not match expected pattern."),
    msg("Longer than maximum length {max}."),
    msg("Shorter than minimum length {min}."),
    msg("Length must be between {min} and {max}."),
    msg("Length must be {equal}."),
    msg("Must be greater than or equal to {min}."),
    msg("Must be less than or equal to {max}."),
    msg("Must be greater than or equal to {min} and less than or equal to {max}."),
    msg("Must be greater than {min}."),
    msg("Must be less than {max}."),
)

# Validator attributes that hold a message template (marshmallow.validate).
_VALIDATOR_MESSAGES = ("error", "message_min", "message_max", "message_all", "message_equal")


def _as_message(template: Any) -> Any:
    return Message(template) if isinstance(template, str) and not isinstance(template, Message) else template


def with_message_ids(field: fields.Field) -> None:
    """Give ``field``, its validators and the fields inside it messages that keep their ids."""
    field.error_messages = {key: _as_message(text) for key, text in field.error_messages.items()}
    for validator in field.validators:
        if isinstance(validator, validate.Validator):
            for name in _VALIDATOR_MESSAGES:
                if isinstance(getattr(validator, name, None), str):
                    setattr(validator, name, _as_message(getattr(validator, name)))
    for inner in (getattr(field, "inner", None), getattr(field, "key_field", None),
                  getattr(field, "value_field", None), *getattr(field, "tuple_fields", ())):
        if isinstance(inner, fields.Field):
            with_message_ids(inner)


class MessageSchema(Schema):
    """The base of every form and API schema: its errors are catalogue messages."""

    error_messages: ClassVar[dict[str, Any]] = {"type": msg("Invalid input type."), "unknown": msg("Unknown field.")}

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        with_message_ids(field_obj)
