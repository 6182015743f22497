"""REST API v1: JSON over ``/api/v1``, bearer tokens, OpenAPI 3 document built from the schemas.

How it plugs into the app factory
---------------------------------
``api_bp`` is an ordinary Flask blueprint (``/api/v1``: the OpenAPI document, the docs page
and JSON 404/405 for unknown API paths). Registering it on an app — ``app.register_blueprint
(api_bp)`` or :func:`init_api` — also sets the API up on that app, once per app:

* a flask-smorest ``Api`` (config prefix ``API_V1_``, so it reads nothing of the app's own
  config; its default error handler and doc blueprint are switched off) that registers the
  resource blueprints and builds the OpenAPI document from their marshmallow schemas;
* JSON error handlers on every API blueprint only (the web UI keeps its HTML error pages);
* CSRF exemption of every API blueprint when Flask-WTF's ``CSRFProtect`` is on the app
  (the API reads no cookies; a bearer token authenticates each request);
* the app's flask-limiter ``Limiter`` (``webapp.throttle``: Redis when ``REDIS_URL`` is set) limiting ``POST /api/v1/auth/token`` per client
  address: ``API_TOKEN_RATE_LIMIT`` (default ``"10 per minute"``), off when
  ``API_RATE_LIMIT_ENABLED`` is false.

The database is ``app.extensions["db"]`` (a :class:`workflow.storage.db.Database`), as ``create_app``
stores it. ``app.extensions["api_v1"]`` holds the ``Api`` and the ``Limiter``.
"""
from __future__ import annotations

from pathlib import Path

import flask_smorest
from flask import Blueprint, Flask, current_app, jsonify, request, send_from_directory
from werkzeug.exceptions import MethodNotAllowed, NotFound

from webapp import i18n, input_guard, throttle
from webapp.api import errors
from webapp.api.base import allowed_methods, exact_allow_header
from webapp.api.resources import account, auth, cases, matters, notifications, oversight, processes, public, tasks
from webapp.api.schemas.base import Error

API_PREFIX = "/api/v1"
TITLE = "Single-window licensing API"
VERSION = "1.0"
OPENAPI_VERSION = "3.1.0"
EXTENSION = "api_v1"

RESOURCES = (auth.blp, account.blp, matters.blp, cases.blp, cases.extensions_blp, tasks.blp, public.certificates, public.calendar,
             oversight.reports_blp, oversight.audit_blp, processes.blp,
             notifications.blp)
TAGS = {
    "auth": "Bearer tokens: POST /api/v1/auth/token, then send `Authorization: Bearer <token>`.",
    "matters": "The catalogue of licensing matters and their application forms (JSON Schema).",
    "cases": "Filings (办件): file, list, read, history, withdraw, attachments, rating.",
    "tasks": "Steps waiting for people, and the approval operations on them.",
    "certificates": "Public verification of certificates.",
    "calendar": "Public working-day arithmetic (Chinese holidays and make-up days).",
    "reports": "Figures for supervisors.",
    "audit": "The hash-chained decision history, for auditors.",
    "notifications": "The caller's own notices (message centre): list, unread count, mark read.",
}
DESCRIPTION = """JSON API of the single window. Every error is
`{"error": {"code", "message", "fields"}}`: 400 malformed JSON or parameters, 401 missing, invalid,
expired or revoked token, 403 not allowed for your role, 404 unknown or not visible to you,
409 stale `version` / already claimed / wrong state, 422 invalid input (`fields` maps each field
to its messages), 429 too many token requests. Lists take `page` and `per_page` (at most 100) and
answer `{"items", "total", "page", "per_page"}`. Times are UTC (ISO 8601); dates are office dates
(Asia/Shanghai). Send `Accept-Language: zh` for error messages in Chinese."""

STATIC = Path(__file__).parent / "static"

api_bp = Blueprint("api", __name__, url_prefix=API_PREFIX)
errors.register(api_bp)
api_bp.after_request(exact_allow_header)


