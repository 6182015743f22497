"""An action the policy offers: the operation and the choices it accepts.

``op`` is named as the last segment of the API endpoint that performs it
(``POST /api/v1/tasks/{id}/complete`` → ``complete``), so a client can go from
the offer to the call without a table. A command re-asks the policy and
checks the caller's choice against the offer, so an action offered is one
that succeeds and anything else is refused.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workflow.errors import ValidationError, msg

NOT_OFFERED = msg("Not one of the choices offered.")


@dataclass(frozen=True)
class Action:
    op: str
    choices: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"op": self.op, **self.choices}

    def require_one(self, name: str, value: Any, field_name: str | None = None) -> None:
        """``value`` must be one of the offered ``choices[name]`` (ids of dicts, or plain values)."""
        if value not in _keys(self.choices.get(name, ())):
            raise ValidationError({field_name or name: [NOT_OFFERED]})

    def require_all(self, name: str, values: list, field_name: str | None = None) -> None:
        allowed = set(_keys(self.choices.get(name, ())))
        bad = [v for v in values if v not in allowed]
        if bad:
            raise ValidationError({field_name or name: [NOT_OFFERED]})


def _keys(options) -> list:
    return [o["id"] if isinstance(o, dict) else o for o in options]


def person(user) -> dict[str, Any]:
    """How a person is offered: id for commands, user name for forms, name for people."""
    return {"id": user.id, "username": user.username, "name": user.display_name}
