"""The statutory clock on real cases: acceptance, decision, suspensions, extensions, sweep."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from workflow.domain import clock
from workflow.domain.matters import MATTERS
from workflow.errors import Conflict, Forbidden, NotFound, ValidationError
from workflow.services import admin, cases
from workflow.services import calendar as calendar_services
from workflow.services import clock as clock_services
from workflow.services import sweep as sweeping
from workflow.services import tasks
from workflow.storage.models import AuditEvent, Case, ClockSegment
from workflow.timekeeping import deadlines, now
from tests.test_forms import VALID

CST = ZoneInfo("Asia/Shanghai")


def at(y, m, d, hh=9, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=CST)


def place(db, case_id, *, materials=None, accepted=None):
    """Put a case's arrival/acceptance at a known moment (the tests' time machine)."""
    with db.transaction() as s:
        case = s.get(Case, case_id)
        if materials:
            case.materials_at = case.created_at = materials
        if accepted:
            case.accepted_at = accepted
            case.status = "in_progress"
        clock.refresh_case(s, case, materials or accepted)


def state(db, case_id, now):
    with db.reading() as s:
        return clock.case_state(s, s.get(Case, case_id), now)


@pytest.fixture
def case(db, people):
    return cases.submit(db, people["applicant_a"], ["bench"], {})


def test_limits_from_the_catalogue_and_admin_settings(db, people):
    food = Case(matters=["food_license"], green_channel=False, extended_days=0)
    joint = Case(matters=["food_license", "equipment_registration"], green_channel=False, extended_days=0)
    green = Case(matters=["industrial_license"], green_channel=True, extended_days=0)
    with db.reading() as s:
        assert clock.decision_limit(s, food) == 10
        assert clock.decision_limit(s, joint) == 10       # the longer matter, run in parallel (≤ 45, Art. 26)
        assert clock.decision_limit(s, green) < MATTERS["industrial_license"].committed_days
    assert MATTERS["industrial_license"].statutory_days <= 30
    with pytest.raises(Forbidden):
        admin.set_limits(db, people["supervisor"], "food_license", 10, 8, 5)
    with pytest.raises(ValidationError) as err:
        admin.set_limits(db, people["admin"], "food_license", 10, 12, 15)
    assert set(err.value.fields) == {"committed_days", "green_channel_days"}
    with pytest.raises(ValidationError):
        admin.set_limits(db, people["admin"], "food_license", 0, None, None)
    with pytest.raises(ValidationError) as err:   # the admin's blank form would take every case's clock off
        admin.set_limits(db, people["admin"], "equipment_registration", None, None, None)
    assert set(err.value.fields) == {"statutory_days"}
    admin.set_limits(db, people["admin"], "equipment_notice", None, None, None)   # a filing: no limit by law
    admin.set_limits(db, people["admin"], "food_license", 10, 8, 5)
    with db.reading() as s:
        assert clock.decision_limit(s, food) == 8
        assert len(s.scalars(select(AuditEvent.action).where(AuditEvent.action == "matter_limits")).all()) == 2


def test_acceptance_clock_set_at_submission(db, case):
    with db.reading() as s:
        row = s.get(Case, case.id)
    assert row.acceptance_due_at is not None and row.accepted_at is None and row.light == "green"


def test_deemed_acceptance_fires_on_the_right_working_day_not_before(db, case):
    # Materials arrive Thu 2026-02-12. Working days after it: Fri 13 (1), Sat 14 make-up (2),
    # 15–23 Spring Festival, Tue 24 (3), Wed 25 (4), Thu 26 (5): due 2026-02-26 17:30.
    place(db, case.id, materials=at(2026, 2, 12, 10))
    assert state(db, case.id, at(2026, 2, 26)).due_at == at(2026, 2, 26, 17, 30)
    assert sweeping.sweep(db, at(2026, 2, 26, 17, 0))["deemed_accepted"] == 0
    with db.reading() as s:
        assert s.get(Case, case.id).accepted_at is None
    assert sweeping.sweep(db, at(2026, 2, 27, 9, 0))["deemed_accepted"] == 1
    with db.reading() as s:
        row = s.get(Case, case.id)
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "deemed_accepted")).one()
    assert row.deemed_accepted and row.accepted_at == at(2026, 2, 12, 10)
    assert event.case_id == case.id and "第三十二条" in event.opinion
    assert sweeping.sweep(db, at(2026, 2, 27, 10, 0))["deemed_accepted"] == 0


def test_correction_notice_stops_deemed_acceptance(db, people):
    from workflow.storage.models import HumanTask
    case = cases.submit(db, people["applicant_a"], ["food_license"], VALID["food_application"])
    with db.reading() as s:
        task = s.scalars(select(HumanTask).where(HumanTask.case_id == case.id)).one()
    tasks.complete(db, people["window"], task.id, {"opinion": "缺材料", "decision": "correct", "items": ["营业执照"]})
    place(db, case.id, materials=at(2026, 2, 12, 10))
    assert sweeping.sweep(db, at(2026, 3, 10))["deemed_accepted"] == 0


def test_decision_due_across_national_day_and_a_suspension_over_a_holiday(db, case):
    # Accepted Fri 2025-09-26; bench limit 15 WD. Working days: Sun 28 (1), Mon 29 (2), Tue 30 (3),
    # Oct 1–8 holiday, Thu 9 (4), Fri 10 (5), Sat 11 make-up (6), 13–17 (7–11), 20–23 (12–15): due 10-23.
    place(db, case.id, accepted=at(2025, 9, 26, 10))
    assert state(db, case.id, at(2025, 9, 29)).due_at == at(2025, 10, 23, 17, 30)
    assert state(db, case.id, at(2025, 10, 9, 12)).used == 4
    # Inspection from Tue 09-30 to Thu 10-09 spans the holiday: it takes off the working days after
    # the day it started up to the day it ended, i.e. only 10-09 (10-01..10-08 are holidays anyway).
    with db.transaction() as s:
        s.add(ClockSegment(case_id=case.id, kind="suspension", reason="inspection", status="closed",
                           started_at=at(2025, 9, 30, 9), ended_at=at(2025, 10, 9, 16)))
    after = state(db, case.id, at(2025, 10, 10, 12))
    assert after.used == 4 and after.due_at == at(2025, 10, 24, 17, 30)


def test_overlapping_suspensions_do_not_double_count(db, case):
    place(db, case.id, accepted=at(2025, 11, 3, 9))   # Monday
    with db.transaction() as s:
        s.add_all([
            ClockSegment(case_id=case.id, kind="suspension", reason="testing", status="closed",
                         started_at=at(2025, 11, 4), ended_at=at(2025, 11, 6)),
            ClockSegment(case_id=case.id, kind="suspension", reason="expert_review", status="closed",
                         started_at=at(2025, 11, 5), ended_at=at(2025, 11, 7)),
        ])
    # Merged pause Tue 4th–Fri 7th takes off Wed, Thu, Fri (the 4th is the day it started): counted by
    # Tue 11th are Tue 4th, Mon 10th and Tue 11th = 3, not 6 − 2 − 2.
    assert state(db, case.id, at(2025, 11, 11, 12)).used == 3


def held_task(db, people, case, who="reviewer1"):
    """The bench case's first step, claimed by ``who``, after the case was accepted."""
    from workflow.storage.models import HumanTask
    with db.reading() as s:
        task = s.scalars(select(HumanTask).where(HumanTask.case_id == case.id)).one()
    tasks.claim(db, people[who], task.id)
    return task


