"""Deadlines in working days: the calendar of a database, due and yellow moments, lights.

Shared by the task projection (each step's own limit) and the statutory case
clock. Yellow comes at ≥ 80 % used or ≤ 2 working days left
(``CLOCK_YELLOW_FRACTION``, ``CLOCK_YELLOW_DAYS_LEFT``), red once the due
moment has passed.
"""
from __future__ import annotations

import math
import os
from datetime import datetime

from sqlalchemy.orm import Session

from workflow.storage.cache import PerDatabaseCache
from workflow.timekeeping.workdays import OFFICE_TZ, WorkCalendar, end_of_office_day

YELLOW_USED_FRACTION = float(os.environ.get("CLOCK_YELLOW_FRACTION", "0.8"))
YELLOW_DAYS_LEFT = int(os.environ.get("CLOCK_YELLOW_DAYS_LEFT", "2"))

_CALENDARS: PerDatabaseCache[WorkCalendar] = PerDatabaseCache(WorkCalendar.from_session)


def get_calendar(session: Session) -> WorkCalendar:
    """The holiday table as a calendar (cached per database; an import clears it)."""
    return _CALENDARS.get(session)


def invalidate_calendar() -> None:
    _CALENDARS.clear()

def yellow_threshold(limit: int) -> int:
    """Used working days from which the clock shows yellow (≥ 80 % used or ≤ 2 days left)."""
    return max(0, min(math.ceil(limit * YELLOW_USED_FRACTION), limit - YELLOW_DAYS_LEFT))


def light_at(now: datetime, due_at: datetime | None, yellow_at: datetime | None) -> str:
    if due_at is not None and now > due_at:
        return "red"
    if yellow_at is not None and now >= yellow_at:
        return "yellow"
    return "green"


def _start_of_day(day) -> datetime:
    return datetime.combine(day, datetime.min.time(), OFFICE_TZ)


def deadline(cal: WorkCalendar, start: datetime, limit: int, pauses=(), now: datetime | None = None):
    """(due_at, yellow_at) for a period of ``limit`` working days from ``start``, pauses not counted."""
    due = cal.deadline_date(start, limit, pauses, now)
    yellow = cal.deadline_date(start, yellow_threshold(limit), pauses, now)
    return end_of_office_day(due), _start_of_day(yellow)


def step_due(session: Session, start: datetime, days: int) -> tuple[datetime, datetime]:
    """When a step started at ``start`` with a limit of ``days`` working days turns red and yellow."""
    return deadline(get_calendar(session), start, days)


