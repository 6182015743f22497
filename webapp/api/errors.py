"""Every API error as ``{"error": {"code", "message", "fields"}}``, never an HTML page, never a 500.

The handlers are registered on each API blueprint (not on the app), so the web UI keeps its
HTML error pages. Flask looks at blueprint handlers before app handlers, per status code and
for the exception class, so these win for every request routed to the API.
"""
from __future__ import annotations

import logging

from flask import Blueprint, has_request_context, jsonify, request
from werkzeug.exceptions import HTTPException, InternalServerError, default_exceptions

from workflow.errors import (
    Conflict,
    EngineError,
    Forbidden,
    NotFound,
    Unavailable,
    ValidationError,
    flatten_messages,
)

log = logging.getLogger(__name__)

STATUS = {Conflict: 409, NotFound: 404, Forbidden: 403, ValidationError: 422, Unavailable: 503}
RETRY_AFTER_SECONDS = "5"

CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    406: "not_acceptable", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
    422: "validation_error", 429: "too_many_requests", 500: "server_error", 503: "unavailable",
}
MESSAGES = {
    400: "The request could not be understood.",
    401: "A valid bearer token is required.",
    403: "You may not do this.",
    404: "Not found.",
    405: "Method not allowed.",
    409: "The current state does not allow this.",
    413: "The request is too large.",
    415: "Unsupported media type.",
    422: "Some fields are invalid.",
    429: "Too many requests; try again later.",
    500: "Internal error.",
    503: "The service is briefly unavailable; nothing was saved. Try again in a moment.",
}
# webargs locations: errors in these are malformed parameters (400), in a body invalid input (422).
PARAM_LOCATIONS = {"query", "querystring", "path", "view_args", "headers", "cookies"}


class ApiError(Exception):
    """An error the API itself raises (401, 400 …) with the common body."""

    def __init__(self, status: int, message: str | None = None, fields: dict | None = None,
                 headers: dict | None = None) -> None:
        super().__init__(message or MESSAGES.get(status, "Error."))
        self.status = status
        self.message = message or MESSAGES.get(status, "Error.")
        self.fields = fields or {}
        self.headers = headers or {}


def wants_chinese() -> bool:
    """``Accept-Language: zh`` (zh-CN, zh-Hans …) asks for Chinese messages; English otherwise."""
    if not has_request_context():
        return False
    return request.accept_languages.best_match(("en", "zh"), default="en") == "zh"


def error_response(status: int, message: str | None = None, fields: dict | None = None,
                   headers: dict | None = None, code: str | None = None):
    """The error body; ``code`` and field names stay the same in every language."""
    message = message or MESSAGES.get(status, "Error.")
    fields = fields or {}
    language = "en"
    if wants_chinese():
        from webapp.i18n import translate_fields, translate_message
        message, fields, language = translate_message(message), translate_fields(fields), "zh"
    body = {"error": {"code": code or CODES.get(status, "error"), "message": message, "fields": fields}}
    response = jsonify(body)
    response.status_code = status
    response.headers["Content-Language"] = language
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def engine_status(error: EngineError) -> int:
    for kind, status in STATUS.items():
        if isinstance(error, kind):
            return status
    return 400


def handle_engine_error(error: EngineError):
    status = engine_status(error)
    headers = {"Retry-After": RETRY_AFTER_SECONDS} if status == 503 else None
    return error_response(status, error.message, error.fields, headers, code=error.code)


def handle_api_error(error: ApiError):
    return error_response(error.status, error.message, error.fields, error.headers)


def _webargs_fields(messages) -> tuple[dict[str, list[str]], set[str]]:
    """webargs nests messages by location ({"json": {...}}); drop that level, keep the locations."""
    if not isinstance(messages, dict):
        return {"_schema": [str(messages)]}, set()
    locations: set[str] = set()
    fields: dict[str, list[str]] = {}
    for location, inner in messages.items():
        locations.add(location)
        if isinstance(inner, dict):
            fields.update(flatten_messages(inner))
        elif isinstance(inner, (list, tuple)):
            fields.setdefault("_schema", []).extend(str(m) for m in inner)
        else:
            fields.setdefault("_schema", []).append(str(inner))
    return fields, locations


def handle_http_error(error: HTTPException):
    status = error.code or 500
    if status >= 500:
        return handle_unexpected(error)
    data = getattr(error, "data", None) or {}
    headers = {}
    if status == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    if status == 429:
        retry = getattr(error, "retry_after", None)
        if retry:
            headers["Retry-After"] = str(retry)
    messages = data.get("messages") or data.get("errors")
    if messages is not None:
        fields, locations = _webargs_fields(messages)
        if status == 400:  # malformed JSON body
            return error_response(400, "The request body is not valid JSON.", fields)
        if locations and locations <= PARAM_LOCATIONS:
            return error_response(400, "Some parameters are invalid.", fields)
        return error_response(422, MESSAGES[422], fields)
    message = MESSAGES.get(status)
    if status == 429:
        message = f"{MESSAGES[429]} ({error.description})" if error.description else MESSAGES[429]
    return error_response(status, message, headers=headers)


def handle_unexpected(error: Exception):
    original = getattr(error, "original_exception", None) or error
    if not isinstance(original, InternalServerError):
        log.exception("API request failed", exc_info=original)
    return error_response(500)


def register(bp: Blueprint) -> None:
    """Attach the handlers to one blueprint, per status code too (app-level code handlers come first)."""
    bp.register_error_handler(EngineError, handle_engine_error)
    bp.register_error_handler(ApiError, handle_api_error)
    bp.register_error_handler(HTTPException, handle_http_error)
    for code in default_exceptions:
        if code >= 400:
            bp.register_error_handler(code, handle_http_error)
    bp.register_error_handler(Exception, handle_unexpected)
