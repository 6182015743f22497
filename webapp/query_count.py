"""SQL statements per request, counted with a SQLAlchemy event (``COUNT_QUERIES=1``).

Off by default (it costs a listener call per statement); the HTTP benchmark turns it on to
print queries per request, read from the ``X-Query-Count`` response header.
"""
from __future__ import annotations

import threading

from flask import Flask
from sqlalchemy import event

from workflow.storage.db import Database

HEADER = "X-Query-Count"


def install(app: Flask, db: Database) -> None:
    """Count every statement the request's thread sends, on every engine (pool) of the database."""
    seen = threading.local()

    def count(*_args) -> None:
        seen.n = getattr(seen, "n", 0) + 1

    for engine in db.engines:
        event.listen(engine, "before_cursor_execute", count)

    @app.before_request
    def _reset() -> None:
        seen.n = 0

    @app.after_request
    def _report(response):
        response.headers[HEADER] = str(getattr(seen, "n", 0))
        return response
