"""The engine's whole error vocabulary toward callers.

Views and the API map these four types to HTTP 409, 404, 403 and 422 (and the
database's own refusals, :class:`Busy` and :class:`Unavailable`, to 409 and 503);
any other exception is a bug. Messages are English here and translated at the edge
(``webapp/i18n_zh.py``, ``workflow/forms/messages.py``) so one rule never
carries two texts.
"""
from __future__ import annotations


class EngineError(Exception):
    """Base of the four caller-facing errors."""

    code = "error"

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class Conflict(EngineError):
    """Stale version, already claimed, or an operation that the current state does not allow."""

    code = "conflict"


class Busy(Conflict):
    """The database gave up on this command to let a simultaneous one finish (deadlock, serialization
    failure, lock timeout); it was rolled back whole, so the caller may simply try again."""

    def __init__(self, message: str = "The record was being changed by someone else at the same moment; "
                                      "nothing was saved. Try again.") -> None:
        super().__init__(message)


class Unavailable(EngineError):
    """The database cannot be reached right now (HTTP 503); nothing was saved."""

    code = "unavailable"

    def __init__(self, message: str = "The service is briefly unavailable; nothing was saved. "
                                      "Try again in a moment.") -> None:
        super().__init__(message)


class NotFound(EngineError):
    """Unknown case, task, instance or certificate — also what a stranger sees of others' cases."""

    code = "not_found"


class Forbidden(EngineError):
    """The actor may not do this."""

    code = "forbidden"


class ValidationError(EngineError):
    """Invalid input; ``fields`` maps each field to its messages."""

    code = "validation_error"

    def __init__(self, fields: dict[str, list[str]] | dict, message: str = "Some fields are invalid.") -> None:
        super().__init__(message, flatten_messages(fields))


def flatten_messages(messages: dict, prefix: str = "") -> dict[str, list[str]]:
    """Turn marshmallow's nested error dict into ``{"a.b.0.c": [messages]}``."""
    flat: dict[str, list[str]] = {}
    for key, value in messages.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            flat.update(flatten_messages(value, name))
        elif isinstance(value, (list, tuple)) and value and all(isinstance(v, str) for v in value):
            flat[name] = list(value)
        elif isinstance(value, (list, tuple)):
            for index, item in enumerate(value):
                flat.update(flatten_messages({str(index): item}, name))
        else:
            flat[name] = [str(value)]
    return flat
