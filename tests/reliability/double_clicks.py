"""The world of the double-click races (tests/reliability/test_double_clicks.py): cheap set-ups
through the services, the consistency every race must leave behind, and a driver that takes a
bench case to its end whatever a race left open."""
from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from tests.api.conftest import Api
from tests.flows.driver import Bureau
from tests.helpers import open_tasks
from tests.test_offered_equals_allowed import EXPERTS
from workflow import vocabulary as v
from workflow.domain import clock
from workflow.domain.permissions import can_work_on
from workflow.services import cases, handover, tasks
from workflow.services import clock as clock_services
from workflow.storage import audit
from workflow.storage.models import (
    AwardRound,
    Case,
    ClockSegment,
    HumanTask,
    TaskSigner,
)
from workflow.timekeeping.now import ManualClock
from workflow.timekeeping.workdays import OFFICE_TZ

OK = {"opinion": "同意"}
ROUNDS = itertools.count(1)


@dataclass
class World:
    db: object
    people: dict
    api: Api
    tmp: object

    def who(self, name: str):
        return self.people[name]


# -- set-ups (through the services) -------------------------------------------------------

def accepted(w: World) -> dict:
    """A bench case whose clock runs, its intake open (intake → check_a + check_b → decide)."""
    case = cases.submit(w.db, w.who("applicant_a"), ["bench"], {"title": "双击测试件"})
    with w.db.transaction() as s:
        row = s.get(Case, case.id)
        row.accepted_at, row.status = datetime.now(OFFICE_TZ), "in_progress"
        clock.refresh_case(s, row, row.accepted_at)
    return {"case": case.id, "task": open_tasks(w.db, case.id, "intake")[0].id}


def held(w: World, who: str = "reviewer1") -> dict:
    ctx = accepted(w)
    tasks.claim(w.db, w.who(who), ctx["task"])
    return ctx


def handed(kind: str) -> Callable[[World], dict]:
    def setup(w: World) -> dict:
        ctx = held(w)
        getattr(handover, kind)(w.db, w.who("reviewer1"), ctx["task"], w.who("reviewer2").id, "请处理")
        return ctx
    return setup


def with_signer(w: World) -> dict:
    ctx = held(w)
    handover.add_signer(w.db, w.who("reviewer1"), ctx["task"], w.who("reviewer2").id, "请会签")
    return ctx


def suspended(w: World) -> dict:
    ctx = held(w)
    clock_services.suspend(w.db, w.who("reviewer1"), ctx["task"], "testing")
    return ctx


def intake_done(w: World) -> dict:
    """Intake completed by reviewer1: check_a and check_b open, intake recallable."""
    ctx = accepted(w)
    tasks.complete(w.db, w.who("reviewer1"), ctx["task"], OK)
    ctx["check_a"] = open_tasks(w.db, ctx["case"], "check_a")[0].id
    return ctx


def check_a_held(w: World) -> dict:
    ctx = intake_done(w)
    tasks.claim(w.db, w.who("reviewer1"), ctx["check_a"])
    ctx["task"] = ctx["check_a"]
    return ctx


def extension_asked(w: World) -> dict:
    ctx = held(w)
    ctx["segment"] = clock_services.request_extension(w.db, w.who("reviewer1"), ctx["task"], 5, "需专家论证").id
    return ctx


def correction_asked(w: World) -> dict:
    ctx = held(w)
    tasks.return_to_applicant(w.db, w.who("reviewer1"), ctx["task"], "请补正", ["营业执照"])
    return ctx


def completed(w: World) -> dict:
    ctx = accepted(w)
    finish(w, ctx["case"])
    return ctx


def _nominated(w: World, bureau: Bureau, code: str, votes: tuple[str, ...] = ("quality_approver",
                                                                            "quality_approver2")) -> int:
    case = bureau.file(["quality_award"], {"round": code})
    bureau.act("window", case.id, "eligibility_check", decision="eligible")
    bureau.act("quality_reviewer", case.id, "recommendation", decision="recommend", experts=EXPERTS)
    for expert in EXPERTS:
        bureau.act(expert, case.id, "expert_scoring", score=800)
    bureau.act("quality_reviewer", case.id, "onsite_review", decision="pass")
    for approver in votes:
        bureau.act(approver, case.id, "committee_decision", decision="award")
    return case.id


