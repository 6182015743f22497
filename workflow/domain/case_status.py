"""A case's status and outcome follow from its instances and open tasks; recomputed after every command."""
from __future__ import annotations

from sqlalchemy import bindparam, select

from workflow import vocabulary as v
from workflow.domain import clock
from workflow.runtime import instances as instances_of
from workflow.runtime import projection
from workflow.runtime.command import Command
from workflow.storage.db import assign
from workflow.storage.models import ClockSegment, HumanTask, ProcessInstance

RECTIFICATION_FORMS = ("rectification",)
# The case's open steps that wait for the applicant (their own step, or one held for correction).
_WAITING = select(HumanTask.form_key).where(HumanTask.case_id == bindparam("case_id"), HumanTask.state == v.TASK_OPEN,
                                            (HumanTask.role == "applicant") | (HumanTask.hold.is_not(None)))
_REQUESTS = select(ClockSegment).where(ClockSegment.case_id == bindparam("case_id"), ClockSegment.status == "requested")


def combined_outcome(outcomes: list[str]) -> str:
    """One outcome for the case (a joint filing has one per matter).

    Every matter granted in its own way (licence granted, boiler registered) is a grant;
    some granted and some not is ``partly_granted``; none granted keeps the common refusal.
    """
    distinct = set(outcomes)
    if len(distinct) == 1:
        return outcomes[0]
    if distinct <= v.POSITIVE_OUTCOMES:
        return v.GRANTED
    if distinct & (v.POSITIVE_OUTCOMES | {v.PARTLY_GRANTED}):
        return v.PARTLY_GRANTED
    return v.DENIED if v.DENIED in distinct else sorted(distinct)[0]


def _lapse_requests(session, case_id: int, now) -> None:
    """An extension request nobody decided before the case ended lapses (as on a withdrawal): a
    finished case has no limit left to extend, and the approver's list keeps only what they can decide."""
    for segment in session.scalars(_REQUESTS, {"case_id": case_id}):
        segment.status, segment.ended_at = "lapsed", now


def refresh(cmd: Command) -> None:
    """Recompute status and outcome, then the clock, after a command changed the case."""
    _refresh_status(cmd)
    clock.refresh_case(cmd.session, cmd.case, cmd.now)


def _refresh_status(cmd: Command) -> None:
    case, session = cmd.case, cmd.session
    if case.status == v.WITHDRAWN:
        return
    held = instances_of.of_case(session, case.id)
    instances = [(row.status, row.outcome) for row in held] if held is not None else session.execute(
        select(ProcessInstance.status, ProcessInstance.outcome).where(ProcessInstance.case_id == case.id)
    ).all()
    if instances and all(status != v.INSTANCE_RUNNING for status, _ in instances):
        if case.status != v.COMPLETED:
            _lapse_requests(session, case.id, cmd.now)
        assign(case, status=v.COMPLETED, outcome=combined_outcome([outcome or status for status, outcome in instances]),
               completed_at=case.completed_at or cmd.now)
        return
    held = projection.open_tasks(session, case.id)
    waiting = session.scalars(_WAITING, {"case_id": case.id}).all() if held is None else [
        task.form_key for task in held if task.role == "applicant" or task.hold is not None]
    if waiting:
        assign(case, status=v.RECTIFICATION if all(f in RECTIFICATION_FORMS for f in waiting) else v.CORRECTION)
    else:
        assign(case, status=v.IN_PROGRESS if case.accepted_at else v.SUBMITTED)
