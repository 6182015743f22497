"""The working-day calendar and the segments that stop or extend a clock."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from workflow.storage.db import Base, UTCDateTime, utcnow


class Holiday(Base):
    """A day that differs from Mon–Fri: ``holiday`` (off on a weekday) or ``workday`` (调休)."""
    __tablename__ = "holidays"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(64))


class ClockSegment(Base):
    """A suspension (time not counted) or an approved extension of a case's decision limit.

    A suspension belongs to the step (``task_id``) that opened it and ends when that step
    ends, whatever ends it: completion, return, recall, withdrawal or a timer.
    """
    __tablename__ = "clock_segments"
    __table_args__ = (Index("ix_clock_segments_task", "task_id", "status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    task_id: Mapped[int | None]
    kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    days: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(16), default="open")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class MatterSetting(Base):
    """An administrator's override of a matter's limits (the catalogue holds the defaults)."""
    __tablename__ = "matter_settings"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    statutory_days: Mapped[int | None]
    committed_days: Mapped[int | None]
    green_channel_days: Mapped[int | None]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class AwardRound(Base):
    """A call for quality-award nominations: its quota is filled by score when the round closes."""
    __tablename__ = "award_rounds"
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    quota: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
