"""Input no backend can store, or larger than allowed, is refused before any view runs: one place
for pages and the API.

A NUL byte in the path, a query parameter, a form field or an upload's file name makes
PostgreSQL refuse the query (and the request answer 500), so it is a malformed request (400)
whatever the page. The API's queries and bodies are checked by its own parser and fields
(``webapp.api.base``, ``webapp.api.schemas.Str``), where numbers beyond 4,300 digits are malformed
JSON too.
"""
from __future__ import annotations

import io
from collections.abc import Iterable

from flask import Flask, abort, current_app, request

EXTENSION = "input_guard"
API_PREFIX = "/api/"


def _any_nul(values: Iterable[str | None]) -> bool:
    return any(value is not None and "\x00" in value for value in values)


def refuse_unstorable() -> None:
    """``before_request``: 400 for a NUL in the path, and on pages anywhere they read text from.

    API bodies and queries are checked field by field by the API's schemas (``Str`` refuses NUL
    with the field named), where an unknown field is ignored rather than refused."""
    parts: list[str | None] = [request.path]
    if not request.path.startswith(API_PREFIX):
        for multidict in (request.args, request.form):
            for key, values in multidict.lists():
                parts.append(key)
                parts.extend(values)
        parts.extend(f.filename for f in request.files.values())
    if _any_nul(parts):
        abort(400)


def size_chunked_body() -> None:
    """``before_request``: a body sent without Content-Length (chunked) is read here, up to
    ``MAX_CONTENT_LENGTH``: beyond it the answer is 413, as for a declared length; within it the
    body becomes a sized one. (Werkzeug would otherwise hand the parsers a stream silently cut
    at the limit: truncated JSON answered 400, a truncated form was taken for the whole.)"""
    environ, limit = request.environ, current_app.config.get("MAX_CONTENT_LENGTH")
    chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()  # it overrides a length
    if limit is None or not environ.get("wsgi.input_terminated") or (environ.get("CONTENT_LENGTH") and not chunked):
        return
    body = environ["wsgi.input"].read(limit + 1)
    if len(body) > limit:
        abort(413)
    environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(body), str(len(body))


def init_app(app: Flask) -> None:
    """Install the hooks once (``create_app`` and the API's setup both ask for them)."""
    if EXTENSION not in app.extensions:
        app.before_request(size_chunked_body)
        app.before_request(refuse_unstorable)
        app.extensions[EXTENSION] = True
