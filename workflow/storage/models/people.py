"""Who works with the engine: staff, applicants' organisations, departments, API tokens."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.storage.db import Base, UTCDateTime, utcnow

ROLES = ("applicant", "window", "reviewer", "inspector", "approver", "expert", "supervisor", "auditor", "admin")


class Department(Base):
    __tablename__ = "departments"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))


class Organisation(Base):
    """An enterprise, identified by its unified social credit code (GB 32100-2015)."""
    __tablename__ = "organisations"
    id: Mapped[int] = mapped_column(primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    area_code: Mapped[str | None] = mapped_column(String(6))
    address: Mapped[str | None] = mapped_column(String(300))


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16), index=True)
    department_code: Mapped[str | None] = mapped_column(ForeignKey("departments.code"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    phone: Mapped[str | None] = mapped_column(String(20))     # mobile: SMS notices go here
    email: Mapped[str | None] = mapped_column(String(254))    # e-mail notices go here
    active: Mapped[bool] = mapped_column(default=True)
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")  # +1 ends every session
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation | None] = relationship(lazy="joined")


class ApiToken(Base):
    """A bearer token; only its sha256 is stored so a database leak reveals no token."""
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
