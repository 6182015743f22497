"""What must hold after every action of the simulated bureau, on the case it touched.

Each check returns the problems it found as short sentences; the simulator records them with
the case, the step and the action that led there.
"""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workflow import vocabulary as v
from workflow.domain import case_status, policy
from workflow.domain.matters import MATTERS, get_matter
from workflow.domain.permissions import can_work_on
from workflow.runtime import instances
from workflow.runtime.projection import ready_manual_tasks
from workflow.services import case_view
from workflow.storage.models import AwardRound, Case, Certificate, ClockSegment, HumanTask, ProcessInstance, TaskSigner, User

PROGRESSING = {"complete", "claim", "sign", "resolve", "close_round", "reclaim"}
ACTION_EVENTS = {"file": "submit", "correction": "return_to_applicant", "extension": "extension_requested",
                 "close_round": "round_closed", "rating": "rate", "decide": ("extension_approved",
                                                                          "extension_rejected")}


def check_case(session: Session, case: Case, staff: list[User], applicants: list[User], now) -> list[str]:
    problems: list[str] = []
    rows = list(session.scalars(select(ProcessInstance).where(ProcessInstance.case_id == case.id)))
    open_tasks = list(session.scalars(select(HumanTask).where(HumanTask.case_id == case.id,
                                                              HumanTask.state == v.TASK_OPEN)))
    problems += _projection(session, rows, open_tasks)
    problems += _pauses(session, case, open_tasks)
    problems += _clock(case)
    problems += _outcome(session, case, rows)
    problems += _quota(session, case)
    if case.status in v.RUNNING:
        problems += _someone_can_act(session, case, rows, open_tasks, staff, applicants, now)
    return problems


def _projection(session: Session, rows: list[ProcessInstance], open_tasks: list[HumanTask]) -> list[str]:
    problems = []
    for row in rows:
        expected = set(ready_manual_tasks(instances.peek(session, row)))
        projected = {t.spiff_task_id for t in open_tasks if t.instance_id == row.id}
        if expected != projected:
            problems.append(f"task table differs from the engine for instance {row.id}")
        if row.status != v.INSTANCE_RUNNING and projected:
            problems.append(f"finished instance {row.id} still has open tasks")
    return problems


def _pauses(session: Session, case: Case, open_tasks: list[HumanTask]) -> list[str]:
    open_ids = {t.id for t in open_tasks}
    problems = []
    for segment in session.scalars(select(ClockSegment).where(ClockSegment.case_id == case.id,
                                                              ClockSegment.kind == "suspension",
                                                              ClockSegment.status == "open")):
        if segment.task_id not in open_ids:
            problems.append(f"pause {segment.id} ({segment.reason}) open after its step ended")
    if case.status not in v.RUNNING and case.suspended:
        problems.append("finished case still shown as suspended")
    return problems


def _clock(case: Case) -> list[str]:
    if case.limit_days is None or case.remaining_days is None:
        return []
    if case.used_days + case.remaining_days != case.limit_days:
        return [f"used {case.used_days} + remaining {case.remaining_days} != limit {case.limit_days}"]
    return []


def _outcome(session: Session, case: Case, rows: list[ProcessInstance]) -> list[str]:
    problems = []
    if case.status == v.COMPLETED:
        outcomes = [r.outcome or r.status for r in rows]
        if case.outcome != case_status.combined_outcome(outcomes):
            problems.append(f"case outcome {case.outcome} does not follow from {outcomes}")
    tasks = list(session.scalars(select(HumanTask).where(HumanTask.case_id == case.id)))
    for row in rows:
        steps = case_view.matter_steps(row, tasks)
        if row.status != v.INSTANCE_RUNNING and any(s.state == "current" for s in steps):
            problems.append(f"finished matter {row.matter_code} still shows a current step")
        done = any(s.state == "done" for s in steps if s.title in _outcome_titles(row.matter_code))
        if done != (row.outcome in v.POSITIVE_OUTCOMES or row.outcome == v.PARTLY_GRANTED):
            problems.append(f"{row.matter_code}: the result step and the outcome {row.outcome} disagree")
    problems += _certificates(session, case, rows)
    if case.status == v.WITHDRAWN and any(r.status == v.INSTANCE_RUNNING for r in rows):
        problems.append("withdrawn case still has a running process")
    return problems


def _quota(session: Session, case: Case) -> list[str]:
    """An award round never selects more nominations than its quota."""
    code = (case.data or {}).get("round")
    if not any(get_matter(m).award_round for m in case.matters or ()) or not code:
        return []
    row = session.get(AwardRound, code)
    selected = session.scalar(select(func.count(HumanTask.id)).join(Case, Case.id == HumanTask.case_id).where(
        HumanTask.form_key == "ranking", HumanTask.decision == "selected", Case.data["round"].as_string() == code))
    return [f"round {code} selected {selected} nominations for a quota of {row.quota}"] if selected > row.quota else []


def _certificates(session: Session, case: Case, rows: list[ProcessInstance]) -> list[str]:
    certs = list(session.scalars(select(Certificate).where(Certificate.case_id == case.id)))
    problems = []
    for row in rows:
        mine = [c for c in certs if c.matter_code == row.matter_code]
        valid = [c for c in mine if c.status == "valid"]
        matter = get_matter(row.matter_code)
        if row.outcome in (v.DENIED, v.REFUSED, v.NOT_AWARDED, v.OUTCOME_WITHDRAWN) and valid and \
                not matter.certificate_per_item:
            problems.append(f"{row.matter_code} ended {row.outcome} but holds a valid certificate")
        if row.outcome == v.REVOKED and valid:
            problems.append(f"{row.matter_code} revoked but its certificate is still valid")
        if row.outcome in (v.GRANTED, v.REGISTERED, v.AWARDED) and matter.issues_certificates and not valid:
            problems.append(f"{row.matter_code} ended {row.outcome} without a certificate")
    return problems


def _someone_can_act(session, case, rows, open_tasks, staff, applicants, now) -> list[str]:
    if any(r.status == v.INSTANCE_RUNNING and r.next_timer_at is not None for r in rows):
        return []
    for task in open_tasks:
        if any(_progresses(session, person, task, case, now) for person in _who_might(session, task, staff, applicants)):
            return []
    if any(t.hold for t in open_tasks):
        ctx = policy.CaseContext
        if any(any(a.op == "resubmit" for a in policy.case_actions(ctx(session, p, case, now)))
               for p in applicants if p.organisation_id == case.organisation_id):
            return []
    if not open_tasks and all(r.status != v.INSTANCE_RUNNING for r in rows):
        return ["case still running although every process has ended"]
    steps = ", ".join(sorted({t.bpmn_id for t in open_tasks})) or "no open step"
    return [f"dead end: nobody can move the case on ({steps})"]


def _who_might(session, task: HumanTask, staff: list[User], applicants: list[User]) -> list[User]:
    signers = {s.user_id for s in session.scalars(select(TaskSigner).where(
        TaskSigner.task_id == task.id, TaskSigner.signed_at.is_(None)))}
    named = {task.assignee_id, task.handed_over_by} | signers
    people = applicants if task.role == "applicant" else staff
    return [p for p in people if p.id in named or can_work_on(p, task)]


def _progresses(session, person: User, task: HumanTask, case: Case, now) -> bool:
    return bool(policy.task_actions(policy.TaskContext(session, person, task, case, now), only=PROGRESSING))


def _outcome_titles(matter_code: str) -> set[str]:
    matter = MATTERS.get(matter_code)
    return {s.title_zh for s in matter.progress if s.kind == "outcome"} if matter else set()
