"""The application data of a case: validated against every matter's form, corrected in place."""
from __future__ import annotations

from workflow.domain import forms
from workflow.domain.matters import MATTERS, get_matter
from workflow.errors import ValidationError, msg
from workflow.storage.models import Case, Organisation


def matter_codes(matters: list[str]) -> list[str]:
    if not isinstance(matters, list) or not matters:
        raise ValidationError({"matters": [msg("Choose at least one matter.")]})
    unknown = [m for m in matters if not isinstance(m, str) or m not in MATTERS]
    if unknown:
        raise ValidationError({"matters": [msg("Unknown matter: {codes}.", codes=", ".join(map(str, unknown)))]})
    if len(set(matters)) != len(matters):
        raise ValidationError({"matters": [msg("Each matter may appear only once.")]})
    return list(matters)


def validate(codes: list[str], data: dict) -> dict:
    """Validate the application against every chosen matter's form; all errors at once."""
    if not isinstance(data, dict):
        raise ValidationError({"data": [msg("Invalid input type.")]})
    clean: dict = {}
    errors: dict = {}
    for code in codes:
        key = get_matter(code).application_form
        try:
            clean.update(forms.validate_own_fields(key, data))
        except ValidationError as exc:
            errors.update(exc.fields)
    if errors:
        raise ValidationError(errors)
    return clean


def foreign_enterprise_errors(org: Organisation, data: dict, field_prefix: str = "") -> dict[str, list[str]]:
    """An enterprise files only for itself (Administrative Licensing Law Art. 31: the applicant answers
    for the truth of its materials): the credit code and name must be its registered ones."""
    errors: dict[str, list[str]] = {}
    if "credit_code" in data and data["credit_code"] != org.credit_code:
        errors[field_prefix + "credit_code"] = [msg("Must be your own enterprise's registered unified social credit code.")]
    if "company_name" in data and data["company_name"] != org.name:
        errors[field_prefix + "company_name"] = [msg("Must be your own enterprise's registered name.")]
    return errors


def correct(case: Case, changes: dict, org: Organisation, field_prefix: str = "") -> dict:
    """Apply an applicant's corrections to the case's application, re-validated as a whole.

    A field of the application sent empty (``None``, ``""``, ``[]``) is cleared: an optional one is
    removed from the application, a required one is the form's "required" error. Returns what the
    correction changed (a cleared field as ``None``), so the process sees it too (its gateways read
    application data such as ``commitment_path``) and the history shows it.
    """
    if not isinstance(changes, dict):
        raise ValidationError({field_prefix.rstrip(".") or "data": [msg("Not a valid mapping type.")]})
    declared = set().union(*(forms.field_names(get_matter(code).application_form) for code in case.matters))
    cleared = {name for name, value in changes.items() if name in declared and _blank(value)}
    before = dict(case.data or {})
    given = {k: v for k, v in {**before, **changes}.items() if k not in cleared}
    try:
        merged = validate(case.matters, given)
    except ValidationError as exc:
        raise ValidationError({field_prefix + name: messages for name, messages in exc.fields.items()}) from None
    errors = foreign_enterprise_errors(org, merged, field_prefix)
    if errors:
        raise ValidationError(errors)
    case.data = {**{k: v for k, v in before.items() if k not in cleared}, **merged}
    return {name: case.data.get(name) for name in changes
            if (name in merged or name in cleared) and case.data.get(name) != before.get(name)}


def _blank(value) -> bool:
    return value is None or (isinstance(value, (str, list, dict)) and not value)
