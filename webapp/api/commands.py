"""Command endpoints declared as a table: one row per operation instead of one hand-written view each.

A task or case operation is always the same four steps — authenticate, parse the body, call the
service, answer with the read model — so writing each as its own view repeated those lines forty
times. A :class:`Command` row says what differs (the ``op`` that is the last path segment, the body
schema, the service call, the answer) and :func:`register` builds the view with flask-smorest's
decorators, so the OpenAPI document still lists every operation with its own schemas, summary
and ``operationId`` (``<tag>_<name>``).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from marshmallow import Schema

from webapp.api.base import ApiBlueprint, guarded

Run = Callable[[int, dict], Any]        # (path id, parsed body) -> the service's result
Answer = Callable[[Any, int], dict]     # (service result, path id) -> the response body


@dataclass(frozen=True)
class Command:
    """One ``POST /<id>/<op>`` endpoint.

    ``doc`` is the operation's docstring (first line = OpenAPI summary). ``body`` is ``None`` for an
    operation without a body; ``body_required=False`` accepts an empty request. ``name`` is the view
    function's name (endpoint and ``operationId``) when ``op`` is not a valid Python name.
    """

    op: str
    doc: str
    run: Run
    answer: Answer
    response: type[Schema]
    body: type[Schema] | None = None
    body_required: bool = True
    status: int = 200
    name: str | None = None


def register(blp: ApiBlueprint, id_name: str, commands: Iterable[Command], codes: tuple[int, ...]) -> None:
    """Add each command to ``blp`` as ``POST /<int:id_name>/<op>``, documented like a hand-written view."""
    for command in commands:
        view = _view(command, id_name)
        view = blp.response(command.status, command.response)(view)
        if command.body is not None:
            view = blp.arguments(command.body, required=command.body_required)(view)
        view = guarded(blp, *codes)(view)
        blp.route(f"/<int:{id_name}>/{command.op}", methods=["POST"])(view)


def _view(command: Command, id_name: str) -> Callable[..., dict]:
    """The view function: flask-smorest passes the parsed body first (when there is one), the id by name."""
    def view(*args: dict, **path: int) -> dict:
        ident = path[id_name]
        return command.answer(command.run(ident, args[0] if args else {}), ident)

    view.__name__ = view.__qualname__ = command.name or command.op
    view.__doc__ = command.doc
    return view
