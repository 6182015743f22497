"""The working-day calendar of the statutory clock (workflow.workdays).

Known calendars come from the State Council notices as packaged by chinese-calendar 1.11.0
(docs/domain.md "Working days"); 2027 is not published yet, so the 2027 CSV written here is the only
authority for that year in these tests.
"""
from __future__ import annotations

import logging
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, func, select

import workflow.storage.models  # noqa: F401  (registers every table)
from workflow.storage.db import Base, Database
from workflow.storage.models.clock import Holiday
from workflow.timekeeping.holidays import import_holidays, seed_from_chinese_calendar
from workflow.timekeeping.workdays import (
    OFFICE_DAY_END,
    OFFICE_TZ,
    WorkCalendar,
    local_date,
    uncovered_year_message,
)

CST = OFFICE_TZ


def cst(y, m, d, hh=9, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=CST)


def make_db(path) -> Database:
    db = Database(f"sqlite:///{path}/t.db")
    Base.metadata.create_all(db.engine)
    return db


@pytest.fixture(scope="module")
def seeded_db(tmp_path_factory):
    db = make_db(tmp_path_factory.mktemp("seeded"))
    with db.transaction() as session:
        seed_from_chinese_calendar(session)
    yield db
    db.dispose()


@pytest.fixture(scope="module")
def cal(seeded_db) -> WorkCalendar:
    """One calendar shared by the example and property tests (read-only apart from warnings)."""
    with seeded_db.reading() as session:
        return WorkCalendar.from_session(session)


@pytest.fixture()
def db(tmp_path):
    """A fresh seeded database for tests that write (imports)."""
    db = make_db(tmp_path)
    with db.transaction() as session:
        seed_from_chinese_calendar(session)
    yield db
    db.dispose()


# -- seeding ---------------------------------------------------------------------------------


def test_seed_is_idempotent_and_uses_chinese_names(db):
    with db.transaction() as session:
        assert seed_from_chinese_calendar(session) == 0
    with db.reading() as session:
        rows = {h.day: (h.kind, h.name, h.source) for h in session.scalars(select(Holiday))}
    assert {d.year for d in rows} == set(range(2004, 2027))
    assert rows[date(2025, 10, 1)] == ("holiday", "国庆节", "chinese-calendar 1.11.0")
    assert rows[date(2025, 10, 6)][1] == "中秋节"
    assert rows[date(2026, 2, 16)][1] == "春节"
    assert rows[date(2025, 1, 1)][1] == "元旦"
    assert rows[date(2025, 4, 4)][1] == "清明节"
    assert rows[date(2025, 5, 1)][1] == "劳动节"
    assert rows[date(2025, 6, 2)][1] == "端午节"
    assert rows[date(2026, 2, 14)][:2] == ("workday", "春节")
    assert rows[date(2025, 10, 4)][0] == "holiday"            # weekend holidays are stored too


def test_from_session_is_one_query(seeded_db):
    statements = []

    def count(*_args):
        statements.append(_args[2])

    read_engine = seeded_db.engines[-1]
    event.listen(read_engine, "before_cursor_execute", count)
    try:
        with seeded_db.reading() as session:
            calendar = WorkCalendar.from_session(session)
    finally:
        event.remove(read_engine, "before_cursor_execute", count)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 1 and "holidays" in selects[0]
    assert calendar.covered_years == frozenset(range(2004, 2027))


# -- known calendars -------------------------------------------------------------------------


def test_2025_national_day(cal):
    assert cal.is_workday(date(2025, 9, 28))      # Sunday, make-up working day
    assert cal.is_workday(date(2025, 10, 11))     # Saturday, make-up working day
    day = date(2025, 10, 1)
    while day <= date(2025, 10, 8):
        assert not cal.is_workday(day), day
        day += timedelta(days=1)
    assert cal.is_workday(date(2025, 10, 9))
    assert not cal.is_workday(date(2025, 10, 12))  # an ordinary Sunday
    assert not cal.warnings


