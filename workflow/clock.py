"""The statutory clock of cases and steps, on top of the working-day calendar."""
from __future__ import annotations

import time
from datetime import datetime

from sqlalchemy.orm import Session

from workflow.workdays import WorkCalendar

_CALENDAR_TTL_SECONDS = 60.0
_cached: tuple[float, WorkCalendar] | None = None


def get_calendar(session: Session) -> WorkCalendar:
    """The holiday table as a calendar, reloaded at most once a minute.

    Every command needs the calendar but the table changes a few times a year;
    an admin's import calls :func:`invalidate_calendar` in its own process and
    other workers see it within the TTL.
    """
    global _cached
    now = time.monotonic()
    if _cached is None or now - _cached[0] > _CALENDAR_TTL_SECONDS:
        _cached = (now, WorkCalendar.from_session(session))
    return _cached[1]


def invalidate_calendar() -> None:
    global _cached
    _cached = None


def step_due(session: Session, start: datetime, days: int) -> datetime:
    """When a step started at ``start`` with a limit of ``days`` working days is due."""
    return get_calendar(session).due_datetime(start, days)
