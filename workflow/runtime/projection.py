"""Keeps the human-task table in step with the engine on every commit.

Inboxes, counts and dashboards read only this table, so it must always equal
the set of READY manual tasks of each workflow (checked by
``tests.helpers.assert_projection_matches``). New READY tasks are inserted; tasks
that are no longer READY are closed with the reason the command gave
(completed, withdrawn, returned) or ``cancelled`` (a timer or boundary event
took the token away).
"""
from __future__ import annotations

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from workflow.runtime.command import Command
from workflow.storage.models import HumanTask, ProcessInstance, User
from workflow.timekeeping import deadlines
from workflow.vocabulary import task_department


def ready_manual_tasks(workflow: BpmnWorkflow) -> dict[str, object]:
    return {str(t.id): t for t in workflow.get_tasks(state=TaskState.READY, manual=True)}


def properties(spiff_task) -> dict[str, str]:
    return (getattr(spiff_task.task_spec, "extensions", None) or {}).get("properties", {})


def sync(cmd: Command, row: ProcessInstance, workflow: BpmnWorkflow, department: str | None) -> list[HumanTask]:
    """Close vanished tasks and insert new ones; returns the newly opened rows."""
    session = cmd.session
    ready = ready_manual_tasks(workflow)
    open_rows = session.scalars(
        select(HumanTask).where(HumanTask.instance_id == row.id, HumanTask.state == "open")
    ).all()
    known = set()
    for task in open_rows:
        if task.spiff_task_id in ready:
            known.add(task.spiff_task_id)
        else:
            _close(cmd, task)
    created = [_open(cmd, row, ready[tid], department) for tid in ready if tid not in known]
    session.flush()
    return created


def _close(cmd: Command, task: HumanTask) -> None:
    task.state = "closed"
    task.closed_at = cmd.now
    task.close_reason = cmd.close_reasons.get(task.spiff_task_id, "cancelled")
    completed_by, decision = cmd.completed_by.get(task.spiff_task_id, (None, None))
    task.completed_by = completed_by
    task.decision = decision
    task.hold = None


def _open(cmd: Command, row: ProcessInstance, spiff_task, department: str | None) -> HumanTask:
    props = properties(spiff_task)
    spec = spiff_task.task_spec
    limit = int(props["stepLimitDays"]) if props.get("stepLimitDays") else None
    case = cmd.case
    due_at, yellow_at = deadlines.step_due(cmd.session, cmd.now, limit) if limit else (None, None)
    task = HumanTask(
        spiff_task_id=str(spiff_task.id), instance_id=row.id, case_id=row.case_id,
        matter_code=row.matter_code, bpmn_id=spec.bpmn_id or spec.name,
        title=spec.bpmn_name or spec.bpmn_id or spec.name, form_key=props.get("formKey"),
        role=spec.lane or "applicant",
        department_code=task_department(spec.lane or "applicant", props.get("department") or department),
        organisation_id=case.organisation_id if case else None, state="open",
        green_channel=bool(case.green_channel) if case else False,
        distinct_assignees=props.get("distinctAssignees") == "true",
        step_limit_days=limit, created_at=cmd.now,
        due_at=due_at, yellow_at=yellow_at,
    )
    assignee_key = props.get("assigneeFrom")
    if assignee_key:
        task.assignee_id = _user_id(cmd, spiff_task.data.get(assignee_key))
        task.claimed_at = cmd.now if task.assignee_id else None
    cmd.session.add(task)
    return task


def _user_id(cmd: Command, username: object) -> int | None:
    if not isinstance(username, str):
        return None
    return cmd.session.scalar(select(User.id).where(User.username == username))

