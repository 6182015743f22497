"""Bearer tokens: log in for one, log out (revoke it)."""
from __future__ import annotations

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
    user = _authenticated(body["username"], body["password"])
    token, expires = users.issue_token(get_db(), user.id)
    # RFC 6749 §5.1: responses carrying a token must not be cached.
    return {"token": token, "expires_at": expires, "user": user}, 201, {"Cache-Control": "no-store",
                                                                        "Pragma": "no-cache"}


def _authenticated(username: str, password: str):
    """The user, or 429 while the login throttle holds, 401 for a wrong password."""
    try:
        user = throttle.authenticate(username, password)
    except throttle.Throttled as exc:
        raise ApiError(429, "Too many failed logins; try again later.",
                       headers={"Retry-After": str(exc.retry_after)}) from None
    if user is None:
        raise ApiError(401, "Wrong username or password.")
    return user


@blp.route("/token", methods=["DELETE"])
@guarded(blp)
@blp.response(204)
def revoke():
    """Log out: revoke the token this request carries"""
    users.revoke_token(get_db(), g.api_token)
