"""Administrators keep accounts up to date: details and contact addresses, disable, reset password;
everyone keeps their own contact addresses.

Each change is one transaction with an audit event; the audit keeps which fields changed, never
a password. A disabled account can neither sign in nor use its API tokens (both check ``active``).
"""
from __future__ import annotations

import re

from workflow.domain import passwords
from workflow.domain.matters import DEPARTMENTS
from workflow.domain.passwords import hash_password
from workflow.domain.permissions import Actor, require_role, section_error
from workflow.errors import NotFound, ValidationError, msg
from workflow.services import tasks, users
from workflow.storage import audit
from workflow.storage.db import Database
from workflow.storage.models import User

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")     # mainland mobile numbers (SMS notices)


def _account(session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("User not found.")
    return user


def _detail_errors(display_name: str, email: str | None, phone: str | None,
                   department: str | None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not display_name or len(display_name) > 100:
        errors["display_name"] = [msg("Give a name of at most 100 characters.")]
    errors.update(_contact_errors(email, phone))
    if department and department not in DEPARTMENTS:
        errors["department"] = [msg("Unknown department.")]
    return errors


def _contact_errors(email: str | None, phone: str | None) -> dict[str, list[str]]:
    """The e-mail address and mainland mobile number notices are copied to (both may be left empty)."""
    errors: dict[str, list[str]] = {}
    if email and (len(email) > 254 or not _EMAIL.match(email)):
        errors["email"] = [msg("Not a valid email address.")]
    if phone and not _MOBILE.match(phone):
        errors["phone"] = [msg("Not a valid mobile number (11 digits starting with 1).")]
    return errors


def _contact(email: str | None, phone: str | None) -> dict[str, str | None]:
    """The contact as stored: trimmed, the mobile number without the spaces or dashes people type
    (138 0013 8000), empty as ``None``; anything that is not text is a field error."""
    errors = {name: [msg("Not a valid string.")] for name, value in (("email", email), ("phone", phone))
              if value is not None and not isinstance(value, str)}
    if errors:
        raise ValidationError(errors)
    return {"email": (email or "").strip() or None, "phone": re.sub(r"[\s-]", "", phone or "") or None}


def update_account(db: Database, actor: Actor, user_id: int, display_name: str, email: str | None, phone: str | None,
                   department: str | None) -> User:
    """Name, e-mail (for e-mail notices), mobile (for SMS notices) and department."""
    require_role(actor, "admin")
    values = {"display_name": (display_name or "").strip(), **_contact(email, phone),
              "department_code": department or None}
    errors = _detail_errors(values["display_name"], values["email"], values["phone"], values["department_code"])
    if errors:
        raise ValidationError(errors)
    with db.transaction() as session:
        user = _account(session, user_id)
        if no_section := section_error(user.role, values["department_code"]):
            raise ValidationError({"department": [no_section]})
        changed = sorted(name for name, value in values.items() if getattr(user, name) != value)
        for name in changed:
            setattr(user, name, values[name])
        audit.record(session, action="user_updated", actor=actor, data={"user_id": user.id, "fields": changed})
        return user


def own_account(db: Database, actor: Actor) -> User:
    """The caller's own account (the profile page, ``GET /api/v1/account``)."""
    with db.reading() as session:
        return _account(session, actor.id)


def update_own_contact(db: Database, actor: Actor, email: str | None, phone: str | None) -> User:
    """Anyone's own e-mail address and mobile number, where notices are copied to (e-mail to everyone
    who has one, SMS to applicants); empty clears. Audited like an administrator's change: the
    fields that changed, not the addresses."""
    values = _contact(email, phone)
    errors = _contact_errors(values["email"], values["phone"])
    if errors:
        raise ValidationError(errors)
    with db.transaction() as session:
        user = users.locked_user(session, actor.id)
        changed = sorted(name for name, value in values.items() if getattr(user, name) != value)
        for name in changed:
            setattr(user, name, values[name])
        if changed:
            audit.record(session, action="contact_changed", actor=actor, data={"user_id": user.id, "fields": changed})
        return user


def set_active(db: Database, actor: Actor, user_id: int, active: bool) -> User:
    """Disable (every session and token ended, sign-in refused) or enable an account."""
    require_role(actor, "admin")
    with db.transaction() as session:
        user = users.set_active(session, actor, user_id, active)
    if not active:
        tasks.release_held(db, actor, user_id)
    return user


def reset_password(db: Database, actor: Actor, user_id: int, password: str) -> User:
    """A new password the administrator hands over (the same policy as everyone's); the account's
    sessions and API tokens end."""
    require_role(actor, "admin")
    with db.transaction() as session:
        user = _account(session, user_id)
        problems = passwords.policy_errors(password, user.username)
        if problems:
            raise ValidationError({"password": problems})
        user.password_hash = hash_password(password)
        users.end_sessions(session, user)
        audit.record(session, action="password_reset", actor=actor, data={"user_id": user.id})
        return user


def get_account(db: Database, actor: Actor, user_id: int) -> User:
    require_role(actor, "admin")
    with db.reading() as session:
        return _account(session, user_id)
