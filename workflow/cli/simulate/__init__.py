"""The bureau simulator: a profile of filings worked by simulated people, checked after every action.

``python -m workflow simulate [--profile NAME] [--seed N]`` files the profile's cases over its
period on a simulated clock; every simulated person chooses at random among the actions the
action policy offers them (weighted toward progress, but taking every side path: corrections,
returns, recalls, signers, transfers, delegation, suspensions, extensions, withdrawals, denials,
objections), time advances hour by hour with the timer and clock sweeps a worker would run, and
after every action the invariants of ``invariants.py`` are checked on the case it touched. An
offered action that fails, a case nobody can move on, or a broken invariant is reported with
the case, the step and the action.
"""
from __future__ import annotations

import random
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from workflow import vocabulary as v
from workflow.cli.simulate import choices, invariants
from workflow.cli.simulate.profiles import PROFILES, Profile
from workflow.cli.simulate.world import Applications, World, build
from workflow.domain import policy
from workflow.domain.matters import MATTERS
from workflow.domain.permissions import can_work_on
from workflow.domain.policy.case_rules import BAD_LEVELS
from workflow.errors import EngineError
from workflow.services import cases, clock, dispatch, report_summary, reports, sweep, timers
from workflow.storage import audit
from workflow.storage.db import Database
from workflow.storage.models import AuditEvent, Case, Certificate, ClockSegment, HumanTask, Rating, TaskSigner
from workflow.timekeeping import now as engine_clock
from workflow.timekeeping.deadlines import get_calendar
from workflow.timekeeping.workdays import OFFICE_TZ, local_date

OFFICE_OPENS, OFFICE_CLOSES = 9, 17


@dataclass
class Break:
    case: str
    step: str
    action: str
    who: str
    problem: str

    def __str__(self) -> str:
        return f"{self.case} · {self.step} · {self.action} by {self.who}: {self.problem}"


@dataclass
class Report:
    profile: str
    seed: int
    actions: Counter = field(default_factory=Counter)
    breaks: list[Break] = field(default_factory=list)
    seconds: float = 0.0
    cases: int = 0
    finished: int = 0
    certificates: int = 0
    outcomes: Counter = field(default_factory=Counter)
    period: reports.PeriodReport | None = None

    @property
    def total_actions(self) -> int:
        return sum(self.actions.values())