def test_2026_spring_festival(cal):
    day = date(2026, 2, 15)
    while day <= date(2026, 2, 23):
        assert not cal.is_workday(day), day
        day += timedelta(days=1)
    assert cal.is_workday(date(2026, 2, 14))      # Saturday, make-up working day
    assert cal.is_workday(date(2026, 2, 28))      # Saturday, make-up working day
    assert cal.is_workday(date(2026, 2, 24))


def test_twenty_working_days_across_national_day(cal):
    # Accepted Friday 2025-09-26 (the start day is not counted):
    #   09-28 Sun make-up (1), 09-29 Mon (2), 09-30 Tue (3), 10-01..10-08 holiday,
    #   10-09 Thu (4), 10-10 Fri (5), 10-11 Sat make-up (6), 10-13..10-17 (7..11),
    #   10-20..10-24 (12..16), 10-27 (17), 10-28 (18), 10-29 (19), 10-30 Thu (20).
    # Plain Monday–Friday would have given 2025-10-24.
    assert cal.add_workdays(date(2025, 9, 26), 20) == date(2025, 10, 30)
    assert cal.workdays_between(date(2025, 9, 26), date(2025, 10, 30)) == 20


def test_twenty_working_days_across_spring_festival(cal):
    # Accepted Friday 2026-02-06:
    #   02-09..02-13 Mon–Fri (1..5), 02-14 Sat make-up (6), 02-15..02-23 holiday,
    #   02-24..02-27 Tue–Fri (7..10), 02-28 Sat make-up (11), 03-02..03-06 (12..16),
    #   03-09 (17), 03-10 (18), 03-11 (19), 03-12 Thu (20).
    assert cal.add_workdays(date(2026, 2, 6), 20) == date(2026, 3, 12)
    # Accepted on a holiday: counting starts after it, same rule.
    # 02-24..27 (1..4), 02-28 (5), 03-02..06 (6..10), 03-09..13 (11..15), 03-16..20 (16..20).
    assert cal.add_workdays(date(2026, 2, 17), 20) == date(2026, 3, 20)


def test_zero_days_and_endpoints(cal):
    assert cal.add_workdays(date(2025, 10, 9), 0) == date(2025, 10, 9)
    assert cal.add_workdays(date(2025, 10, 1), 0) == date(2025, 10, 9)  # runs to next working day
    assert cal.add_workdays(date(2025, 10, 9), -1) == date(2025, 9, 30)
    assert cal.workdays_between(date(2025, 10, 9), date(2025, 10, 9)) == 0
    assert cal.workdays_between(date(2025, 10, 9), date(2025, 10, 1)) == 0


def test_local_date_and_due_datetime(cal):
    # 2025-09-30 17:00 UTC is already 10-01 01:00 in Beijing.
    late = datetime(2025, 9, 30, 17, 0, tzinfo=timezone.utc)
    assert local_date(late) == date(2025, 10, 1)
    assert local_date(datetime(2025, 9, 30, 15, 0)) == date(2025, 9, 30)  # naive = UTC
    due = cal.due_datetime(late, 1)
    assert due == datetime(2025, 10, 9, 17, 30, tzinfo=CST)
    assert due.utcoffset() == timedelta(hours=8)
    assert OFFICE_DAY_END.hour == 17 and OFFICE_DAY_END.minute == 30
    assert cal.due_datetime(cst(2025, 9, 26, 10), 20) == datetime(2025, 10, 30, 17, 30, tzinfo=CST)


# -- suspensions -----------------------------------------------------------------------------


def test_suspension_spanning_national_day(cal):
    start = cst(2025, 9, 26, 10)
    assert cal.add_workdays(local_date(start), 20) == date(2025, 10, 30)
    # Sent for testing Tue 09-30 15:00, report back Fri 10-10 11:00. Like any period (Art. 82)
    # the pause's first day is not taken off, its last day is: working days in (09-30, 10-10]
    # are 10-09 and 10-10 (10-01..10-08 are holidays, never counted anyway).
    pauses = [(cst(2025, 9, 30, 15), cst(2025, 10, 10, 11))]
    assert cal.paused_workdays(start, cst(2025, 10, 30, 17, 30), pauses) == 2
    due = cal.deadline_date(start, 20, pauses)
    # 10-30 + 2 working days: 10-31 Fri, 11-03 Mon.
    assert due == date(2025, 11, 3)
    assert cal.counted_workdays(start, cal.due_datetime(due, 0), pauses) == 20
    # Used at 10-10 18:00: 09-28 (make-up Sunday), 09-29, 09-30 counted; 10-09, 10-10 paused.
    assert cal.counted_workdays(start, cst(2025, 10, 10, 18), pauses) == 3