def test_open_suspension_keeps_the_case_out_of_red(db, people, case):
    place(db, case.id, accepted=at(2025, 11, 3, 9))
    task = held_task(db, people, case)
    clock_services.suspend(db, people["reviewer1"], task.id, "testing", "送检")
    with db.reading() as s:
        row = s.get(Case, case.id)
    assert row.suspended
    with pytest.raises(Conflict, match="already suspended"):
        clock_services.suspend(db, people["reviewer1"], task.id, "hearing")
    with pytest.raises(NotFound):
        clock_services.suspend(db, people["applicant_a"], task.id, "testing")
    clock_services.resume(db, people["reviewer1"], task.id)
    with pytest.raises(ValidationError):
        clock_services.suspend(db, people["reviewer1"], task.id, "holiday mood")
    with pytest.raises(Conflict):
        clock_services.resume(db, people["reviewer1"], task.id)
    with db.reading() as s:
        actions = s.scalars(select(AuditEvent.action).where(AuditEvent.case_id == case.id)).all()
    assert actions[-2:] == ["suspend", "resume"]


def test_extension_approved_moves_the_due_date(db, people, case):
    with now.use(now.ManualClock(at(2025, 11, 4))):
        extension_approved_moves_the_due_date(db, people, case)


def extension_approved_moves_the_due_date(db, people, case):
    place(db, case.id, accepted=at(2025, 11, 3, 9))
    before = state(db, case.id, at(2025, 11, 4)).due_at
    task = held_task(db, people, case)
    with pytest.raises(ValidationError) as err:
        clock_services.request_extension(db, people["reviewer1"], task.id, 11, "")
    assert set(err.value.fields) == {"days", "reason"}
    segment = clock_services.request_extension(db, people["reviewer1"], task.id, 5, "需组织专家论证")
    with pytest.raises(Forbidden):
        clock_services.decide_extension(db, people["reviewer1"], segment.id, True, "同意")
    clock_services.decide_extension(db, people["approver"], segment.id, True, "同意延期")
    with pytest.raises(Conflict):
        clock_services.decide_extension(db, people["approver"], segment.id, True, "再次")
    after = state(db, case.id, at(2025, 11, 4))
    with db.reading() as s:
        assert s.get(Case, case.id).extended_days == 5
    assert after.limit == 20 and after.due_at > before
    with db.reading() as s:
        from workflow.storage.models import Notification
        notices = s.scalars(select(Notification.message).where(Notification.case_id == case.id)).all()
    assert any("延长5个工作日" in n for n in notices)


