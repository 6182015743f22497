"""The engine's whole error vocabulary toward callers.

Views and the API map these four types to HTTP 409, 404, 403 and 422 (and the
database's own refusals, :class:`Busy` and :class:`Unavailable`, to 409 and 503);
any other exception is a bug. Messages are English message ids of the one gettext
catalogue (``webapp/translations``); a message with values is a :class:`Message`
that keeps its id and values, so the web edge translates it without parsing the
English. ``babel.cfg`` extracts the ids from ``msg(...)``, ``Conflict(...)``,
``NotFound(...)`` and ``Forbidden(...)``.
"""
from __future__ import annotations

from typing import Any


class Message(str):
    """English text that remembers its catalogue id and values.

    A ``str`` so that callers that only log, compare or serialise a message need nothing new;
    the edge translates ``msgid`` and fills in ``params`` with ``str.format`` (the format
    marshmallow's own messages use too).
    """

    msgid: str
    params: dict[str, Any]

    def __new__(cls, msgid: str, **params: Any) -> Message:
        message = super().__new__(cls, msgid.format(**params) if params else msgid)
        message.msgid = msgid
        message.params = params
        return message

    def format(self, *args: Any, **params: Any) -> Message:  # type: ignore[override]
        """marshmallow fills its message templates with ``str.format``: keep the id."""
        return Message(self.msgid, **params)

    def __reduce__(self) -> tuple:
        return _rebuild, (self.msgid, self.params)


def _rebuild(msgid: str, params: dict[str, Any]) -> Message:
    return Message(msgid, **params)


def msg(msgid: str, **params: Any) -> Message:
    """A message of the catalogue; ``params`` fill ``{name}`` placeholders."""
    return Message(msgid, **params)


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

    def __init__(self, message: str = msg("The record was being changed by someone else at the same moment; "
                                          "nothing was saved. Try again.")) -> None:
        super().__init__(message)


class Unavailable(EngineError):
    """The database cannot be reached right now (HTTP 503); nothing was saved."""

    code = "unavailable"

    def __init__(self, message: str = msg("The service is briefly unavailable; nothing was saved. "
                                          "Try again in a moment.")) -> None:
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

    def __init__(self, fields: dict[str, list[str]] | dict, message: str = msg("Some fields are invalid.")) -> None:
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
