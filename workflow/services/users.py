"""Accounts, organisations and API tokens."""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from workflow.domain import passwords
from workflow.domain.identifiers import is_valid_credit_code
from workflow.domain.matters import DEPARTMENTS
from workflow.domain.passwords import hash_password
from workflow.domain.permissions import Actor, section_error
from workflow.errors import Conflict, NotFound, ValidationError, msg
from workflow.storage import audit
from workflow.storage.db import Database, utcnow
from workflow.storage.models import ApiToken, Department, Organisation, User
from workflow.vocabulary import ROLES

TOKEN_LIFETIME = timedelta(hours=12)
_USERNAME = re.compile(r"^[A-Za-z0-9_.-]{3,64}$")


def ensure_departments(session: Session) -> None:
    for code, (zh, en) in DEPARTMENTS.items():
        if session.get(Department, code) is None:
            session.add(Department(code=code, name_zh=zh, name_en=en))
    session.flush()


def create_organisation(session: Session, credit_code: str, name: str, area_code: str | None = None) -> Organisation:
    if not is_valid_credit_code(credit_code):
        raise ValidationError({"credit_code": [msg("Not a valid unified social credit code.")]})
    if session.scalar(select(Organisation.id).where(Organisation.credit_code == credit_code)):
        raise Conflict("An organisation with this credit code already exists.")
    org = Organisation(credit_code=credit_code, name=name, area_code=area_code or credit_code[2:8])
    session.add(org)
    session.flush()
    return org


def create_user(session: Session, username: str, password: str, role: str, display_name: str,
                department: str | None = None, organisation_id: int | None = None,
                enforce_policy: bool = True) -> User:
    """A new account. ``enforce_policy=False`` is for the demo accounts only, whose password is
    published in the README; every password a person chooses meets the policy."""
    errors: dict[str, list[str]] = {}
    if not _USERNAME.match(username or ""):
        errors["username"] = [msg("Use 3–64 letters, digits, dots, dashes or underscores.")]
    problems = passwords.policy_errors(password, username or "") if enforce_policy else []
    if problems:
        errors["password"] = problems
    if role not in ROLES:
        errors["role"] = [msg("Must be one of: {choices}.", choices=", ".join(ROLES))]
    if department is not None and department not in DEPARTMENTS:
        errors["department"] = [msg("Unknown department.")]
    elif no_section := section_error(role, department):
        errors["department"] = [no_section]
    if role == "applicant" and organisation_id is None:
        errors["organisation"] = [msg("An applicant belongs to an enterprise.")]
    if errors:
        raise ValidationError(errors)
    if session.scalar(select(User.id).where(User.username == username)):
        raise Conflict("This username is taken.")
    ensure_departments(session)
    user = User(username=username, password_hash=hash_password(password), role=role,
                display_name=display_name or username, department_code=department,
                organisation_id=organisation_id)
    session.add(user)
    session.flush()
    return user


def authenticate(db: Database, username: str, password: str) -> User | None:
    """The active user with this name and password, else None; unknown names cost the same time."""
    with db.reading() as session:
        user = session.scalars(select(User).where(User.username == username)).first()
        ok = passwords.verify(user.password_hash if user is not None else None, password or "")
        return user if ok and user.active else None


def end_sessions(session: Session, user: User) -> None:
    """Every web session (its epoch moves on) and every API token of ``user`` end now."""
    user.session_epoch = (user.session_epoch or 0) + 1
    session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                    .values(revoked_at=utcnow()))


def locked_user(session: Session, user_id: int) -> User:
    # OF users: the organisation is joined (lazy="joined") by an outer join, which PostgreSQL refuses
    # to lock ("FOR UPDATE cannot be applied to the nullable side of an outer join").
    user = session.scalars(select(User).where(User.id == user_id).with_for_update(of=User)).first()
    if user is None:
        raise NotFound("User not found.")
    return user


def log_out(db: Database, actor: Actor) -> None:
    """Logging out ends every session and token of the account, so a copied cookie is worthless."""
    with db.transaction() as session:
        end_sessions(session, locked_user(session, actor.id))
        audit.record(session, action="logged_out", actor=actor, data={"user_id": actor.id})


def change_password(db: Database, actor: Actor, current: str, new: str) -> User:
    """The account's own password change: the current password, then the policy; ends every
    other session and token (the caller re-opens its own with the new epoch)."""
    with db.transaction() as session:
        user = locked_user(session, actor.id)
        if not passwords.verify(user.password_hash, current or ""):
            raise ValidationError({"current_password": [msg("Wrong password.")]})
        problems = passwords.policy_errors(new, user.username)
        if problems:
            raise ValidationError({"new_password": problems})
        user.password_hash = hash_password(new)
        end_sessions(session, user)
        audit.record(session, action="password_changed", actor=actor, data={"user_id": user.id})
        return user


def set_active(session: Session, actor: Actor, user_id: int, active: bool) -> User:
    """(De)activate an account inside the admin's command; deactivation ends its sessions and tokens."""
    if user_id == actor.id and not active:
        raise Conflict("You cannot deactivate your own account.")
    user = locked_user(session, user_id)
    user.active = bool(active)
    end_sessions(session, user)
    audit.record(session, action="user_activated" if active else "user_deactivated", actor=actor,
                 data={"user_id": user.id, "username": user.username})
    return user


def load_user(db: Database, user_id: int) -> User | None:
    with db.reading() as session:
        user = session.get(User, user_id)
        return user if user is not None and user.active else None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(db: Database, user_id: int, lifetime: timedelta = TOKEN_LIFETIME) -> tuple[str, datetime]:
    """A new bearer token; only its hash is kept."""
    token = secrets.token_urlsafe(32)
    expires = utcnow() + lifetime
    with db.transaction() as session:
        session.add(ApiToken(user_id=user_id, token_hash=_digest(token), expires_at=expires))
    return token, expires


def user_for_token(db: Database, token: str) -> User | None:
    """The active user of a valid (known, unrevoked, unexpired) token: one indexed query per request."""
    with db.reading() as session:
        return session.scalars(_TOKEN_USER, {"digest": _digest(token or ""), "now": utcnow()}).first()


# Built once (every API request runs it): the statement keeps its cache key.
_TOKEN_USER = select(User).join(ApiToken, ApiToken.user_id == User.id).where(
    ApiToken.token_hash == bindparam("digest"), ApiToken.revoked_at.is_(None),
    ApiToken.expires_at > bindparam("now"), User.active.is_(True))


def revoke_token(db: Database, token: str) -> bool:
    with db.transaction() as session:
        row = session.scalars(select(ApiToken).where(ApiToken.token_hash == _digest(token or ""))).first()
        if row is None or row.revoked_at is not None:
            return False
        row.revoked_at = utcnow()
        return True
