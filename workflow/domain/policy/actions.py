"""An action the policy offers: the operation and the choices it accepts.

``op`` is named as the last segment of the API endpoint that performs it
(``POST /api/v1/tasks/{id}/complete`` → ``complete``), so a client can go from
the offer to the call without a table. A command re-asks the policy and
checks the caller's choice against the offer, so an action offered is one
that succeeds and anything else is refused.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from workflow.errors import Conflict, Forbidden, ValidationError, msg

C = TypeVar("C")

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


class Rules(dict, Generic[C]):
    """Operation name -> rule, for the task rules and the case rules alike.

    A rule returns the :class:`Action` it offers in a context or raises the error that says why
    not (409 state, 403 role); what is offered is what does not raise.
    """

    def rule(self, op: str) -> Callable[[Callable[[C], Action]], Callable[[C], Action]]:
        def register(func: Callable[[C], Action]) -> Callable[[C], Action]:
            self[op] = func
            return func
        return register

    def offered(self, ctx: C, only: tuple[str, ...] | None = None) -> list[Action]:
        """Every action the context allows now (or just those among ``only``)."""
        offered = []
        for op, check in self.items():
            if only is not None and op not in only:
                continue
            try:
                offered.append(check(ctx))
            except (Conflict, Forbidden):
                continue
        return offered
