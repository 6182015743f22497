"""The append-only, hash-chained decision history."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from workflow.storage.db import Base, UTCDateTime


class AuditEvent(Base):
    """One recorded event; ``hash = sha256(prev_hash + canonical JSON of the event)``.

    Triggers refuse UPDATE and DELETE (see the migration); case and task ids are
    plain integers, not foreign keys, so the history outlives anything it describes.
    """
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_case", "case_id", "seq"),)
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[int | None]
    actor_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    case_id: Mapped[int | None]
    case_number: Mapped[str | None] = mapped_column(String(32))
    instance_id: Mapped[int | None]
    task_id: Mapped[int | None]
    task_title: Mapped[str | None] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(32), index=True)
    decision: Mapped[str | None] = mapped_column(String(32))
    opinion: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The chain's tip. Locking this one row serialises appends across processes."""
    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
    hash: Mapped[str] = mapped_column(String(64))
