"""Engine errors and HTTP errors as HTML pages: 403/404/409/413/422, never a 500 for bad input."""
from __future__ import annotations

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from webapp.i18n import gettext as _
from webapp.i18n import translate_fields, translate_message
from workflow.errors import Conflict, EngineError, Forbidden, NotFound, Unavailable, ValidationError

STATUS = {Conflict: 409, NotFound: 404, Forbidden: 403, ValidationError: 422, Unavailable: 503}
TITLES = {
    400: "Bad request", 403: "Not allowed", 404: "Not found", 405: "Method not allowed",
    409: "Conflict", 413: "File too large", 422: "Some fields are invalid.", 401: "Please log in",
    503: "Service unavailable",
}
HINTS = {
    403: "Your account may not open this page or do this.",
    404: "The page or record does not exist, or you may not see it.",
    409: "Someone changed this in the meantime, or its state does not allow this now. Reload and try again.",
    413: "Files may be at most 10 MiB.",
    400: "The request could not be understood. Reload the page and try again.",
}


def status_of(error: EngineError) -> int:
    for kind, status in STATUS.items():
        if isinstance(error, kind):
            return status
    return 400


def render_error(status: int, message: str | None = None, fields: dict | None = None):
    return render_template("error.html", status=status, title=_(TITLES.get(status, "Error")),
                           message=message, hint=_(HINTS[status]) if status in HINTS else None,
                           fields=fields or {}, back=request.referrer), status


def init_app(app: Flask) -> None:
    @app.errorhandler(EngineError)
    def engine_error(error: EngineError):
        status = status_of(error)
        return render_error(status, translate_message(error.message), translate_fields(error.fields))

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_error(400, _("The form has expired or was not sent from this site. Reload the page and try again."))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400 or error.code >= 500:
            return error
        return render_error(error.code)