def votes_counted(w: World, ctx: dict, responses) -> None:
    """Both votes count: two awards of three reach the ranking step once, and no vote is left open."""
    assert [r.status_code for r in responses] == [200, 200]
    assert [t.bpmn_id for t in open_tasks(w.db, ctx["case"])] == ["round_ranking"]


def committee(w: World) -> dict:
    """A nomination before its committee: each approver votes on their own part (票签)."""
    case_id = _nominated(w, bureau(w), "2026", votes=())
    parts = [t.id for t in open_tasks(w.db, case_id, "committee_decision")]
    return {"case": case_id, "task": parts[0], "task2": parts[1]}


def in_ranking(w: World, nominations: int = 1) -> dict:
    """Quality-award nominations waiting in the ranking step of their own new round (still open)."""
    code = f"R{next(ROUNDS)}"
    with w.db.transaction() as s:
        s.add(AwardRound(code=code, title="并发测试轮", quota=5, status="open"))
    bureau = Bureau(w.db, w.people, ManualClock(datetime.now(OFFICE_TZ)))
    ids = [_nominated(w, bureau, code) for _ in range(nominations)]
    return {"case": ids[0], "task": open_tasks(w.db, ids[0], "round_ranking")[0].id,
            "other": ids[-1], "other_task": open_tasks(w.db, ids[-1], "round_ranking")[0].id}


def two_in_ranking(w: World) -> dict:
    return in_ranking(w, 2)


def round_settled(w: World, ctx: dict, responses) -> None:
    """A nomination withdrawn before the round closed is not ranked; one ranked first is then withdrawn."""
    withdraw, close = responses
    assert withdraw.status_code == 200 and close.status_code == 200, (withdraw.get_json(), close.get_json())
    assert_consistent(w, ctx["other"])
    with w.db.reading() as s:
        case = s.get(Case, ctx["case"])
        ranked = s.get(HumanTask, ctx["task"])
    assert case.status == "withdrawn"
    assert (case.number in close.get_json()["results"]) == (ranked.close_reason == "completed"), ranked.close_reason
    assert [t.bpmn_id for t in open_tasks(w.db, ctx["other"])] == ["public_notice"]


def bureau(w: World) -> Bureau:
    return Bureau(w.db, w.people, ManualClock(datetime.now(OFFICE_TZ)))


def food_filed(w: World) -> dict:
    """A food licence application waiting for the window's acceptance decision."""
    case = bureau(w).file(["food_license"])
    return {"case": case.id, "task": open_tasks(w.db, case.id, "acceptance")[0].id}


def food_correction(w: World) -> dict:
    """The window's one-time correction notice given: the applicant's correction step is open."""
    ctx = food_filed(w)
    bureau(w).act("window", ctx["case"], "acceptance", decision="correct", items=["营业执照"])
    ctx["task"] = open_tasks(w.db, ctx["case"], "correction")[0].id
    return ctx


def joint_review(w: World, claimed: bool = False) -> dict:
    """An accepted industrial licence: its joint document review (two reviewers, Art. 34) is open."""
    b = bureau(w)
    case = b.file(["industrial_license"], {"commitment_path": False})
    b.accept(case.id)
    first, second = (t.id for t in open_tasks(w.db, case.id, "document_review"))
    if claimed:
        tasks.claim(w.db, w.who("reviewer1"), first)
        tasks.claim(w.db, w.who("reviewer2"), second)
    return {"case": case.id, "task": first, "task2": second}


def joint_review_claimed(w: World) -> dict:
    return joint_review(w, claimed=True)


def branches_held(w: World) -> dict:
    """Bench: check_a held by reviewer1, check_b by reviewer2 (parallel branches before decide)."""
    ctx = intake_done(w)
    ctx["task"], ctx["task2"] = ctx["check_a"], open_tasks(w.db, ctx["case"], "check_b")[0].id
    tasks.claim(w.db, w.who("reviewer1"), ctx["task"])
    tasks.claim(w.db, w.who("reviewer2"), ctx["task2"])
    return ctx


def two_signers(w: World) -> dict:
    ctx = with_signer(w)
    handover.add_signer(w.db, w.who("reviewer1"), ctx["task"], w.who("reviewer3").id, "请会签")
    return ctx


def badly_rated(w: World) -> dict:
    ctx = completed(w)
    ctx["rating"] = cases.rate(w.db, w.who("applicant_a"), ctx["case"], 1, "太慢").id
    return ctx


