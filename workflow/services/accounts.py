"""Administrators keep accounts up to date: details and contact addresses, disable, reset password.

Each change is one transaction with an audit event; the audit keeps which fields changed, never
a password. A disabled account can neither sign in nor use its API tokens (both check ``active``).
"""
from __future__ import annotations

import re

from sqlalchemy import update

from workflow.domain.matters import DEPARTMENTS
from workflow.domain.passwords import hash_password
from workflow.domain.permissions import require_role
from workflow.errors import Conflict, NotFound, ValidationError
from workflow.storage import audit
from workflow.storage.db import Database, utcnow
from workflow.storage.models import ApiToken, User

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")     # mainland mobile numbers (SMS notices)
MIN_PASSWORD = 8


def _account(session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("User not found.")
    return user


def _detail_errors(display_name: str, email: str | None, phone: str | None,
                   department: str | None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not display_name or len(display_name) > 100:
        errors["display_name"] = ["Give a name of at most 100 characters."]
    if email and (len(email) > 254 or not _EMAIL.match(email)):
        errors["email"] = ["Not a valid email address."]
    if phone and not _MOBILE.match(phone):
        errors["phone"] = ["Not a valid mobile number (11 digits starting with 1)."]
    if department and department not in DEPARTMENTS:
        errors["department"] = ["Unknown department."]
    return errors


def update_account(db: Database, actor, user_id: int, display_name: str, email: str | None, phone: str | None,
                   department: str | None) -> User:
    """Name, e-mail (for e-mail notices), mobile (for SMS notices) and department."""
    require_role(actor, "admin")
    values = {"display_name": (display_name or "").strip(), "email": (email or "").strip() or None,
              "phone": (phone or "").strip() or None, "department_code": department or None}
    errors = _detail_errors(values["display_name"], values["email"], values["phone"], values["department_code"])
    if errors:
        raise ValidationError(errors)
    with db.transaction() as session:
        user = _account(session, user_id)
        changed = sorted(name for name, value in values.items() if getattr(user, name) != value)
        for name in changed:
            setattr(user, name, values[name])
        audit.record(session, action="user_updated", actor=actor, data={"user_id": user.id, "fields": changed})
        return user


def set_active(db: Database, actor, user_id: int, active: bool) -> User:
    """Disable (tokens revoked, sign-in refused) or enable an account; nobody disables themselves."""
    require_role(actor, "admin")
    if user_id == actor.id and not active:
        raise Conflict("You cannot disable your own account.")
    with db.transaction() as session:
        user = _account(session, user_id)
        user.active = bool(active)
        if not active:
            session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                            .values(revoked_at=utcnow()))
        audit.record(session, action="user_enabled" if active else "user_disabled", actor=actor,
                     data={"user_id": user.id, "username": user.username})
        return user


def reset_password(db: Database, actor, user_id: int, password: str) -> User:
    """A new password the administrator hands over; the account's API tokens stop working."""
    require_role(actor, "admin")
    if len(password or "") < MIN_PASSWORD:
        raise ValidationError({"password": [f"Shorter than minimum length {MIN_PASSWORD}."]})
    with db.transaction() as session:
        user = _account(session, user_id)
        user.password_hash = hash_password(password)
        session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                        .values(revoked_at=utcnow()))
        audit.record(session, action="password_reset", actor=actor, data={"user_id": user.id})
        return user


def get_account(db: Database, actor, user_id: int) -> User:
    require_role(actor, "admin")
    with db.reading() as session:
        return _account(session, user_id)
