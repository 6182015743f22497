"""Field types and rules shared by the forms.

Every message a form can give is a catalogue message (``msg``): its Chinese is in
``webapp/translations`` (see webapp/README.md, "Translations").
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from marshmallow import RAISE, ValidationError, fields, validate, validates_schema

from workflow.domain import identifiers, reference
from workflow.domain.forms.messages import MessageSchema
from workflow.errors import Message, msg

OPINION_MAX = 2000

REQUIRED = msg("Missing data for required field.")
CREDIT_CODE = msg("Not a valid unified social credit code (check character wrong).")
PHONE = msg("Not a valid phone number (mobile 1xxxxxxxxxx or landline such as 0591-87654321).")


def digits_message(width: int) -> Message:
    """The message for a code of fixed width."""
    return msg("Must be exactly {width} digits.", width=width)


# --- field types ---------------------------------------------------------------------------


class Text(fields.String):
    """A string with surrounding whitespace removed; a required one may not be blank.

    Without this, "  " would pass a required company name or opinion.
    """

    default_error_messages: ClassVar[dict[str, str]] = {"blank": msg("May not be blank.")}

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if not text and self.required:
            raise self.make_error("blank")
        return text


_WHOLE = re.compile(r"[+-]?[0-9]+")


class Int(fields.Integer):
    """An integer that is never truncated: 5.7 and "5.7" are refused instead of becoming 5.

    Integer-valued floats (5.0) and ASCII digit strings ("5", from HTML forms) are accepted;
    other scripts' digits are refused as in ``reference.is_digits``.
    """

    def _validated(self, value: Any) -> int:
        if isinstance(value, float) and not value.is_integer():
            raise self.make_error("invalid", input=value)
        if isinstance(value, str):
            value = value.strip()
            if not _WHOLE.fullmatch(value):
                raise self.make_error("invalid", input=value)
        return super()._validated(value)


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class DateText(fields.Date):
    """A calendar date given as YYYY-MM-DD, kept as that text.

    Task data is stored as JSON and compared in gateway expressions, so the validated value
    stays an ISO string (which sorts like the date) rather than a ``datetime.date``.
    """

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value.isoformat()
        if not (isinstance(value, str) and _ISO_DATE.fullmatch(value.strip())):
            raise self.make_error("invalid", input=value, obj_type=self.OBJ_TYPE)
        return super()._deserialize(value.strip(), attr, data, **kwargs).isoformat()


# --- field builders ------------------------------------------------------------------------


def text(required: bool = True, min: int | None = None, max: int | None = None,
         validators: Iterable[Callable] = (), **kwargs) -> Text:
    rules = list(validators)
    if min is not None or max is not None:
        rules.insert(0, validate.Length(min=min, max=max))
    return Text(required=required, validate=rules, **kwargs)


def opinion(required: bool = True) -> Text:
    return text(required=required, min=1 if required else None, max=OPINION_MAX,
                metadata={"multiline": True})


def choice(*choices: Any, required: bool = True, **kwargs) -> fields.Field:
    """One of fixed codes; integers get an integer field (food kind 1/2)."""
    field_type = Int if all(isinstance(c, int) for c in choices) else fields.String
    return field_type(required=required, validate=validate.OneOf(choices), **kwargs)


def decision(*choices: str) -> fields.String:
    return choice(*choices)


def flag(default: bool | None = None) -> fields.Boolean:
    """A yes/no; without a default an absent flag stays absent (it may already be in task data)."""
    if default is None:
        return fields.Boolean()
    return fields.Boolean(load_default=default)


def integer(low: int | None = None, high: int | None = None, required: bool = True,
            **kwargs) -> Int:
    rules = [validate.Range(min=low, max=high)] if low is not None or high is not None else []
    return Int(required=required, validate=rules, **kwargs)


def number(low: float | None = None, high: float | None = None, required: bool = True,
           **kwargs) -> fields.Float:
    return fields.Float(required=required, allow_nan=False,
                        validate=validate.Range(min=low, max=high), **kwargs)


def date(required: bool = True, **kwargs) -> DateText:
    return DateText(required=required, **kwargs)


def digits(width: int, required: bool = True, validators: Iterable[Callable] = (),
           **kwargs) -> fields.String:
    """A fixed-width code of ASCII digits kept as text, so "05" keeps its zero."""
    rules = [rule(lambda v: reference.is_digits(v, width), digits_message(width)), *validators]
    return fields.String(required=required, validate=rules, **kwargs)


def _entries_message(min: int | None, max: int | None) -> Message:
    """A list's bounds counted in entries: marshmallow's "Length must be between 1 and 50." reads,
    above a list of food names, as if it counted characters."""
    if min is not None and max is not None:
        return msg("Give between {min} and {max} entries.")
    if max is not None:
        return msg("Give at most {max} entries.")
    return msg("Give at least {min} entries.")


def text_list(required: bool = True, min: int | None = None, max: int | None = None,
              item_max: int = 200, **kwargs) -> fields.List:
    rules = [validate.Length(min=min, max=max, error=_entries_message(min, max))] \
        if min is not None or max is not None else []
    return fields.List(text(required=True, min=1, max=item_max), required=required,
                       validate=rules, **kwargs)


def usernames(min: int, max: int, message: str, role: str, required: bool = True, **kwargs) -> fields.List:
    """A list of distinct staff, by user name, between ``min`` and ``max`` of them.

    ``role`` says who may be named: the action policy offers exactly the active people of that
    role (in the step's department for departmental roles) and refuses anyone else.
    """
    return fields.List(text(required=True, min=1, max=64), required=required,
                       validate=rule(lambda v: min <= len(v) <= max and len(set(v)) == len(v), message),
                       metadata={"people": role}, **kwargs)


def rule(predicate: Callable[[Any], bool], message: str) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        if not predicate(value):
            raise ValidationError(message)
    return check


# --- identifiers ---------------------------------------------------------------------------

_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_LANDLINE = re.compile(r"0[0-9]{2,3}-?[0-9]{7,8}")


def is_valid_phone(value: str) -> bool:
    """A mainland mobile number or a landline with its area code (0591-87654321, 059187654321)."""
    return bool(_MOBILE.fullmatch(value) or _LANDLINE.fullmatch(value))


def credit_code(**kwargs) -> Text:
    return text(validators=[rule(identifiers.is_valid_credit_code, CREDIT_CODE)], **kwargs)


def phone(**kwargs) -> Text:
    return text(validators=[rule(is_valid_phone, PHONE)], **kwargs)


def area_code(**kwargs) -> fields.String:
    return digits(6, validators=[rule(reference.is_valid_area_code, msg("Not a valid area code."))], **kwargs)


# --- forms ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequiredWhen:
    """``field`` must be given (and non-empty) when ``when`` has one of ``values``."""

    field: str
    when: str
    values: tuple[Any, ...]
    message: str = REQUIRED


def required_when(field: str, when: str, *values: Any, message: str = REQUIRED) -> RequiredWhen:
    return RequiredWhen(field, when, values, message)


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


class Form(MessageSchema):
    """Unknown fields are refused so a typo never passes silently.

    ``conditions`` lists fields required only for some answers (the refusal reason when the
    decision is ``refuse``). They are checked even when other fields have errors, so the
    applicant or clerk hears of every problem at once; a field that already has its own error
    (its key was given but did not load) is not told it is missing as well.
    """

    conditions: tuple[RequiredWhen, ...] = ()

    class Meta:
        unknown = RAISE

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def _conditional_fields(self, data: dict, original: Any, **kwargs) -> None:
        errors: dict[str, list[str]] = {}
        given = original if isinstance(original, dict) else {}
        for condition in self.conditions:
            if data.get(condition.when) not in condition.values:
                continue
            if condition.field in given and condition.field not in data:
                continue  # the field's own error says what is wrong
            if _empty(data.get(condition.field)):
                errors.setdefault(condition.field, []).append(condition.message)
        if errors:
            raise ValidationError(errors)


class DecisionForm(Form):
    """Every decision carries a written opinion (意见)."""

    opinion = opinion()