def test_lights_yellow_then_red(db, case):
    place(db, case.id, accepted=at(2025, 11, 3, 9))   # 15 WD: due Mon 11-24; yellow from 12 used (11-19)
    assert state(db, case.id, at(2025, 11, 18, 12)).light == "green"
    assert state(db, case.id, at(2025, 11, 19, 9)).light == "yellow"
    assert state(db, case.id, at(2025, 11, 25, 9)).light == "red"
    sweeping.sweep(db, at(2025, 11, 25, 9))
    with db.reading() as s:
        reds = s.scalars(select(Case.id).where(Case.status == "in_progress", Case.light == "red")).all()
    assert reds == [case.id]


def test_year_without_calendar_warns_and_then_imports(db, people, case, tmp_path):
    place(db, case.id, accepted=at(2027, 1, 4, 9))
    deadlines.invalidate_calendar()
    s27 = state(db, case.id, at(2027, 1, 8, 12))
    assert s27.used == 4   # Mon–Fri fallback
    with db.reading() as s:
        cal = deadlines.get_calendar(s)
    assert any("2027" in w for w in cal.warnings)
    csv_file = tmp_path / "2027.csv"
    csv_file.write_text("date,kind,name\n2027-01-05,holiday,测试假日\n2027-01-09,workday,调休\n", encoding="utf-8")
    with pytest.raises(Forbidden):
        calendar_services.import_file(db, people["reviewer1"], csv_file)
    assert calendar_services.import_file(db, people["admin"], csv_file).ok
    with db.reading() as s:
        cal = deadlines.get_calendar(s)
        assert cal.is_covered(2027) and not cal.is_workday(date(2027, 1, 5)) and cal.is_workday(date(2027, 1, 9))
    assert state(db, case.id, at(2027, 1, 9, 18)).used == 4


