"""Bearer tokens: log in for one, log out (revoke it)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import g

from webapp import throttle
from webapp.api.base import ApiBlueprint, get_db, guarded, public
from webapp.api.errors import ApiError
from webapp.api.schemas.auth import TokenRequest, TokenResponse
from workflow.services import users

blp = ApiBlueprint("auth", __name__, url_prefix="/api/v1/auth", tag="auth",
                   description="Bearer tokens. The token endpoint is rate limited per client address.")


@blp.route("/token", methods=["POST"])
@public(blp, 401, 422, 429)
@blp.arguments(TokenRequest)
@blp.response(201, TokenResponse)
def issue(body):
    """Log in: a bearer token for the other calls

    The token is valid for 12 hours; send it as `Authorization: Bearer <token>`.
    """
    return token_answer(_authenticated(body["username"], body["password"]), 201)


def token_answer(user, status: int) -> tuple:
    """A new token for ``user`` (logging in, changing the password)."""
    token, expires = users.issue_token(get_db(), user.id)
    # RFC 6749 §5.1: responses carrying a token must not be cached.
    return {"token": token, "expires_at": expires, "user": user}, status, {"Cache-Control": "no-store",
                                                                           "Pragma": "no-cache"}


@contextmanager
def throttled_as_429(message: str) -> Iterator[None]:
    """The login throttle's refusal as the API answers it: 429 with ``Retry-After``."""
    try:
        yield
    except throttle.Throttled as exc:
        raise ApiError(429, message, headers={"Retry-After": str(exc.retry_after)}) from None


def _authenticated(username: str, password: str):
    """The user, or 429 while the login throttle holds, 401 for a wrong password."""
    with throttled_as_429("Too many failed logins; try again later."):
        user = throttle.authenticate(username, password)
    if user is None:
        raise ApiError(401, "Wrong username or password.")
    return user


@blp.route("/token", methods=["DELETE"])
@guarded(blp)
@blp.response(204)
def revoke():
    """Log out: revoke the token this request carries"""
    users.revoke_token(get_db(), g.api_token)