def test_one_second_suspension_takes_off_nothing(cal):
    start = cst(2026, 3, 2, 10)                              # Monday
    pauses = [(cst(2026, 3, 4, 10), cst(2026, 3, 4, 10) + timedelta(seconds=1))]
    assert cal.paused_workdays(start, cst(2026, 3, 20), pauses) == 0
    assert cal.counted_workdays(start, cst(2026, 3, 6, 16), pauses) == 4
    assert cal.deadline_date(start, 10, pauses) == cal.add_workdays(local_date(start), 10)


def test_overlapping_suspensions_are_merged(cal):
    start = cst(2026, 2, 6, 10)
    assert cal.add_workdays(local_date(start), 20) == date(2026, 3, 12)
    pauses = [
        (cst(2026, 3, 2, 9), cst(2026, 3, 4, 12)),           # Mon–Wed
        (cst(2026, 3, 3, 10), cst(2026, 3, 5, 16)),          # Tue–Thu, overlaps
    ]
    # Merged: Mon 09:00 .. Thu 16:00, which takes off Tue, Wed and Thu (not 2 + 2 = 4).
    assert cal.merge_pauses(pauses, cst(2026, 4, 1)) == [(cst(2026, 3, 2, 9), cst(2026, 3, 5, 16))]
    assert cal.paused_workdays(start, cst(2026, 3, 12, 17, 30), pauses) == 3
    due = cal.deadline_date(start, 20, pauses)
    # 03-12 + 3: 03-13 Fri, 03-16 Mon, 03-17 Tue.
    assert due == date(2026, 3, 17)
    assert cal.counted_workdays(start, cal.due_datetime(due, 0), pauses) == 20
    # A pause inside another one changes nothing.
    nested = pauses + [(cst(2026, 3, 3, 11), cst(2026, 3, 3, 12))]
    assert cal.deadline_date(start, 20, nested) == due


def test_open_suspension_runs_to_now(cal):
    start = cst(2026, 3, 2, 10)                              # Monday
    pauses = [(cst(2026, 3, 4, 9), None)]                    # opened Wednesday, still open
    # As of Friday 03-06: Tue, Wed counted; Thu, Fri paused.
    assert cal.counted_workdays(start, cst(2026, 3, 6, 16), pauses) == 2
    # Due as known on Friday: 5 WD from Monday = 03-09, plus the 2 paused days = 03-11.
    assert cal.add_workdays(date(2026, 3, 2), 5) == date(2026, 3, 9)
    assert cal.deadline_date(start, 5, pauses, now=cst(2026, 3, 6, 16)) == date(2026, 3, 11)


def test_suspension_before_start_is_ignored(cal):
    start = cst(2026, 3, 9, 10)
    pauses = [(cst(2026, 3, 2, 9), cst(2026, 3, 9, 9))]      # ends on the (uncounted) start day
    due = cal.add_workdays(local_date(start), 3)
    assert cal.deadline_date(start, 3, pauses) == due
    assert cal.counted_workdays(start, due, pauses) == 3


def test_suspension_after_the_deadline_does_not_move_it(cal):
    start = cst(2026, 3, 2, 10)
    due = cal.add_workdays(local_date(start), 3)             # 03-05
    pauses = [(cst(2026, 3, 10, 9), cst(2026, 3, 20, 9))]
    assert cal.deadline_date(start, 3, pauses, now=cst(2026, 3, 25)) == due


def test_reversed_pause_is_rejected(cal):
    with pytest.raises(ValueError):
        cal.counted_workdays(cst(2026, 3, 2), cst(2026, 3, 20), [(cst(2026, 3, 5), cst(2026, 3, 4))])


