"""A small bureau for flow tests: people who file and work cases through the service layer,
on a clock the test moves by hand."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from tests.helpers import ORG_B, open_tasks
from tests.test_forms import VALID
from workflow.domain import policy
from workflow.domain.matters import MATTERS
from workflow.domain.permissions import can_work_on
from workflow.services import cases, sweep, tasks, timers
from workflow.storage.db import Database
from workflow.storage.models import AuditEvent, Case, Certificate, ClockSegment, HumanTask, ProcessInstance
from workflow.timekeeping.now import ManualClock

OK = {"opinion": "同意"}
OTHER_ENTERPRISE = {"company_name": ORG_B[1], "credit_code": ORG_B[0]}


@dataclass
class Outcome:
    case: Case
    certificates: list[Certificate]
    outcomes: list[str]
    segments: list[ClockSegment]
    actions: list[str]


@dataclass
class Bureau:
    db: Database
    people: dict
    clock: ManualClock

    # -- applicants -------------------------------------------------------------------
    def file(self, matters, data=None, who="applicant_a", green=False) -> Case:
        payload = {}
        for matter in matters:
            payload.update(VALID[MATTERS[matter].application_form])
        if who == "applicant_b":
            payload.update(OTHER_ENTERPRISE)
        payload.update(data or {})
        return cases.submit(self.db, self.people[who], matters, payload, green)

    # -- staff --------------------------------------------------------------------------
    def task(self, case_id: int, bpmn_id: str, who: str | None = None) -> HumanTask:
        found = [t for t in open_tasks(self.db, case_id, bpmn_id)
                 if who is None or (t.assignee_id in (None, self.people[who].id) and can_work_on(self.people[who], t))]
        assert found, f"no open {bpmn_id} for {who}; open: {[t.bpmn_id for t in open_tasks(self.db, case_id)]}"
        return found[0]

    def act(self, who: str, case_id: int, bpmn_id: str, **data) -> HumanTask:
        """The named person completes the (first) open task with this BPMN id."""
        task = self.task(case_id, bpmn_id, who)
        tasks.complete(self.db, self.people[who], task.id, {**OK, **data})
        return task

    def claim(self, who: str, case_id: int, bpmn_id: str) -> HumanTask:
        task = self.task(case_id, bpmn_id, who)
        return tasks.claim(self.db, self.people[who], task.id)

    def accept(self, case_id: int, **extra) -> None:
        self.act("window", case_id, "acceptance", decision="accept", **extra)

    def reviews(self, case_id: int, decisions=("pass", "pass")) -> None:
        self.act("reviewer1", case_id, "document_review", decision=decisions[0])
        self.act("reviewer2", case_id, "document_review", decision=decisions[1])

    def actions(self, who: str, task_id: int) -> dict[str, policy.Action]:
        with self.db.reading() as session:
            task = session.get(HumanTask, task_id)
            ctx = policy.TaskContext(session, self.people[who], task, session.get(Case, task.case_id),
                                     self.clock())
            return {a.op: a for a in policy.task_actions(ctx)}

    # -- time -----------------------------------------------------------------------------
    def advance(self, **delta) -> None:
        """Let time pass, then run the sweeps a worker would run."""
        self.clock.advance(timedelta(**delta))
        timers.run_due(self.db)
        sweep.sweep(self.db)

    # -- reading ---------------------------------------------------------------------------
    def outcome(self, case_id: int) -> Outcome:
        with self.db.reading() as s:
            return Outcome(
                s.get(Case, case_id),
                list(s.scalars(select(Certificate).where(Certificate.case_id == case_id).order_by(Certificate.id))),
                list(s.scalars(select(ProcessInstance.outcome).where(ProcessInstance.case_id == case_id)
                               .order_by(ProcessInstance.id))),
                list(s.scalars(select(ClockSegment).where(ClockSegment.case_id == case_id).order_by(ClockSegment.id))),
                list(s.scalars(select(AuditEvent.action).where(AuditEvent.case_id == case_id)
                               .order_by(AuditEvent.seq))))

    def open_steps(self, case_id: int) -> list[str]:
        return [t.bpmn_id for t in open_tasks(self.db, case_id)]
