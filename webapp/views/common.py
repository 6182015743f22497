"""Small helpers the views share: tolerant request parsing (bad input is never a 500)."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask import request
from flask.typing import ResponseReturnValue

from webapp.i18n import translate_fields
from workflow.errors import ValidationError

Outcome = tuple[dict, ResponseReturnValue | None]
WORKERS = ("window", "reviewer", "inspector", "approver", "expert")


def work_list(role: str) -> str:
    """The endpoint of a person's own list of work, where a task page leads back to: the window's
    intake queue, a worker's inbox, and for those who only look on (supervisor, auditor, admin,
    who have no inbox) the case list."""
    if role == "window":
        return "window.queue"
    return "staff.inbox" if role in WORKERS else "staff.cases"


def on_post(action: Callable[[], ResponseReturnValue], field: str | None = None) -> Outcome:
    """Run a posted form's ``action`` (the service call, its flash and redirect) the same way on every page.

    ``({}, None)`` on GET; ``({}, the redirect)`` when it went through; ``(field errors, None)`` when the
    service refused the input, so the page shows the form again with them (422). ``field`` names where a
    refusal without field errors is shown.
    """
    if request.method != "POST":
        return {}, None
    try:
        return {}, action()
    except ValidationError as exc:
        errors = translate_fields(exc.fields)
        return (errors or {field: [exc.message]} if field else errors), None


def int_arg(name: str, default: int | None = None, source=None) -> int | None:
    raw = (source if source is not None else request.args).get(name, "")
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        return default
    return value if -2**31 < value < 2**31 else default


def date_arg(name: str, default: date | None = None, source=None) -> date | None:
    raw = ((source if source is not None else request.args).get(name) or "").strip()
    try:
        value = date.fromisoformat(raw) if raw else default
    except ValueError:
        return default
    return value if value is None or 1900 <= value.year <= 2200 else default


def ints(values: list[str]) -> list[int]:
    out = []
    for v in values:
        try:
            out.append(int(v))
        except (TypeError, ValueError):
            continue
    return out