# -- years without data ----------------------------------------------------------------------


def test_2027_without_data_falls_back_and_warns(seeded_db, caplog):
    with seeded_db.reading() as session:
        calendar = WorkCalendar.from_session(session)
    with caplog.at_level(logging.WARNING, logger="workflow.timekeeping.workdays"):
        assert calendar.is_workday(date(2027, 1, 1))           # a Friday: Mon–Fri assumed
        assert not calendar.is_workday(date(2027, 1, 2))       # Saturday
        # 2026-12-25 Fri + 5: 12-28, 12-29, 12-30, 12-31, 2027-01-01.
        assert calendar.add_workdays(date(2026, 12, 25), 5) == date(2027, 1, 1)
        assert calendar.workdays_between(date(2027, 1, 1), date(2027, 1, 8)) == 5
    assert calendar.warnings == {uncovered_year_message(2027)}
    assert "2027 年节假日数据未导入" in uncovered_year_message(2027)
    assert "No holiday data for 2027" in uncovered_year_message(2027)
    assert calendar.uncovered_years == {2027}
    logged = [r for r in caplog.records if "2027" in r.getMessage()]
    assert len(logged) == 1                                    # once per year, not per day


def test_import_2027_csv(db, tmp_path):
    # Made-up 2027 rows: the official schedule is not published; this file is the authority here.
    path = tmp_path / "holidays-2027.csv"
    path.write_text("date,kind,name\n"
                    "2027-01-01,holiday,元旦\n"
                    "2027-02-08,休,春节\n"
                    "2027-02-06,班,春节调休\n"
                    "\n", encoding="utf-8")
    with db.transaction() as session:
        result = import_holidays(session, path)
    assert result.ok and (result.inserted, result.updated, result.unchanged) == (3, 0, 0)
    with db.reading() as session:
        calendar = WorkCalendar.from_session(session)
        row = session.get(Holiday, date(2027, 1, 1))
        assert (row.kind, row.name, row.source) == ("holiday", "元旦", "import:holidays-2027.csv")
    assert not calendar.is_workday(date(2027, 1, 1))
    assert calendar.is_workday(date(2027, 2, 6))               # Saturday make-up day from the file
    assert not calendar.is_workday(date(2027, 2, 8))
    assert calendar.is_workday(date(2027, 2, 9))               # not in the file: Mon–Fri
    # 2026-12-30 Wed + 3: 12-31 (1), [01-01 holiday, 01-02/03 weekend], 01-04 (2), 01-05 (3).
    assert calendar.add_workdays(date(2026, 12, 30), 3) == date(2027, 1, 5)
    assert not calendar.warnings
    # Importing the same file again changes nothing.
    with db.transaction() as session:
        again = import_holidays(session, path)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)


def test_import_upserts_existing_days(db, tmp_path):
    path = tmp_path / "fix.csv"
    path.write_text("date,kind,name\n2027/1/1,holiday,元旦\n", encoding="utf-8")
    with db.transaction() as session:
        import_holidays(session, path)
    path.write_text("date,kind,name\n2027-01-01,holiday,新年\n", encoding="gb18030")
    with db.transaction() as session:
        result = import_holidays(session, path)
    assert (result.inserted, result.updated) == (0, 1)
    with db.reading() as session:
        assert session.get(Holiday, date(2027, 1, 1)).name == "新年"


