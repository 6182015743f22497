"""The statutory clock's calendar: Chinese working days, due dates and suspensions.

Rules (DOMAIN.md "Working days", Administrative Licensing Law Art. 82 with Civil Code 201/203):

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
  as ``(started_at, ended_at | None)`` pairs. **A working day is suspended when a suspension
  covers any part of that local day**: the day the suspension starts and the day it ends both count
  as suspended (the office's common rule). Overlapping suspensions are merged, so no day is
  taken off twice; an open suspension (``None`` end) runs to the end of the period looked at.

The module is pure engine code: it needs a SQLAlchemy session only to load or write the table.
"""
from __future__ import annotations

import csv
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
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

# chinese-calendar's English holiday names -> the names the office reads.
HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


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

    def kind_of(self, day: date) -> str | None:
        """The table's kind for *day* (``holiday``/``workday``) or None when it has no row."""
        return self._days.get(_day(day))

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

    def due_date(self, start: DayLike, n: int) -> date:
        """Alias of :meth:`add_workdays` that reads better at call sites."""
        return self.add_workdays(start, n)

    def due_datetime(self, start_dt: DayLike, n: int) -> datetime:
        """End of the office day (17:30 Asia/Shanghai) of the *n*-th working day after *start_dt*."""
        return end_of_office_day(self.add_workdays(_day(start_dt), n))

    # -- suspensions --------------------------------------------------------------------------

    @staticmethod
    def merge_pauses(pauses: Iterable[Pause], open_end: DayLike) -> list[tuple[date, date]]:
        """The local days suspended, as sorted, non-overlapping inclusive ``(first, last)`` spans.

        A pause covers every local day from the day it starts to the day it ends, both included;
        an open pause (``None`` end) runs to *open_end*. Overlapping or touching spans are merged.
        A pause that ends before it starts is a programming error (ValueError).
        """
        spans: list[tuple[date, date]] = []
        stop_open = _day(open_end)
        for started, ended in pauses:
            if ended is not None and _compare_key(ended) < _compare_key(started):
                raise ValueError(f"pause ends before it starts: {started!r} > {ended!r}")
            first = _day(started)
            last = _day(ended) if ended is not None else stop_open
            if last >= first:
                spans.append((first, last))
        spans.sort()
        merged: list[tuple[date, date]] = []
        for first, last in spans:
            if merged and first <= merged[-1][1] + ONE_DAY:
                if last > merged[-1][1]:
                    merged[-1] = (merged[-1][0], last)
            else:
                merged.append((first, last))
        return merged

    def paused_workdays(self, start: DayLike, end: DayLike, pauses: Iterable[Pause]) -> int:
        """Working days in (start, end] that a pause covers (each day once)."""
        s, e = _day(start), _day(end)
        if e <= s:
            return 0
        count = 0
        for first, last in self.merge_pauses(pauses, end):
            d = max(first, s + ONE_DAY)
            while d <= min(last, e):
                if self.is_workday(d):
                    count += 1
                d += ONE_DAY
        return count

    def counted_workdays(self, start: DayLike, end: DayLike, pauses: Iterable[Pause] = ()) -> int:
        """Working days used between *start* and *end*: those in (start, end] not suspended.

        Days are local office dates, so the day *end* falls on counts as used (remaining
        ``= n - counted`` is 0 on the due day itself). See the module docstring for the rule on
        which days a suspension covers.
        """
        pauses = list(pauses)
        return self.workdays_between(start, end) - self.paused_workdays(start, end, pauses)

    def shift_for_pauses(self, due: DayLike, pauses: Iterable[Pause], *,
                         start: DayLike | None = None, now: DayLike | None = None) -> date:
        """Move *due* later by the working days suspended after *start*, up to the new due date.

        Walks forward from *due* over as many unsuspended working days as there were suspended
        working days in ``(start, due]``; a suspension met on the way (after the original *due*)
        pushes the date further. The result is an unsuspended working day, so for closed pauses
        ``counted_workdays(start, shift_for_pauses(add_workdays(start, n), pauses, start=start),
        pauses) == n``. Without *start* every suspended working day up to *due* counts. An open
        pause runs to *now* (default: the current time), i.e. the due date as known today.
        """
        d = _day(due)
        s = _day(start) if start is not None else None
        spans = self.merge_pauses(pauses, now if now is not None else datetime.now(timezone.utc))

        def suspended(day: date) -> bool:
            if s is not None and day <= s:
                return False
            return any(first <= day <= last for first, last in spans)

        owed = 0
        for first, last in spans:
            x = first if s is None else max(first, s + ONE_DAY)
            while x <= min(last, d):
                if self.is_workday(x):
                    owed += 1
                x += ONE_DAY
        while True:
            usable = self.is_workday(d) and not suspended(d)
            if usable and owed == 0:
                return d
            d += ONE_DAY
            if owed and self.is_workday(d) and not suspended(d):
                owed -= 1


