"""The period report's summary: per office day, what the report counts, kept up to date in the
transaction of every command that changes it (``workflow/services/report_summary.py``).

The dashboard and the period report read one row per day and matter (and per step) instead of
every case and task of the period, so their cost follows the days asked for, not the cases.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from workflow.storage.db import Base

TOTAL = ""          # matter_code of the row that counts each case once (a joint filing too)


class CaseDay(Base):
    """Cases received on ``day`` (office date of ``created_at``) under one matter, or every case once
    under ``TOTAL``, by their status now; ``finished`` counts cases whose ``completed_at`` falls on
    the day (``TOTAL`` rows only, for the monthly trend). ``durations``: big-endian float64 days
    (``completed_at - created_at``) of the completed ones, for exact medians and percentiles."""
    __tablename__ = "report_case_days"
    # The TOTAL rows alone (the trend, the finished cases by status) without the matters' rows.
    __table_args__ = (Index("ix_report_case_days_total", "matter_code", "day",
                            postgresql_include=["received", "finished", "completed", "withdrawn"]),)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    matter_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    received: Mapped[int] = mapped_column(default=0)
    in_progress: Mapped[int] = mapped_column(default=0)
    correction: Mapped[int] = mapped_column(default=0)
    completed: Mapped[int] = mapped_column(default=0)
    granted: Mapped[int] = mapped_column(default=0)
    withdrawn: Mapped[int] = mapped_column(default=0)
    on_time: Mapped[int] = mapped_column(default=0)
    timed: Mapped[int] = mapped_column(default=0)
    items: Mapped[int] = mapped_column(default=0)
    finished: Mapped[int] = mapped_column(default=0)
    durations: Mapped[bytes] = mapped_column(LargeBinary, default=b"")


class TaskDay(Base):
    """Steps completed on ``day`` (office date of ``closed_at``) per matter, step, person (0: none)
    and title, with the big-endian float64 days each took (``closed_at - created_at``)."""
    __tablename__ = "report_task_days"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    matter_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    bpmn_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    completed_by: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    title: Mapped[str] = mapped_column(String(200), primary_key=True)
    tasks: Mapped[int] = mapped_column(default=0)
    durations: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