def test_step_limits_from_bpmn_turn_tasks_yellow_then_red(db, case):
    from workflow.storage.models import HumanTask
    with db.transaction() as s:
        task = s.scalars(select(HumanTask).where(HumanTask.case_id == case.id)).one()
        assert task.step_limit_days == 2   # stepLimitDays in engine_bench.bpmn
        task.created_at = at(2025, 11, 3, 9)
        task.due_at, task.yellow_at = deadlines.step_due(s, task.created_at, 2)
    assert (task.due_at, task.yellow_at) == (at(2025, 11, 5, 17, 30), at(2025, 11, 3, 0, 0))
    sweeping.sweep(db, at(2025, 11, 4, 9))
    with db.reading() as s:
        assert s.get(HumanTask, task.id).light == "yellow"
        assert clock.task_state(s, s.get(HumanTask, task.id), at(2025, 11, 4, 9)).remaining == 1
    sweeping.sweep(db, at(2025, 11, 6, 9))
    with db.reading() as s:
        assert s.scalars(select(HumanTask.id).where(HumanTask.state == "open", HumanTask.light == "red")).all() == [task.id]


def test_a_suspended_step_does_not_run_over_its_own_limit(db, people, case):
    """Art. 45 time is not counted for the step either: a step suspended for testing does not turn red
    (nor count on the supervisor's red list) while it waits, and its own due date moves by the pause."""
    from workflow.storage.models import HumanTask
    place(db, case.id, accepted=at(2025, 11, 3, 9))
    task = held_task(db, people, case)
    with db.transaction() as s:   # the step (2 WD, engine_bench.bpmn) arrived on Monday 3rd at 9:00
        row = s.get(HumanTask, task.id)
        row.created_at = at(2025, 11, 3, 9)
        row.due_at, row.yellow_at = deadlines.step_due(s, row.created_at, 2)
    with now.use(now.ManualClock(at(2025, 11, 3, 10))):
        clock_services.suspend(db, people["reviewer1"], task.id, "testing", "送检")
    sweeping.sweep(db, at(2025, 11, 12, 9))          # a week and more of testing later
    with db.reading() as s:
        assert s.get(HumanTask, task.id).light != "red"
    with now.use(now.ManualClock(at(2025, 11, 12, 9))):
        clock_services.resume(db, people["reviewer1"], task.id)
    with db.reading() as s:
        row = s.get(HumanTask, task.id)
        # Paused Tue 4th – Wed 12th: the step's two working days are Thu 13th and Fri 14th.
        assert row.due_at == at(2025, 11, 14, 17, 30) and row.light != "red"
        assert clock.task_state(s, row, at(2025, 11, 13, 12)).remaining == 1
    sweeping.sweep(db, at(2025, 11, 17, 9))
    with db.reading() as s:
        assert s.get(HumanTask, task.id).light == "red"


def test_an_undecided_extension_lapses_when_the_case_ends(db, people, case):
    """The case was decided while an extension request waited: the approver's inbox kept listing it
    for ever, and the case page showed it awaiting a decision nobody could take any more."""
    from tests.web.flows import to_decision
    with now.use(now.ManualClock(at(2025, 11, 4))):
        place(db, case.id, accepted=at(2025, 11, 3, 9))
        task = held_task(db, people, case)
        segment = clock_services.request_extension(db, people["reviewer1"], task.id, 5, "需论证")
        decide = to_decision(db, people, case)
        tasks.complete(db, people["approver"], decide.id, {"opinion": "准予许可", "decision": "approve"})
    with db.reading() as s:
        assert s.get(Case, case.id).status == "completed"
        row = s.get(ClockSegment, segment.id)
        assert (row.status, row.ended_at is not None) == ("lapsed", True)
    assert clock_services.pending_extensions(db, people["approver"]) == []
