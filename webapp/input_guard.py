"""Input no backend can store is refused before any view runs: one hook for pages and the API.

A NUL byte in the path, a query parameter, a form field or an upload's file name makes
PostgreSQL refuse the query (and the request answer 500), so it is a malformed request (400)
whatever the page. JSON bodies are checked by the API's own parser and fields
(``webapp.api.base``, ``webapp.api.schemas.Str``), where numbers beyond 4,300 digits are malformed
JSON too.
"""
from __future__ import annotations

from collections.abc import Iterable

from flask import Flask, abort, request

EXTENSION = "input_guard"


def _any_nul(values: Iterable[str | None]) -> bool:
    return any(value is not None and "\x00" in value for value in values)


def refuse_unstorable() -> None:
    """``before_request``: 400 for a NUL anywhere a page or endpoint reads text from."""
    parts: list[str | None] = [request.path]
    for multidict in (request.args, request.form):
        for key, values in multidict.lists():
            parts.append(key)
            parts.extend(values)
    parts.extend(f.filename for f in request.files.values())
    if _any_nul(parts):
        abort(400)


def init_app(app: Flask) -> None:
    """Install the hook once (``create_app`` and the API's setup both ask for it)."""
    if EXTENSION not in app.extensions:
        app.before_request(refuse_unstorable)
        app.extensions[EXTENSION] = True
