"""The holiday table: seeded from the ``chinese-calendar`` package, extended by CSV import.

The State Council fixes each year's holidays and make-up working days (调休) by notice, so they
cannot be computed ahead: the package covers the years it knows and an administrator imports
later years as ``date,kind,name`` files. Days already in the table are never overwritten by the
seed, so an administrator's correction survives.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.storage.models.clock import Holiday
from workflow.timekeeping.workdays import HOLIDAY, WORKDAY

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
