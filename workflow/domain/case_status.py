"""A case's status follows from its instances and open tasks; recomputed after every command."""
from __future__ import annotations

from sqlalchemy import func, select

from workflow.domain import clock
from workflow.runtime.command import Command
from workflow.storage.models import HumanTask, ProcessInstance

GRANTED = {"granted", "registered", "filed", "awarded"}


def combined_outcome(outcomes: list[str]) -> str:
    """One outcome for the case: the common one, or ``partly_granted`` for a mixed joint filing."""
    distinct = set(outcomes)
    if len(distinct) == 1:
        return outcomes[0]
    if distinct & GRANTED:
        return "partly_granted"
    return sorted(distinct)[0]


def refresh(cmd: Command) -> None:
    """Recompute status and outcome, then the clock, after a command changed the case."""
    _refresh_status(cmd)
    clock.refresh_case(cmd.session, cmd.case, cmd.now)


def _refresh_status(cmd: Command) -> None:
    case, session = cmd.case, cmd.session
    if case.status == "withdrawn":
        return
    instances = session.execute(
        select(ProcessInstance.status, ProcessInstance.outcome).where(ProcessInstance.case_id == case.id)
    ).all()
    if instances and all(status != "running" for status, _ in instances):
        case.status = "completed"
        case.outcome = combined_outcome([outcome or status for status, outcome in instances])
        case.completed_at = case.completed_at or cmd.now
        return
    waiting_applicant = session.scalar(
        select(func.count(HumanTask.id)).where(
            HumanTask.case_id == case.id, HumanTask.state == "open",
            (HumanTask.role == "applicant") | (HumanTask.hold.is_not(None)))
    )
    if waiting_applicant:
        case.status = "correction"
    else:
        case.status = "in_progress" if case.accepted_at else "submitted"
