"""The dashboard and the period report read a summary kept by every command (report_summary); its
figures must equal a direct recount of cases and steps (tests/report_oracle.py: the queries the
pages ran before) on SQLite and PostgreSQL, whatever path changed the case: filing, correction
and resubmission, refusal, grant, denial, withdrawal, extension, a joint filing, a CNG batch, the
sweeps. Durations are compared to 1e-9 days: PostgreSQL's recount divides a numeric epoch and
SQLite's subtracts julian days, the summary divides microseconds; every count is exact."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import text, update

from tests import report_oracle
from tests.flows.test_food import decide
from tests.flows.test_joint import finish_food, food_and_boiler
from tests.flows.test_paths import PLAIN, reviewed
from tests.flows.test_period_report import two_vehicles
from workflow.services import cases, clock, report_summary, reports
from workflow.storage.models import Case
from workflow.timekeeping.workdays import local_date

FIRST = date(2026, 3, 1)


def _timing_equal(got: reports.Timing, want: reports.Timing) -> bool:
    return got.count == want.count and all(
        (a is None and b is None) or (a is not None and b is not None and abs(a - b) < 1e-9)
        for a, b in ((got.median, want.median), (got.p90, want.p90)))


def _counts(row: reports.MatterRow) -> dict:
    return {k: val for k, val in vars(row).items() if k != "time"}


def _row_equal(got: reports.MatterRow, want: reports.MatterRow) -> bool:
    return _counts(got) == _counts(want) and _timing_equal(got.time, want.time)


def assert_summary_equals_recount(bureau, date_from: date = FIRST, date_to: date | None = None) -> None:
    """Period report and dashboard from the summary == the direct queries, for the same moment."""
    now = bureau.clock()
    date_to = date_to or local_date(now)
    supervisor = bureau.people["supervisor"]
    with bureau.db.reading() as session:
        assert report_summary.differences(session) == []
        start, end = reports._start(date_from), reports._start(date_to + timedelta(days=1))
        rows, total = report_oracle.matter_rows(session, start, end, now)
        steps = report_oracle.steps(session, start, end)
        done = report_oracle.done_by(session, start, end)
        trend = report_oracle.trend(session, local_date(now))
        by_status = report_oracle.by_status(session)
    report = reports.period_report(bureau.db, supervisor, date_from, date_to, now=now)
    board = reports.dashboard(bureau.db, supervisor, date_from, date_to, now=now)
    for got in (report, board):
        assert {r.matter for r in got.rows} == set(rows)
        assert all(_row_equal(r, rows[r.matter]) for r in got.rows), (got.rows, rows)
        assert _row_equal(got.total, total), (got.total, total)
        assert {(s.matter, s.bpmn_id): s.title for s in got.steps} == {k: t for k, (t, _) in steps.items()}
        assert all(_timing_equal(s.timing, steps[(s.matter, s.bpmn_id)][1]) for s in got.steps)
    assert {w.user_id: w.completed for w in board.workload if w.completed} == {
        uid: n for uid, n in done.items() if uid in {w.user_id for w in board.workload}}
    assert board.trend == trend and board.by_status == by_status


def test_every_command_keeps_the_summary_equal_to_a_recount(bureau):
    joint = food_and_boiler(bureau)                                   # accepted, two matters
    batch = bureau.file(["cng_cylinder"], {"vehicles": two_vehicles()})
    bureau.file(["equipment_notice"], {"units": 3})
    corrected = bureau.file(["food_license", "equipment_registration"])
    bureau.act("window", corrected.id, "acceptance", decision="correct", items=["营业执照副本"])
    refused = bureau.file(["industrial_license"], PLAIN)
    bureau.act("window", refused.id, "acceptance", decision="refuse", refuse_reason="不属于本机关职权范围")
    gone = bureau.file(["food_license"])
    assert_summary_equals_recount(bureau)

    bureau.advance(days=1, hours=3)
    bureau.act("applicant_a", corrected.id, "correction", note="已补")   # correction → acceptance again
    bureau.act("equip_reviewer", joint.id, "document_review", decision="pass")
    bureau.act("window", batch.id, "vehicle_check", decision="register", vehicles=[
        {"plate_number": "闽A11111", "decision": "register"}, {"plate_number": "闽A22222", "decision": "register"}])
    cases.withdraw(bureau.db, bureau.people["applicant_a"], gone.id, "不再需要")
    assert_summary_equals_recount(bureau)

    bureau.advance(days=2)
    finish_food(bureau, joint)                                         # granted and registered
    decide(bureau, inspection="fail", decision="deny")                 # filed, denied the same day
    extended = reviewed(bureau)
    inspection = bureau.claim("inspector1", extended.id, "onsite_inspection")
    segment = clock.request_extension(bureau.db, bureau.people["inspector1"], inspection.id, 5, "需要补充检验")
    clock.decide_extension(bureau.db, bureau.people["approver"], segment.id, True, "同意延长")
    cases.rate(bureau.db, bureau.people["applicant_a"], joint.id, 2, "太慢", matter="food_license")
    assert_summary_equals_recount(bureau)

    bureau.advance(days=30)                                            # sweeps: overdue lights, deemed acceptance
    assert_summary_equals_recount(bureau)
    assert_summary_equals_recount(bureau, date(2026, 3, 3), date(2026, 3, 4))   # a part of the period


def test_rows_written_by_hand_are_counted_after_a_rebuild(bureau):
    case = decide(bureau)
    with bureau.db.transaction() as session:          # a data fix in SQL bypasses the commands
        session.execute(update(Case).where(Case.id == case.id).values(created_at=case.created_at - timedelta(days=1)))
    with bureau.db.reading() as session:
        assert report_summary.differences(session)
    with bureau.db.transaction() as session:
        assert report_summary.rebuild(session) > 0
    assert_summary_equals_recount(bureau)


def test_a_rolled_back_command_leaves_the_summary_alone(bureau):
    case = bureau.file(["food_license"])
    with bureau.db.reading() as session:
        before = report_summary.stored(session)
    with pytest.raises(RuntimeError), bureau.db.transaction() as session:
        session.get(Case, case.id).status = "withdrawn"
        session.flush()
        raise RuntimeError("the command fails after its flush")
    with bureau.db.reading() as session:
        assert report_summary.stored(session) == before
        assert session.execute(text("SELECT count(*) FROM report_case_days")).scalar() == len(
            [k for k in before if k[0] == "C"])


def test_a_case_that_leaves_completed_takes_its_duration_out(bureau):
    """Not a path the engine takes today, but the summary must follow any change of a reported
    column: a completed case set back to running loses its duration, its 办结 and its grant."""
    case = decide(bureau)
    bureau.advance(days=2)
    with bureau.db.transaction() as session:
        row = session.get(Case, case.id)
        row.status, row.outcome, row.completed_at = "in_progress", None, None
    assert_summary_equals_recount(bureau)
    with bureau.db.reading() as session:
        assert all(not part.durations for key, part in report_summary.stored(session).items() if key[0] == "C")
