"""Keeps the human-task table in step with the engine on every commit.

Inboxes, counts and dashboards read only this table, so it must always equal
the set of READY manual tasks of each workflow (checked by
``tests.helpers.assert_projection_matches``). New READY tasks are inserted; tasks
that are no longer READY are closed with the reason the command gave
(completed, withdrawn, returned) or ``cancelled`` (a timer or boundary event
took the token away).

A step may stop the statutory clock while it is open (``pausesClock`` property:
on-site inspection, testing, expert review, the public notice, the applicant's
correction). The pause is a clock segment tied to the task row, opened with it
and closed with it, whatever closes it (completion, return, recall, withdrawal,
a timer), so no path can leave a case paused after its step has ended.
"""
from __future__ import annotations

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.util.task import TaskState

from workflow.runtime.command import Command
from workflow.storage.models import ClockSegment, HumanTask, ProcessInstance, User
from workflow.timekeeping import deadlines
from workflow.vocabulary import TASK_CLOSED, TASK_OPEN, task_department


_OPEN_ROWS = select(HumanTask).where(HumanTask.instance_id == bindparam("instance_id"), HumanTask.state == TASK_OPEN)
_CASE_TASKS = select(HumanTask).where(HumanTask.case_id == bindparam("case_id"),
                                      (HumanTask.state == TASK_OPEN) | (HumanTask.id == bindparam("task_id")))
CASE_TASKS = "case_tasks"   # session.info: case id -> every task row of the case open when it was locked, and those opened since
_SEGMENTS = ClockSegment.__table__
_END_PAUSES = (update(_SEGMENTS).where(_SEGMENTS.c.task_id.in_(bindparam("ids", expanding=True)),
                                       _SEGMENTS.c.status == "open")
               .values(status="closed", ended_at=bindparam("at"), closed_by=bindparam("by")))


def ready_manual_tasks(workflow: BpmnWorkflow) -> dict[str, object]:
    return {str(t.id): t for t in workflow.get_tasks(state=TaskState.READY, manual=True)}


def properties(spiff_task) -> dict[str, str]:
    return spec_properties(spiff_task.task_spec)


def spec_properties(task_spec) -> dict[str, str]:
    return (getattr(task_spec, "extensions", None) or {}).get("properties", {})


def activation(spiff_task, version: int) -> str | None:
    """The multi-instance activation a task belongs to, or None for a plain task.

    The parent task plus the instance version at which the instances were created: a step
    that runs again after a return keeps its parent task but gets a new activation.
    """
    parent = spiff_task.parent
    if parent is None or not isinstance(parent.task_spec, MultiInstanceTask):
        return None
    return f"{parent.id}@{version}"


def load_case_tasks(session: Session, case_id: int, task_id: int | None = None) -> None:
    """Read the open tasks of a case the command has locked (and the task it works on, open or not) in
    one statement, and hold them: the task lookup, :func:`sync` and the case's status then need no
    query of their own. Only this module opens and closes task rows, so the held list stays whole."""
    session.info.setdefault(CASE_TASKS, {})[case_id] = session.scalars(
        _CASE_TASKS, {"case_id": case_id, "task_id": task_id}).all()


def new_case(session: Session, case_id: int) -> None:
    """A case this transaction created has no task rows but those it opens."""
    session.info.setdefault(CASE_TASKS, {})[case_id] = []


def open_tasks(session: Session, case_id: int) -> list[HumanTask] | None:
    """The case's open task rows as this transaction holds them, or None when it did not load them."""
    held = session.info.get(CASE_TASKS, {}).get(case_id)
    return None if held is None else [task for task in held if task.state == TASK_OPEN]


