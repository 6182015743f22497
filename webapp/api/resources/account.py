"""The caller's own account: read it, set the contact addresses notices are copied to, change the password."""
from __future__ import annotations

from webapp import throttle
from webapp.api.base import ApiBlueprint, actor, get_db, guarded
from webapp.api.resources.auth import throttled_as_429, token_answer
from webapp.api.schemas.auth import AccountSchema, ContactRequest, PasswordRequest, TokenResponse
from workflow.services import accounts, users

blp = ApiBlueprint("account", __name__, url_prefix="/api/v1/account", tag="auth",
                   description="The caller's own account.")


@blp.route("", methods=["GET"])
@guarded(blp)
@blp.response(200, AccountSchema)
def read_account():
    """The caller's own account, with the contact addresses notices are copied to"""
    return accounts.own_account(get_db(), actor())


@blp.route("/contact", methods=["PUT"])
@guarded(blp, 422)
@blp.arguments(ContactRequest)
@blp.response(200, AccountSchema)
def set_contact(body):
    """Set the caller's e-mail address and mobile number (notice copies; null or "" clears one)"""
    return accounts.update_own_contact(get_db(), actor(), body["email"], body["phone"])


@blp.route("/password", methods=["POST"])
@guarded(blp, 422, 429)
@blp.arguments(PasswordRequest)
@blp.response(200, TokenResponse)
def change_password(body):
    """Change the caller's password: every session and token ends, this answer carries a new token

    The token the request carried is revoked with the others (as the web's other sessions end);
    continue with the one returned.
    """
    with throttled_as_429("Too many wrong passwords; try again later."):
        user = throttle.password_change(actor().username, lambda: users.change_password(
            get_db(), actor(), body["current_password"], body["new_password"]))
    return token_answer(user, 200)
