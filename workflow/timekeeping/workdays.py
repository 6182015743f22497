"""The statutory clock's calendar: Chinese working days, due dates and suspensions.

Rules (docs/domain.md "Working days", Administrative Licensing Law Art. 82 with Civil Code 201/203):

* A working day is Monday–Friday, except a day the holiday table marks ``holiday``; a Saturday or
  Sunday is a working day only when the table marks it ``workday`` (调休, make-up working day).
* A period of *n* working days does not count its start day and always ends on a working day.
* The table (``holidays``) is seeded from the ``chinese-calendar`` package and extended by an admin
  with :func:`import_holidays` for years the package does not know. A year is *covered* when the
  table has at least one row for it. For a year that is not covered the calendar falls back to
  Monday–Friday, records a visible bilingual warning in :attr:`WorkCalendar.warnings` and logs it
  once per year and calendar object; it never raises because data is missing.
* Dates are Asia/Shanghai office dates. Datetimes are converted with :func:`local_date`; naive
  datetimes are taken to be UTC, as everything the engine stores is UTC (``workflow.storage.db.utcnow``).
* Suspensions (Art. 45: testing, inspection, expert review, hearing … are not counted) are given
  as ``(started_at, ended_at | None)`` pairs and count like any period (Art. 82): the working
  days after the day a suspension starts, up to and including the day it ends, are taken off.
  A one-second suspension takes off nothing. Overlapping suspensions are merged, so no day is
  taken off twice; an open suspension (``None`` end) runs to "now".

The module is pure engine code: it needs a SQLAlchemy session only to load or write the table.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta, timezone
from typing import Union
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.storage.models.clock import Holiday

log = logging.getLogger(__name__)

OFFICE_TZ = ZoneInfo("Asia/Shanghai")
"""The time zone every office date is taken in."""

OFFICE_DAY_END = time(17, 30)
"""End of the office day: a deadline on day *d* falls due at this local time."""

HOLIDAY = "holiday"
WORKDAY = "workday"
KINDS = (HOLIDAY, WORKDAY)

ONE_DAY = timedelta(days=1)

DayLike = Union[date, datetime]
Pause = tuple[DayLike, Union[DayLike, None]]

def local_date(dt: datetime) -> date:
    """The Asia/Shanghai calendar date of *dt* (a naive datetime is taken as UTC)."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(OFFICE_TZ).date()


def end_of_office_day(day: date) -> datetime:
    """The aware datetime at which a deadline on *day* falls due (17:30 Asia/Shanghai)."""
    return datetime.combine(day, OFFICE_DAY_END, tzinfo=OFFICE_TZ)


def _day(value: DayLike) -> date:
    """A local office date from a date or a datetime (``datetime`` is a subclass of ``date``)."""
    if isinstance(value, datetime):
        return local_date(value)
    return value


def uncovered_year_message(year: int) -> str:
    return f"{year} 年节假日数据未导入，按周一至周五计算 / No holiday data for {year}: Monday–Friday assumed"