def _compare_key(value: DayLike) -> datetime:
    """Comparable instant for a date or datetime (a date means the start of that local day)."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
    return datetime.combine(value, time(0), tzinfo=OFFICE_TZ)


# -- seeding and import ----------------------------------------------------------------------


def chinese_calendar_source() -> str:
    try:
        from importlib.metadata import version
        return f"chinese-calendar {version('chinese_calendar')}"
    except Exception:  # pragma: no cover - metadata missing in odd installs
        return "chinese-calendar"


def _chinese_name(value) -> str:
    english = getattr(value, "value", value)
    return HOLIDAY_NAMES_ZH.get(english) or getattr(value, "chinese", None) or str(english)


def seed_from_chinese_calendar(session: Session) -> int:
    """Insert the package's holidays and make-up working days for every year it covers.

    All holiday days are stored, including those that fall on a weekend (they change nothing
    in the count but give every day of a holiday its name and mark the year as covered), and
    every weekend working day (调休). Days already in the table are skipped, so an admin's
    correction survives and running it again inserts nothing. Returns the number of rows added.
    """
    import chinese_calendar

    source = chinese_calendar_source()
    existing = set(session.execute(select(Holiday.day)).scalars())
    added = 0
    for kind, table in ((HOLIDAY, chinese_calendar.holidays), (WORKDAY, chinese_calendar.workdays)):
        for day in sorted(table):
            if day in existing:
                continue
            session.add(Holiday(day=day, kind=kind, name=_chinese_name(table[day])[:64], source=source))
            existing.add(day)
            added += 1
    session.flush()
    return added


KIND_ALIASES = {
    "holiday": HOLIDAY, "休": HOLIDAY, "假": HOLIDAY, "休息": HOLIDAY,
    "workday": WORKDAY, "班": WORKDAY, "上班": WORKDAY, "调休": WORKDAY,
}
DEFAULT_NAMES = {HOLIDAY: "节假日", WORKDAY: "调休上班"}
WEEKDAYS_ZH = "一二三四五六日"


@dataclass(frozen=True)
class ImportProblem:
    """One bad line of a holiday file (line 1 is the header; 0 means the file as a whole)."""
    line: int
    zh: str
    en: str

    @property
    def message(self) -> str:
        where_zh = f"第 {self.line} 行：" if self.line else ""
        where_en = f"line {self.line}: " if self.line else ""
        return f"{where_zh}{self.zh} / {where_en}{self.en}"

    def __str__(self) -> str:
        return self.message


@dataclass
class ImportResult:
    """What :func:`import_holidays` did. When ``errors`` is non-empty nothing was written."""
    source: str
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[ImportProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def written(self) -> int:
        return self.inserted + self.updated


def _parse_date(text: str) -> date | None:
    text = text.strip()
    for sep in ("-", "/", "."):
        parts = text.split(sep)
        if len(parts) == 3 and all(p.isdigit() for p in parts) and len(parts[0]) == 4:
            try:
                return date(int(parts[0]), int(parts[1]), int(parts[2]))
            except ValueError:
                return None
    return None


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on Chinese Windows saves CSV in GBK.
        return raw.decode("gb18030")


def import_holidays(session: Session, path: str | Path) -> ImportResult:
    """Load a ``date,kind,name`` CSV into the holiday table (for years chinese-calendar lacks).

    ``kind`` is ``holiday`` or ``workday`` (also 休/班); ``date`` is ``YYYY-MM-DD`` (also
    ``YYYY/M/D``); ``name`` may be empty. Every line is checked first; if any is bad the result
    lists each problem with its line number and nothing is written. Otherwise days are inserted
    or updated (upsert) with ``source = "import:<file name>"``. The caller's transaction commits.
    """
    path = Path(path)
    source = f"import:{path.name}"[:64]
    result = ImportResult(source=source)
    try:
        text = _read_text(path)
    except (OSError, UnicodeDecodeError) as exc:
        result.errors.append(ImportProblem(0, f"无法读取文件 {path.name}（{exc}）",
                                           f"cannot read {path.name} ({exc})"))
        return result

    rows = list(csv.reader(text.splitlines()))
    if not rows or [c.strip().lower() for c in rows[0]] != ["date", "kind", "name"]:
        result.errors.append(ImportProblem(1, "表头必须是 date,kind,name",
                                           "the header must be date,kind,name"))
        return result

    parsed: dict[date, tuple[str, str]] = {}
    first_line: dict[date, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not row or all(not c.strip() for c in row):
            continue
        problems: list[tuple[str, str]] = []
        if len(row) not in (2, 3):
            result.errors.append(ImportProblem(number, f"应有 3 列，实际 {len(row)} 列",
                                               f"expected 3 columns, found {len(row)}"))
            continue
        day_text, kind_text = row[0].strip(), row[1].strip()
        name = row[2].strip() if len(row) == 3 else ""
        day = _parse_date(day_text)
        kind = KIND_ALIASES.get(kind_text.lower())
        if day is None:
            problems.append((f"日期“{day_text}”无效（应为 YYYY-MM-DD）",
                             f"invalid date {day_text!r} (expected YYYY-MM-DD)"))
        if kind is None:
            problems.append((f"类型“{kind_text}”无效（应为 holiday/休 或 workday/班）",
                             f"invalid kind {kind_text!r} (expected holiday/休 or workday/班)"))
        if len(name) > 64:
            problems.append(("名称超过 64 个字符", "name longer than 64 characters"))
        if day is not None and kind == WORKDAY and day.weekday() < 5:
            problems.append((f"{day.isoformat()} 是星期{WEEKDAYS_ZH[day.weekday()]}，本来就是工作日，"
                             "调休上班只用于周六周日",
                             f"{day.isoformat()} is a {day.strftime('%A')}, already a working day; "
                             "workday rows are for Saturdays and Sundays"))
        if day is not None and day in first_line:
            problems.append((f"日期 {day.isoformat()} 与第 {first_line[day]} 行重复",
                             f"date {day.isoformat()} repeats line {first_line[day]}"))
        for zh, en in problems:
            result.errors.append(ImportProblem(number, zh, en))
        if problems or day is None or kind is None:
            continue
        first_line[day] = number
        parsed[day] = (kind, name or DEFAULT_NAMES[kind])

    if result.errors:
        return result

    existing = {h.day: h for h in session.execute(
        select(Holiday).where(Holiday.day.in_(list(parsed)))).scalars()} if parsed else {}
    for day, (kind, name) in sorted(parsed.items()):
        row = existing.get(day)
        if row is None:
            session.add(Holiday(day=day, kind=kind, name=name, source=source))
            result.inserted += 1
        elif (row.kind, row.name, row.source) == (kind, name, source):
            result.unchanged += 1
        else:
            row.kind, row.name, row.source = kind, name, source
            result.updated += 1
    session.flush()
    return result


__all__ = [
    "OFFICE_TZ", "OFFICE_DAY_END", "HOLIDAY", "WORKDAY", "HOLIDAY_NAMES_ZH", "WorkCalendar",
    "local_date", "end_of_office_day", "uncovered_year_message", "seed_from_chinese_calendar",
    "import_holidays", "ImportResult", "ImportProblem",
]
