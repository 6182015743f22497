"""What every API resource module shares: its blueprint type, bearer auth, documented errors.

Bearer auth: ``Authorization: Bearer <token>`` from ``POST /api/v1/auth/token``. The user the
token belongs to is the actor handed to the service layer, which enforces the same role,
department and organisation rules as the web UI. No cookie or session is ever read here, so
the API needs no CSRF protection.
"""
from __future__ import annotations

from functools import wraps
from typing import ClassVar

import flask_smorest
from flask import current_app, g, request
from webargs.flaskparser import FlaskParser
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import CombinedMultiDict
from werkzeug.exceptions import HTTPException

from webapp.api import errors
from webapp.api.schemas.base import Error
from webapp.database import get_db  # noqa: F401  (the resources import it from here)
from workflow.errors import msg
from workflow.domain.permissions import require_role
from workflow.services import users

ERROR_TEXT = {
    400: "Malformed JSON body or invalid parameters.",
    401: "No token, or the token is invalid, expired or revoked.",
    403: "Your role, department or organisation may not do this.",
    404: "Not found, or not visible to you.",
    409: "Stale version, already claimed, or the current state does not allow this.",
    413: "The upload is too large.",
    422: "Invalid input; `fields` maps each field to its messages.",
    429: "Too many requests.",
}
BEARER = [{"bearerAuth": []}]


class ArgumentsParser(FlaskParser):
    """webargs' Flask parser plus a ``multipart`` location: form fields and files together.

    JSON nested deeper than Python's decoder can follow, or with an integer longer than Python
    converts (4,300 digits), is malformed input (400), not a crash.
    """

    def _raw_load_json(self, req):
        try:
            return super()._raw_load_json(req)
        except RecursionError:
            raise errors.ApiError(400, "The JSON body is nested too deeply.") from None
        except ValueError:
            raise errors.ApiError(400, "The request body is not valid JSON.") from None


parser = ArgumentsParser()


@parser.location_loader("multipart")
def _load_multipart(req, schema):
    return MultiDictProxy(CombinedMultiDict([req.form, req.files]), schema)


class ApiBlueprint(flask_smorest.Blueprint):
    """A resource blueprint: JSON error handlers attached, operations tagged with ``tag``."""

    ARGUMENTS_PARSER = parser
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING: ClassVar[dict[str, str]] = {
        **flask_smorest.Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING, "multipart": "multipart/form-data"}

    def __init__(self, name: str, import_name: str, *, tag: str, description: str = "", **kwargs) -> None:
        super().__init__(f"api_v1_{name}", import_name, description=description, **kwargs)
        self.tag = tag
        errors.register(self)
        self.after_request(exact_allow_header)

    def route(self, rule, *, parameters=None, tags=None, **options):
        """Also names the operation ``<tag>_<function>`` (``operationId``) for client generators."""
        register = super().route(rule, parameters=parameters, tags=tags or [self.tag], **options)

        def decorator(func):
            return register(self.doc(operationId=f"{self.tag}_{func.__name__}")(func))
        return decorator


ROUTING_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
FALLBACK_ENDPOINT = "api.unknown"


def allowed_methods(path: str) -> set[str]:
    """The methods the API's routes accept for ``path``, leaving out the JSON 404/405 fallback."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    allowed: set[str] = set()
    for method in ROUTING_METHODS:
        try:
            endpoint, _args = adapter.match(path, method=method)
        except HTTPException:
            continue
        if endpoint != FALLBACK_ENDPOINT:
            allowed.add(method)
    if "GET" in allowed:
        allowed.add("HEAD")
    return allowed


def exact_allow_header(response):
    """Flask's automatic OPTIONS answer would also list the fallback route's methods."""
    if request.method == "OPTIONS" and "Allow" in response.headers:
        response.headers["Allow"] = ", ".join(sorted(allowed_methods(request.path) | {"OPTIONS"}))
    return response


def bearer_token() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise errors.ApiError(401, "Send Authorization: Bearer <token> (POST /api/v1/auth/token gives one).",
                              headers={"WWW-Authenticate": 'Bearer realm="api"'})
    if len(token) > 512 or not token.isascii():
        raise _invalid_token()
    return token


def _invalid_token() -> errors.ApiError:
    return errors.ApiError(401, "The token is invalid, expired or revoked.",
                           headers={"WWW-Authenticate": 'Bearer realm="api", error="invalid_token"'})


def authenticate_request():
    """The user of the request's bearer token, or 401."""
    token = bearer_token()
    user = users.user_for_token(get_db(), token)
    if user is None:
        raise _invalid_token()
    g.api_token, g.api_user = token, user
    return user


def actor():
    return g.api_user


IDEMPOTENCY_KEY = "Idempotency-Key"
IDEMPOTENCY_PARAMETER = {
    "in": "header", "name": IDEMPOTENCY_KEY, "required": False,
    "description": "Any 1–200 visible ASCII characters, new for each filing: a retry with the same key "
                   "(same user, same body) returns the case the first request filed.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[!-~]+$"},
}


def idempotency_key() -> str | None:
    """The request's ``Idempotency-Key``, namespaced apart from the web form's tokens; 400 if malformed."""
    value = request.headers.get(IDEMPOTENCY_KEY)
    if value is None:
        return None
    if not 1 <= len(value) <= 200 or not all("!" <= c <= "~" for c in value):
        raise errors.ApiError(400, "Some parameters are invalid.",
                              {IDEMPOTENCY_KEY: [msg("Use 1 to 200 visible ASCII characters.")]})
    return "api:" + value


def _document_errors(blp: flask_smorest.Blueprint, func, codes):
    for code in sorted(set(codes)):
        func = blp.alt_response(code, schema=Error, description=ERROR_TEXT.get(code, "Error."))(func)
    return func


def guarded(blp: flask_smorest.Blueprint, *codes: int, roles: tuple[str, ...] = ()):
    """Bearer auth before anything else; documents 401 and the other error codes given.

    Put it right under ``@blp.route`` so a request without a token gets 401 before its body is
    looked at. ``roles`` (the service's own constant) refuses other roles with 403 before the
    body too, so a role that may never call the operation is not told what its body lacks.
    """
    def decorate(func):
        @wraps(func)
        def wrapper(*args, **kwargs):
            authenticate_request()
            if roles:
                require_role(g.api_user, *roles)
            return func(*args, **kwargs)
        wrapper = _document_errors(blp, wrapper, (400, 401, *codes))
        return blp.doc(security=BEARER)(wrapper)
    return decorate


def public(blp: flask_smorest.Blueprint, *codes: int):
    """An operation anyone may call, without a token."""
    def decorate(func):
        func = _document_errors(blp, func, (400, *codes))
        return blp.doc(security=[])(func)
    return decorate


def require_id(value: int) -> int:
    """Path ids beyond the column range are simply not found (instead of a database error)."""
    from workflow.errors import NotFound
    if not 0 < value <= 2**31 - 1:
        raise NotFound("Not found.")
    return value


def paged(page, items: list) -> dict:
    """The list envelope every paged endpoint returns: items plus ``total``, ``page``, ``per_page``."""
    return {"items": items, "total": page.total, "page": page.page, "per_page": page.per_page}