# -- consistency and the end -----------------------------------------------------------------

def assert_consistent(w: World, case_id: int) -> None:
    """One open row per engine step, every pause on an open step, signers counted as stored."""
    with w.db.reading() as s:
        case = s.get(Case, case_id)
        rows = s.scalars(select(HumanTask).where(HumanTask.case_id == case_id, HumanTask.state == v.TASK_OPEN)).all()
        keys = [(t.instance_id, t.spiff_task_id) for t in rows]
        assert len(keys) == len(set(keys)), keys
        if case.status not in v.RUNNING:
            assert rows == [], [t.bpmn_id for t in rows]
            left = s.scalars(select(ClockSegment.id).where(ClockSegment.case_id == case_id,
                                                           ClockSegment.status.in_(("open", "requested")))).all()
            assert left == [], f"a finished case keeps open pauses or extension requests: {left}"
        open_ids = {t.id for t in rows}
        pauses = s.scalars(select(ClockSegment).where(ClockSegment.case_id == case_id, ClockSegment.kind != "extension",
                                                      ClockSegment.ended_at.is_(None))).all()
        for pause in pauses:
            assert pause.task_id in open_ids, f"pause {pause.id} of closed step {pause.task_id}"
        assert case.suspended == any(p.status == "open" for p in pauses), (case.suspended, [p.id for p in pauses])
        if case.status in v.RUNNING:     # the stored clock is the clock the rows give
            state = clock.case_state(s, case, datetime.now(OFFICE_TZ))
            stored = case.decision_due_at if case.accepted_at else case.acceptance_due_at
            assert (stored, case.used_days) == (state.due_at, state.used), (stored, case.used_days, state)
        manual = [p.task_id for p in pauses if p.opened_by is not None]
        assert len(manual) == len(set(manual)), manual
        for task in rows:
            unsigned = s.scalar(select(func.count()).select_from(TaskSigner).where(
                TaskSigner.task_id == task.id, TaskSigner.signed_at.is_(None)))
            assert task.signers_pending == unsigned, (task.bpmn_id, task.signers_pending, unsigned)
        asked = s.scalars(select(ClockSegment).where(ClockSegment.case_id == case_id, ClockSegment.kind == "extension",
                                                     ClockSegment.status == "requested")).all()
        assert len(asked) <= 1, [a.id for a in asked]
        assert audit.verify(s).ok


def finish(w: World, case_id: int) -> None:
    """Drive a bench case to its end through the services, whatever the race left open."""
    staff = [w.who(n) for n in ("reviewer1", "reviewer2", "reviewer3", "approver")]
    for _ in range(20):
        with w.db.reading() as s:
            if s.get(Case, case_id).status not in v.RUNNING:
                return
            task = s.scalars(select(HumanTask).where(HumanTask.case_id == case_id, HumanTask.state == v.TASK_OPEN)
                             .order_by(HumanTask.id)).first()
            signers = s.scalars(select(TaskSigner).where(TaskSigner.task_id == task.id,
                                                         TaskSigner.signed_at.is_(None))).all()
            pause = s.scalars(select(ClockSegment).where(ClockSegment.task_id == task.id, ClockSegment.kind != "extension",
                                                         ClockSegment.ended_at.is_(None),
                                                         ClockSegment.opened_by.is_not(None))).first()
            asked = s.scalars(select(ClockSegment).where(ClockSegment.case_id == case_id,
                                                         ClockSegment.status == "requested")).first()
        holder = next((p for p in staff if p.id == task.assignee_id), None) or \
            next(p for p in staff if can_work_on(p, task))
        if task.hold:
            cases.resubmit(w.db, w.who("applicant_a"), case_id, {}, "已补")
        elif asked is not None:
            clock_services.decide_extension(w.db, w.who("approver"), asked.id, True, "同意")
        elif signers:
            for signer in signers:
                handover.sign(w.db, next(p for p in w.people.values() if p.id == signer.user_id), task.id, "同意")
        elif pause is not None:
            clock_services.resume(w.db, holder, task.id)
        elif task.handover == "delegate":
            handover.resolve(w.db, holder, task.id, "已核")
        else:
            data = {**OK, "decision": "approve"} if task.bpmn_id == "decide" else OK
            tasks.complete(w.db, holder, task.id, data)
    raise AssertionError(f"case {case_id} did not end: {[t.bpmn_id for t in open_tasks(w.db, case_id)]}")