class Simulation:
    def __init__(self, world: World, profile: Profile, rng: random.Random, clock_: engine_clock.ManualClock) -> None:
        self.world, self.profile, self.rng, self.clock = world, profile, rng, clock_
        self.db = world.db
        self.apps = Applications(rng)
        self.staff = [p for p in world.people.values() if p.role != "applicant"]
        self.report = Report(profile.name, 0)
        self.rated: set[int] = set()
        self.awards_to_file = profile.award_nominations
        self.audit_seq, self.audit_hash = 0, audit.GENESIS

    # -- the schedule --------------------------------------------------------------------------
    def arrivals(self) -> list[tuple[datetime, str, dict]]:
        p, rng = self.profile, self.rng
        items: list[tuple[str, dict]] = [(m, {}) for m, n in p.filings.items() for _ in range(n)]
        left = p.cng_vehicles
        while left > 0:
            batch = min(left, rng.randint(1, p.cng_batch_max))
            items.append(("cng_cylinder", {"count": batch}))
            left -= batch
        items += [("joint", {})] * p.joint_filings + [("quality_award", {})] * p.award_nominations
        span = timedelta(weeks=p.weeks)
        timed = [(p.start + span * rng.random(), kind, extra) for kind, extra in items]
        amend_at = p.start + span * 0.8
        timed += [(amend_at + timedelta(hours=i), "amend", {}) for i in range(p.amendments)]
        return sorted(((self.office_time(t), k, e) for t, k, e in timed), key=lambda item: item[0])

    def office_time(self, moment: datetime) -> datetime:
        """The moment moved into office hours on a working day (filings come in when the window is open)."""
        with self.db.reading() as session:
            cal = get_calendar(session)
        local = moment.astimezone(OFFICE_TZ)
        day = cal.next_workday(local.date())
        hour = min(max(local.hour, OFFICE_OPENS), OFFICE_CLOSES - 1)
        return datetime(day.year, day.month, day.day, hour, local.minute, tzinfo=OFFICE_TZ)

    def next_tick(self, moment: datetime) -> datetime:
        local = moment.astimezone(OFFICE_TZ) + timedelta(hours=1)
        if local.hour >= OFFICE_CLOSES:
            local = (local + timedelta(days=1)).replace(hour=OFFICE_OPENS, minute=0)
        return self.office_time(local)

    # -- the run -------------------------------------------------------------------------------
    def run(self) -> Report:
        started = time.perf_counter()
        queue = self.arrivals()
        end = self.profile.start + timedelta(weeks=self.profile.weeks + self.profile.extra_weeks)
        moment = self.profile.start
        while True:
            self.clock.set(moment)
            while queue and queue[0][0] <= moment:
                _at, kind, extra = queue.pop(0)
                self.awards_to_file -= kind == "quality_award"
                self.file(kind, extra)
            self.staff_round()
            self.applicant_round()
            self.sweeps(moment)
            if not queue and not self.running_cases():
                break
            if moment > end:
                self.stuck()
                break
            moment = self.next_tick(moment)
        self.finish(time.perf_counter() - started)
        return self.report

    def sweeps(self, moment: datetime) -> None:
        """Timers every simulated hour; the clock sweep twice a day, as a worker's would suffice."""
        timers.run_due(self.db)
        if moment.astimezone(OFFICE_TZ).hour in (OFFICE_OPENS, OFFICE_OPENS + 4):
            sweep.sweep(self.db)

    def running_cases(self) -> list[int]:
        with self.db.reading() as session:
            return list(session.scalars(select(Case.id).where(Case.status.in_(v.RUNNING))))

    # -- applicants ----------------------------------------------------------------------------
    def file(self, kind: str, extra: dict) -> None:
        person = self.rng.choice(self.world.applicants)
        org = self.world.organisations[person.organisation_id]
        if kind == "joint":
            matters = ["food_license", "equipment_registration"]
            data = {**self.apps.data("food_license", org), **self.apps.equipment_registration(),
                    "equipment_kind": "1000", "variety_code": "1100"}
        elif kind == "amend":
            licence = self.licence_to_amend()
            if licence is None:
                return
            person = next(p for p in self.world.applicants if p.organisation_id == licence.organisation_id)
            matters = ["food_license_change"]
            data = self.apps.data("food_license_change", self.world.organisations[licence.organisation_id],
                                  license_number=licence.number,
                                  change_kind=self.rng.choice(["change", "cancellation"]))
        else:
            matters = [kind]
            data = self.apps.data(kind, org, extra)
        green = self.rng.random() < 0.05
        self.act("file", person, None, lambda: cases.submit(self.db, person, matters, data, green))

    def licence_to_amend(self) -> Certificate | None:
        with self.db.reading() as session:
            taken = {c.data.get("license_number") for c in session.scalars(
                select(Case).where(Case.matters.is_not(None))) if c.data}
            amended = MATTERS["food_license_change"].amends
            for cert in session.scalars(select(Certificate).where(Certificate.matter_code == amended,
                                                                  Certificate.status == "valid")):
                if cert.number not in taken:
                    return cert
        return None

    def applicant_round(self) -> None:
        with self.db.reading() as session:
            held = session.scalars(select(HumanTask.case_id).where(HumanTask.state == v.TASK_OPEN,
                                                                   HumanTask.hold == "correction").distinct()).all()
            running = session.scalars(select(Case.id).where(Case.status.in_(v.RUNNING))).all()
            done = session.execute(select(Case.id, Case.matters).where(Case.status == v.COMPLETED)).all()
        for case_id in held:
            if self.rng.random() < 0.5:
                self.case_op(case_id, "resubmit", {"data": {}})
        for case_id in running:
            if self.rng.random() < 0.0005 * self.profile.side_paths:
                self.case_op(case_id, "withdraw", {"reason": "企业计划调整"})
        for case_id, matters in done:
            if case_id not in self.rated and self.rng.random() < 0.3:
                self.rated.add(case_id)
                for matter in matters:        # one rating per matter (GB/T 39734-2020)
                    level = self.rng.choice([5, 5, 5, 4, 4, 3, 2])
                    self.case_op(case_id, "rating", {"level": level, "comment": "一般" if level < 3 else None,
                                                     "matter": matter})

    def case_op(self, case_id: int, op: str, params: dict) -> None:
        with self.db.reading() as session:
            case = session.get(Case, case_id)
            person = next((p for p in self.world.applicants if p.organisation_id == case.organisation_id), None)
            offered = {a.op for a in policy.case_actions(policy.CaseContext(session, person, case, self.clock()))}
        if op in offered:
            self.act(op, person, case_id, lambda: dispatch.run_case_op(self.db, person, case_id, op, params))

    # -- staff -----------------------------------------------------------------------------------
    def staff_round(self) -> None:
        with self.db.reading() as session:
            open_ids = session.scalars(select(HumanTask.id).where(HumanTask.state == v.TASK_OPEN)).all()
            extensions = session.scalars(select(ClockSegment.id).where(ClockSegment.kind == "extension",
                                                                       ClockSegment.status == "requested")).all()
        sample = self.rng.sample(open_ids, min(len(open_ids), 4 + len(open_ids) // 8))
        for task_id in sample:
            self.work_on(task_id)
        for segment_id in extensions:
            self.decide_extension(segment_id)
        self.answer_bad_ratings()

    def answer_bad_ratings(self) -> None:
        """差评整改: the supervisor answers most bad ratings, through the action the policy offers."""
        supervisor = self.world.people["supervisor1"]
        with self.db.reading() as session:
            waiting = session.execute(select(Rating.case_id, Rating.id).where(
                Rating.replied_at.is_(None), Rating.level.in_(BAD_LEVELS))).all()
        for case_id, rating_id in waiting:
            if self.rng.random() < 0.7:
                self.act("rating_reply", supervisor, case_id, lambda c=case_id, r=rating_id: dispatch.run_case_op(
                    self.db, supervisor, c, "rating_reply", {"rating_id": r, "reply": "已核实并整改，感谢监督"}))

    def work_on(self, task_id: int) -> None:
        with self.db.reading() as session:
            task = session.get(HumanTask, task_id)
            if task is None or task.state != v.TASK_OPEN:
                return
            case = session.get(Case, task.case_id)
            person = self.who(session, task)
            if person is None:
                return
            offered = policy.task_actions(policy.TaskContext(session, person, task, case, self.clock()))
            action = choices.pick_action(self.rng, offered, self.profile.side_paths, self.round_ready(session))
            if action is None:
                return
            params = choices.params(self.rng, action, task, case.data or {}, self.profile.favour)
        self.act(action.op, person, task.case_id,
                 lambda: dispatch.run_task_op(self.db, person, task_id, action.op, params), step=task.title)

    def round_ready(self, session) -> bool:
        """Every nomination filed, and none of them still before the ranking step."""
        if self.awards_to_file:
            return False
        waiting = session.scalars(select(HumanTask.form_key).where(
            HumanTask.state == v.TASK_OPEN,
            HumanTask.matter_code.in_([code for code, m in MATTERS.items() if m.award_round]))).all()
        return all(key == "ranking" for key in waiting)

    def who(self, session, task: HumanTask):
        """Whoever would look at this task now: its holder, an asked signer, or someone of its queue."""
        signers = session.scalars(select(TaskSigner.user_id).where(TaskSigner.task_id == task.id,
                                                                   TaskSigner.signed_at.is_(None))).all()
        named = [task.assignee_id, task.handed_over_by, *signers]
        pool = self.world.applicants if task.role == "applicant" else self.staff
        candidates = [p for p in pool if p.id in named] if self.rng.random() < 0.8 else []
        candidates = candidates or [p for p in pool if p.id in named or can_work_on(p, task)]
        return self.rng.choice(candidates) if candidates else None

    def decide_extension(self, segment_id: int) -> None:
        with self.db.reading() as session:
            segment = session.get(ClockSegment, segment_id)
            case = session.get(Case, segment.case_id)
            for person in (p for p in self.staff if p.role == "approver"):
                offered = {a.op: a for a in policy.case_actions(policy.CaseContext(session, person, case,
                                                                                    self.clock()))}
                if "decide" in offered:
                    approve = self.rng.random() < 0.8 and True in offered["decide"].choices["approve"]
                    break
            else:
                return
        self.act("decide", person, case.id,
                 lambda: clock.decide_extension(self.db, person, segment_id, approve, "同意" if approve else "不同意"))

    # -- one action and its checks --------------------------------------------------------------
    def act(self, op: str, person, case_id: int | None, perform, step: str = "") -> None:
        try:
            result = perform()
        except EngineError as exc:
            self.report.breaks.append(Break(self.case_number(case_id), step, op, person.username,
                                            f"offered but refused: {exc.message} {exc.fields or ''}"))
            return
        self.report.actions[op] += 1
        if case_id is None:
            case_id = result.id
        for problem in self.check(case_id, op):
            self.report.breaks.append(Break(self.case_number(case_id), step, op, person.username, problem))

    def case_number(self, case_id: int | None) -> str:
        if case_id is None:
            return "(new filing)"
        with self.db.reading() as session:
            return session.scalar(select(Case.number).where(Case.id == case_id)) or str(case_id)

    def check(self, case_id: int, op: str) -> list[str]:
        with self.db.reading() as session:
            case = session.get(Case, case_id)
            problems = invariants.check_case(session, case, self.staff, self.world.applicants, self.clock())
            problems += self.check_audit(session, case_id, op)
        return problems

    def check_audit(self, session, case_id: int, op: str) -> list[str]:
        result, self.audit_seq, self.audit_hash = audit.verify_since(session, self.audit_seq, self.audit_hash)
        if not result.ok:
            return [f"audit chain broken at {result.broken_seq}: {result.reason}"]
        expected = invariants.ACTION_EVENTS.get(op, op)
        expected = expected if isinstance(expected, tuple) else (expected,)
        recent = session.scalar(select(func.count(AuditEvent.seq)).where(
            AuditEvent.seq > self.audit_seq - result.checked, AuditEvent.action.in_(expected)))
        return [] if recent else [f"no {'/'.join(expected)} event recorded"]

    # -- the end --------------------------------------------------------------------------------
    def stuck(self) -> None:
        for case_id in self.running_cases():
            with self.db.reading() as session:
                steps = sorted({t.title for t in session.scalars(select(HumanTask).where(
                    HumanTask.case_id == case_id, HumanTask.state == v.TASK_OPEN))})
            self.report.breaks.append(Break(self.case_number(case_id), ", ".join(steps), "-", "-",
                                            "still running when the simulation ended"))

    def finish(self, seconds: float) -> None:
        r = self.report
        r.seconds = seconds
        with self.db.reading() as session:
            r.cases = session.scalar(select(func.count(Case.id)))
            r.finished = session.scalar(select(func.count(Case.id)).where(Case.status.in_(v.FINISHED)))
            r.certificates = session.scalar(select(func.count(Certificate.id)))
            r.outcomes = Counter(dict(session.execute(select(Case.outcome, func.count(Case.id))
                                                      .group_by(Case.outcome)).all()))
            r.breaks += [Break("-", "-", "-", "-", f"report summary differs from a recount: {line}")
                         for line in report_summary.differences(session)]
        supervisor = self.world.people["supervisor1"]
        start = local_date(self.profile.start)
        r.period = reports.period_report(self.db, supervisor, start, start + timedelta(weeks=self.profile.weeks))


def run(profile: str = "half-year", seed: int = 1, url: str | None = None) -> Report:
    """Run one simulation on a fresh database (a temporary SQLite file unless ``url`` is given)."""
    chosen = PROFILES[profile]
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="simulate-") as folder:
        db = Database(url or f"sqlite:///{Path(folder) / 'bureau.db'}")
        manual = engine_clock.ManualClock(chosen.start)
        with engine_clock.use(manual):
            world = build(db, chosen.enterprises, chosen.award_quota, rng)
            simulation = Simulation(world, chosen, rng, manual)
            simulation.report.seed = seed
            report = simulation.run()
        db.dispose()
    return report