class V1Api(flask_smorest.Api):
    """flask-smorest's Api without its app-wide error handler and its CDN-based doc pages."""

    ERROR_SCHEMA = Error

    def _register_error_handlers(self) -> None:
        """Errors are handled per API blueprint (:mod:`webapp.api.errors`), not app-wide."""

    def _register_doc_blueprint(self) -> None:
        """The document and the docs page are served by ``api_bp`` (no external assets)."""


def init_api(app: Flask) -> V1Api:
    """Set the API up on ``app`` (idempotent); the same as ``app.register_blueprint(api_bp)``."""
    if api_bp.name not in app.blueprints:
        app.register_blueprint(api_bp)
    return app.extensions[EXTENSION]["api"]


@api_bp.record_once
def _setup(state) -> None:
    app: Flask = state.app
    input_guard.init_app(app)
    app.config.setdefault("API_TOKEN_RATE_LIMIT", "10 per minute")
    app.config.setdefault("API_RATE_LIMIT_ENABLED", True)
    i18n.init_app(app)  # Chinese error messages (Accept-Language) come from the catalogue
    api = V1Api(app, config_prefix="API_V1", spec_kwargs={
        "title": TITLE, "version": VERSION, "openapi_version": OPENAPI_VERSION,
        "info": {"description": DESCRIPTION},
    })
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer",
                                                       "description": "Token from POST /api/v1/auth/token."})
    csrf = app.extensions.get("csrf")
    if csrf is not None:
        csrf.exempt(api_bp)
    for blp in RESOURCES:
        _register(api, app, blp)
        if csrf is not None:
            csrf.exempt(blp)
    limiter = throttle.init_app(app)
    limiter.limit(_token_limit, methods=["POST"], exempt_when=_limit_off)(auth.blp)
    app.extensions[EXTENSION] = {"api": api, "limiter": limiter}


def _register(api: V1Api, app: Flask, blp) -> None:
    """``Api.register_blueprint`` with the blueprint's own tag instead of its (prefixed) name."""
    app.extensions["flask-smorest"]["blp_name_to_api"][blp.name] = api
    app.register_blueprint(blp)
    blp.register_views_in_doc(api, app, api.spec, name=blp.name, parameters=None)
    api.spec.tag({"name": blp.tag, "description": TAGS.get(blp.tag, blp.description)})


def _token_limit() -> str:
    return current_app.config.get("API_TOKEN_RATE_LIMIT") or "10 per minute"


def _limit_off() -> bool:
    return not current_app.config.get("API_RATE_LIMIT_ENABLED", True)


# --- the document and the page for people -------------------------------------------------------

@api_bp.route("/openapi.json")
def openapi_json():
    """The OpenAPI 3 document, generated from the marshmallow schemas."""
    return jsonify(current_app.extensions[EXTENSION]["api"].spec.to_dict())


@api_bp.route("/docs")
def docs():
    """A plain HTML page listing the operations; it renders /api/v1/openapi.json with docs.js."""
    return send_from_directory(STATIC, "docs.html", mimetype="text/html", max_age=0)


ASSETS = {"docs.js": "text/javascript", "docs.css": "text/css"}


@api_bp.route("/docs/<name>")
def docs_asset(name: str):
    if name not in ASSETS:
        raise NotFound()
    return send_from_directory(STATIC, name, mimetype=ASSETS[name], max_age=0)


@api_bp.route("/", strict_slashes=False)
def index():
    return jsonify({"openapi": f"{API_PREFIX}/openapi.json", "docs": f"{API_PREFIX}/docs",
                    "title": TITLE, "version": VERSION})


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")


@api_bp.route("/<path:rest>", methods=_METHODS)
def unknown(rest: str):
    """Unknown API paths and methods answer in JSON (404, or 405 with Allow) instead of HTML."""
    allowed = allowed_methods(request.path)
    if allowed:
        raise MethodNotAllowed(valid_methods=sorted(allowed | {"OPTIONS"}))
    raise NotFound()