class WorkCalendar:
    """Working days from the holiday table: a mapping date -> kind plus the years it covers.

    Build one per command or request with :meth:`from_session` (one query, a few hundred rows);
    it is a plain in-memory object afterwards and safe to share read-only, except that the
    :attr:`warnings` set grows when a computation touches a year without data.
    """

    def __init__(self, days: Mapping[date, str], covered_years: Iterable[int] | None = None) -> None:
        self.warnings: set[str] = set()
        self.uncovered_years: set[int] = set()
        self._days: dict[date, str] = {}
        for day, kind in days.items():
            if kind not in KINDS:
                # A hand-edited row with an unknown kind must not stop every clock: ignore it, say so.
                message = (f"{day.isoformat()} 的类型“{kind}”无效，已忽略 / "
                           f"Invalid kind {kind!r} for {day.isoformat()}: row ignored")
                self.warnings.add(message)
                log.warning(message)
                continue
            self._days[day] = kind
        self.covered_years: frozenset[int] = frozenset(
            covered_years if covered_years is not None else {d.year for d in days})

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def from_rows(cls, rows: Iterable, covered_years: Iterable[int] | None = None) -> WorkCalendar:
        """From :class:`Holiday` rows or ``(day, kind, ...)`` tuples.

        *covered_years* defaults to the years that have at least one row.
        """
        days: dict[date, str] = {}
        for row in rows:
            if isinstance(row, Holiday):
                days[row.day] = row.kind
            else:
                days[row[0]] = row[1]
        return cls(days, covered_years)

    @classmethod
    def from_session(cls, session: Session) -> WorkCalendar:
        """Load the whole holiday table with one query."""
        rows = session.execute(select(Holiday.day, Holiday.kind)).all()
        return cls.from_rows(rows)

    # -- single days --------------------------------------------------------------------------

    def is_covered(self, year: int) -> bool:
        return year in self.covered_years

    def _touch(self, year: int) -> bool:
        """True when *year* has data; otherwise record the warning (logged once per year)."""
        if year in self.covered_years:
            return True
        if year not in self.uncovered_years:
            self.uncovered_years.add(year)
            message = uncovered_year_message(year)
            self.warnings.add(message)
            log.warning(message)
        return False

    def is_workday(self, d: DayLike) -> bool:
        """Mon–Fri unless the table says ``holiday``; Sat/Sun only when it says ``workday``."""
        d = _day(d)
        weekday = d.weekday() < 5
        if not self._touch(d.year):
            return weekday
        kind = self._days.get(d)
        if kind == HOLIDAY:
            return False
        if kind == WORKDAY:
            return True
        return weekday

    def next_workday(self, d: DayLike) -> date:
        """*d* itself when it is a working day, else the next working day after it."""
        d = _day(d)
        while not self.is_workday(d):
            d += ONE_DAY
        return d

    # -- periods ------------------------------------------------------------------------------

    def add_workdays(self, start: DayLike, n: int) -> date:
        """The day on which a period of *n* working days starting on *start* ends.

        The start day is not counted: ``add_workdays(fri, 1)`` is the next Monday (on a normal
        week). The result is always a working day. ``n == 0`` returns *start* when it is a working
        day and otherwise the next working day (a period that "ends" on a holiday runs on to the
        next working day). A negative *n* steps back: ``add_workdays(d, -2)`` is the second
        working day before *d*.
        """
        d = _day(start)
        if n == 0:
            return self.next_workday(d)
        step = ONE_DAY if n > 0 else -ONE_DAY
        left = abs(n)
        while left:
            d += step
            if self.is_workday(d):
                left -= 1
        return d

    def workdays_between(self, start: DayLike, end: DayLike) -> int:
        """Working days after *start* up to and including *end*; 0 when ``end <= start``.

        So ``workdays_between(d, add_workdays(d, n)) == n`` for every ``n >= 1`` (and for ``n == 0``
        when *d* is a working day; on a day off ``add_workdays(d, 0)`` is the next working day).
        """
        s, e = _day(start), _day(end)
        count = 0
        d = s + ONE_DAY
        while d <= e:
            if self.is_workday(d):
                count += 1
            d += ONE_DAY
        return count

    def due_datetime(self, start_dt: DayLike, n: int) -> datetime:
        """End of the office day (17:30 Asia/Shanghai) of the *n*-th working day after *start_dt*."""
        return end_of_office_day(self.add_workdays(_day(start_dt), n))

    # -- suspensions --------------------------------------------------------------------------

    @staticmethod
    def merge_pauses(pauses: Iterable[Pause], open_end: datetime) -> list[tuple[datetime, datetime]]:
        """Pauses as sorted, non-overlapping ``(start, end)`` instants; an open pause runs to *open_end*.

        Overlapping pauses are merged so no moment is taken off twice. A pause that ends before
        it starts is a programming error (ValueError).
        """
        spans: list[tuple[datetime, datetime]] = []
        for started, ended in pauses:
            first = _compare_key(started)
            last = _compare_key(ended) if ended is not None else max(first, _compare_key(open_end))
            if last < first:
                raise ValueError(f"pause ends before it starts: {started!r} > {ended!r}")
            spans.append((first, last))
        spans.sort()
        merged: list[tuple[datetime, datetime]] = []
        for first, last in spans:
            if merged and first <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(last, merged[-1][1]))
            else:
                merged.append((first, last))
        return merged

    def paused_workdays(self, start: DayLike, end: DayLike, pauses: Iterable[Pause],
                        open_end: DayLike | None = None) -> int:
        """Working days in (start, end] that pauses took off.

        A pause counts like any period (Art. 82): the day it starts is not counted, the day it
        ends is. So a one-second hearing takes off nothing, a pause from Tuesday 10:00 to
        Thursday 10:00 takes off Wednesday and Thursday. An open pause runs to *open_end*
        (default *end*).
        """
        lower, upper = _compare_key(start), _compare_key(end)
        total = 0
        for first, last in self.merge_pauses(pauses, _compare_key(open_end if open_end is not None else end)):
            first, last = max(first, lower), min(last, upper)
            if last > first:
                total += self.workdays_between(first, last)
        return total

    def counted_workdays(self, start: DayLike, end: DayLike, pauses: Iterable[Pause] = ()) -> int:
        """Working days used between *start* and *end*: those in (start, end] minus paused ones."""
        return self.workdays_between(start, end) - self.paused_workdays(start, end, list(pauses))

    def deadline_date(self, start: DayLike, n: int, pauses: Iterable[Pause] = (),
                      now: DayLike | None = None) -> date:
        """The day on which *n* counted working days from *start* are used up, pauses not counted.

        Pauses that fall within the period push it later; a pause after the period has ended
        changes nothing (an overdue case does not become timely by pausing). An open pause runs
        to *now*: the date as known today.
        """
        pauses = list(pauses)
        open_end = now if now is not None else start
        due = self.add_workdays(start, n)
        while True:
            owed = self.paused_workdays(start, end_of_office_day(due), pauses, open_end=open_end)
            moved = self.add_workdays(start, n + owed)
            if moved == due:
                return due
            due = moved


def _compare_key(value: DayLike) -> datetime:
    """Comparable instant for a date or datetime (a date means the start of that local day)."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
    return datetime.combine(value, time(0), tzinfo=OFFICE_TZ)