def sync(cmd: Command, row: ProcessInstance, workflow: BpmnWorkflow, department: str | None) -> list[HumanTask]:
    """Close vanished tasks and insert new ones; returns the newly opened rows."""
    session = cmd.session
    ready = ready_manual_tasks(workflow)
    held = open_tasks(session, row.case_id)
    open_rows = (session.scalars(_OPEN_ROWS, {"instance_id": row.id}).all() if held is None
                 else [task for task in held if task.instance_id == row.id])
    known, closed = set(), []
    for task in open_rows:
        if task.spiff_task_id in ready:
            known.add(task.spiff_task_id)
        else:
            _close(cmd, task)
            closed.append(task.id)
    created = [_open(cmd, row, ready[tid], department) for tid in ready if tid not in known]
    if held is not None:
        session.info[CASE_TASKS][row.case_id].extend(created)
    session.flush()
    end_pauses(cmd, closed)
    for task in created:
        _pause_for(cmd, task, properties(ready[task.spiff_task_id]).get("pausesClock"))
    return created


def end_pauses(cmd: Command, task_ids: list[int]) -> None:
    """Close every open pause the given steps opened (the step has ended, whatever ended it).

    A plain UPDATE (the ORM's would evaluate its WHERE against every loaded object); the few
    pauses of these steps this transaction may have loaded are expired, so they are read again."""
    if not task_ids:
        return
    session = cmd.session
    session.execute(_END_PAUSES, {"ids": task_ids, "at": cmd.now, "by": getattr(cmd.actor, "id", None)})
    for obj in list(session.identity_map.values()):
        if isinstance(obj, ClockSegment) and obj.task_id in task_ids:
            session.expire(obj)


def open_pause(cmd: Command, task: HumanTask, reason: str, note: str | None = None,
               by: int | None = None) -> ClockSegment:
    """Stop the case's clock for as long as ``task`` is open (or until resumed).

    ``by`` is the person who stopped it by hand; a pause the process opens for a step has none.
    """
    segment = ClockSegment(case_id=task.case_id, task_id=task.id, kind="suspension", reason=reason,
                           note=note or task.title, started_at=cmd.now, opened_by=by)
    cmd.session.add(segment)
    return segment


def _pause_for(cmd: Command, task: HumanTask, reason: str | None) -> None:
    if reason:
        open_pause(cmd, task, reason)


def _close(cmd: Command, task: HumanTask) -> None:
    task.state = TASK_CLOSED
    task.closed_at = cmd.now
    task.close_reason = cmd.close_reasons.get(task.spiff_task_id, "cancelled")
    completed_by, decision = cmd.completed_by.get(task.spiff_task_id, (None, None))
    task.completed_by = completed_by
    task.decision = decision
    task.hold = None
    task.handed_over_by = task.handover = None


def _step_limit(spiff_task, props: dict[str, str]) -> int | None:
    """The step's own limit: fixed (``stepLimitDays``) or set by an earlier step (``stepLimitFrom``)."""
    if props.get("stepLimitDays"):
        return int(props["stepLimitDays"])
    value = spiff_task.data.get(props["stepLimitFrom"]) if props.get("stepLimitFrom") else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _open(cmd: Command, row: ProcessInstance, spiff_task, department: str | None) -> HumanTask:
    props = properties(spiff_task)
    spec = spiff_task.task_spec
    limit = _step_limit(spiff_task, props)
    case = cmd.case
    due_at, yellow_at = deadlines.step_due(cmd.session, cmd.now, limit) if limit else (None, None)
    role = spec.lane or "applicant"
    task = HumanTask(
        spiff_task_id=str(spiff_task.id), instance_id=row.id, case_id=row.case_id,
        matter_code=row.matter_code, bpmn_id=spec.bpmn_id or spec.name,
        title=spec.bpmn_name or spec.bpmn_id or spec.name, form_key=props.get("formKey"),
        role=role, department_code=task_department(role, props.get("department") or department),
        organisation_id=case.organisation_id if case else None, state=TASK_OPEN,
        green_channel=bool(case.green_channel) if case else False,
        distinct_assignees=props.get("distinctAssignees") == "true", activation=activation(spiff_task, row.version),
        step_limit_days=limit, created_at=cmd.now, due_at=due_at, yellow_at=yellow_at,
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
