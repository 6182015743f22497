"""The single-window web application: app factory, extensions, blueprints.

Views are thin: parse the request, call one service function in ``workflow``,
render. Engine errors become HTML error pages (409/404/403/422) here, in one
place, with their messages translated by :mod:`webapp.i18n`.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from webapp.database import get_db  # noqa: F401  (views import it from here too)
from workflow.storage.audit_key import audit_key
from workflow.storage.db import Database

csrf = CSRFProtect()

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None, db: Database | None = None) -> Flask:
    """Build the app; ``db`` (or ``DATABASE_URL``) names the database it works on."""
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=os.environ.get("SECRET_KEY"),
        APP_ENV=os.environ.get("APP_ENV", "development"),
        DATABASE_URL=os.environ.get("DATABASE_URL"),
        ATTACHMENTS_DIR=os.environ.get("ATTACHMENTS_DIR") or str(ROOT / "var" / "attachments"),
        MAX_CONTENT_LENGTH=12 * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,
        PER_PAGE=20,
    )
    app.config.update(config or {})
    from webapp import hardening
    hardening.require_secret_key(app)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _local_secret(ROOT / "var" / "secret_key")
    app.extensions["db"] = db or Database(app.config["DATABASE_URL"])
    audit_key()  # production mode refuses to start rather than chain with the development key
    if app.config.get("COUNT_QUERIES") or os.environ.get("COUNT_QUERIES") == "1":
        from webapp import query_count
        query_count.install(app, app.extensions["db"])

    from webapp import auth, errors, i18n, input_guard, observability, templating, throttle
    input_guard.init_app(app)
    throttle.init_app(app)
    hardening.init_app(app)
    csrf.init_app(app)
    i18n.init_app(app)
    auth.login_manager.init_app(app)
    templating.init_app(app)
    errors.init_app(app)
    observability.init_app(app)

    app.after_request(_inline_redirect)

    from webapp.views import (admin, applicant, auditor, cases, messages, progress, public, staff, supervisor,
                              task_form, window)
    for pages in (auth, public, progress, applicant, cases, staff, task_form, window, supervisor, auditor, admin,
                  messages):
        app.register_blueprint(pages.bp)

    # ---- REST API (/api/v1) -------------------------------------------------
    # webapp/api is the API engineer's blueprint; registering it sets the API up
    # (flask-smorest, JSON errors, CSRF exemption: bearer tokens, no cookies).
    from webapp.api import api_bp
    app.register_blueprint(api_bp)
    # ---------------------------------------------------------------------------
    # The public progress lookup is throttled per address by the API's limiter (one store per app).
    app.extensions["api_v1"]["limiter"].limit(progress.limit, methods=["POST"])(progress.bp)
    return app


def _inline_redirect(response):
    """A form app.js sends in the background (``X-Inline``) follows a redirect itself: the answer is
    204 with the target in ``X-Location``, so the flashed message waits for the page it belongs to."""
    from flask import request
    if request.headers.get("X-Inline") and response.status_code in (301, 302, 303, 307, 308):
        response.headers["X-Location"] = response.headers.pop("Location")
        response.status_code = 204
        response.set_data(b"")
    return response


def _local_secret(path: Path) -> str:
    """Without ``SECRET_KEY``, a key kept in ``var/`` so sessions survive restarts and workers agree."""
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    except OSError:
        return secrets.token_hex(32)
    key = secrets.token_hex(32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker wrote it first: use theirs
        return path.read_text(encoding="ascii").strip()
    except OSError:
        return key
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(key)
    return key