def test_import_with_bad_line_writes_nothing(db, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("date,kind,name\n"
                    "2027-01-01,holiday,元旦\n"
                    "2027-02-30,holiday,春节\n"        # line 3: no such day
                    "2027-02-07,maybe,春节\n"          # line 4: unknown kind
                    "2027-01-01,holiday,元旦\n"        # line 5: repeats line 2
                    "2027-01-04,workday,周一\n",       # line 6: Monday is already a working day
                    encoding="utf-8")
    with db.reading() as session:
        before = session.scalar(select(func.count()).select_from(Holiday))
    with db.transaction() as session:
        result = import_holidays(session, path)
    assert not result.ok
    assert [e.line for e in result.errors] == [3, 4, 5, 6]
    text = "\n".join(str(e) for e in result.errors)
    assert "第 3 行" in text and "line 3" in text and "2027-02-30" in text
    assert "第 4 行" in text and "maybe" in text
    assert "第 2 行" in text                                   # the repeat names the first line
    assert result.inserted == result.updated == 0
    with db.reading() as session:
        assert session.scalar(select(func.count()).select_from(Holiday)) == before
        assert session.get(Holiday, date(2027, 1, 1)) is None


def test_import_rejects_wrong_header(db, tmp_path):
    path = tmp_path / "header.csv"
    path.write_text("day,type\n2027-01-01,holiday\n", encoding="utf-8")
    with db.transaction() as session:
        result = import_holidays(session, path)
    assert [e.line for e in result.errors] == [1]


def test_unknown_kind_in_table_is_ignored_with_warning():
    calendar = WorkCalendar({date(2025, 3, 3): "bogus"}, {2025})
    assert calendar.is_workday(date(2025, 3, 3))
    assert any("bogus" in w for w in calendar.warnings)


# -- properties ------------------------------------------------------------------------------

# 2003 and 2027–2028 have no data: the properties must hold for the Mon–Fri fallback too.
days = st.dates(min_value=date(2003, 6, 1), max_value=date(2028, 6, 30))
quick = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@quick
@given(start=days, n=st.integers(min_value=0, max_value=120))
def test_add_then_count_gives_n(cal, start, n):
    due = cal.add_workdays(start, n)
    if n > 0 or cal.is_workday(start):
        assert cal.workdays_between(start, due) == n
    else:
        # n == 0 on a day off: the period runs on to the next working day, which is day 1.
        assert cal.workdays_between(start, due) == 1
    assert due >= start
    if n > 0:
        # The due date is the first day on which n working days have elapsed.
        assert cal.workdays_between(start, due - timedelta(days=1)) == n - 1


@quick
@given(start=days, n=st.integers(min_value=-60, max_value=120))
def test_due_date_is_always_a_working_day(cal, start, n):
    assert cal.is_workday(cal.add_workdays(start, n))
    due = cal.due_datetime(datetime.combine(start, datetime.min.time(), tzinfo=timezone.utc), abs(n))
    assert cal.is_workday(local_date(due)) and due.timetz().replace(tzinfo=None) == OFFICE_DAY_END


@st.composite
def period_with_pauses(draw):
    start_day = draw(st.dates(min_value=date(2024, 9, 1), max_value=date(2027, 3, 1)))
    start = datetime.combine(start_day, datetime.min.time(), tzinfo=CST) + timedelta(
        minutes=draw(st.integers(0, 24 * 60 - 1)))
    n = draw(st.integers(min_value=1, max_value=60))
    pauses = []
    for _ in range(draw(st.integers(0, 4))):
        begin = start + timedelta(minutes=draw(st.integers(1, 90 * 24 * 60)))
        end = begin + timedelta(minutes=draw(st.integers(0, 20 * 24 * 60)))
        pauses.append((begin, end))
    return start, n, pauses


@quick
@given(case=period_with_pauses())
def test_counted_workdays_with_pauses(cal, case):
    start, n, pauses = case
    plain = cal.add_workdays(local_date(start), n)
    due = cal.deadline_date(start, n, pauses)
    assert due >= plain
    assert cal.is_workday(due)
    assert cal.counted_workdays(start, cal.due_datetime(due, 0), pauses) == n
    # The working day before the due date had not used the whole period yet.
    before = cal.add_workdays(due, -1)
    if before > local_date(start):
        assert cal.counted_workdays(start, cal.due_datetime(before, 0), pauses) < n
    # Merging: the same pauses given twice, in any order, take off nothing more.
    assert cal.counted_workdays(start, due, pauses + pauses[::-1]) == cal.counted_workdays(start, due, pauses)
    # Counted + paused working days = all working days in the period.
    assert (cal.counted_workdays(start, due, pauses) + cal.paused_workdays(start, due, pauses)
            == cal.workdays_between(start, due))
