"""Loading, running and saving process instances inside one command.

Steps 1, 4 and 5 of "how a command flows": lock the instance row and check the
caller's expected version, rebuild the workflow from its state and the cached
spec of its version, and after the change write back state, version + 1, the
next timer and the human-task projection.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.exceptions import WorkflowException
from sqlalchemy import bindparam, select

from workflow.errors import Conflict, NotFound, ValidationError, msg
from workflow.runtime import live_cache, operations, projection
from workflow.runtime.command import Command
from workflow.runtime.deployment import latest_version_id
from workflow.runtime.expressions import ExpressionError
from workflow.runtime.spiff_runtime import SafeScriptEngine, dump_workflow, load_spec, new_workflow, restore_workflow
from workflow.storage.models import HumanTask, ProcessInstance, ProcessVersion


LOCKED_CASES = "locked_cases"    # session.info: case id -> the case row this transaction locked
LOCKED = "locked_instances"      # session.info: instance id -> the row this transaction locked
CASE_ROWS = "case_instances"     # session.info: case id -> all its instance rows, locked in id order


@dataclass
class Running:
    """An instance row with its live workflow, loaded for one command."""
    row: ProcessInstance
    workflow: BpmnWorkflow


def _engine(cmd: Command, row: ProcessInstance) -> SafeScriptEngine:
    return SafeScriptEngine(lambda task, name, params: operations.run(cmd, row, task, name, params))


def _spec(cmd: Command, version_id: int):
    return load_spec(str(cmd.session.bind.url), version_id, lambda: cmd.session.scalar(
        select(ProcessVersion.spec_json).where(ProcessVersion.id == version_id)))


def start(cmd: Command, process_id: str, matter_code: str, department: str | None, data: dict) -> Running:
    """Create and run a new instance of the latest version of ``process_id`` for one matter of the case."""
    version_id = latest_version_id(cmd.session, process_id)
    if version_id is None:
        raise NotFound(msg("Process '{process}' is not deployed.", process=process_id))
    row = ProcessInstance(case_id=cmd.case.id, matter_code=matter_code, department_code=department,
                          process_version_id=version_id, state=b"", version=0, created_at=cmd.now,
                          updated_at=cmd.now)
    cmd.session.add(row)
    cmd.session.flush()
    siblings = of_case(cmd.session, cmd.case.id)
    if siblings is not None:
        siblings.append(row)
    spec, subprocess_specs = _spec(cmd, version_id)
    workflow = new_workflow(spec, subprocess_specs, _engine(cmd, row))
    workflow.data.update(data)
    workflow.task_tree.data.update(data)
    running = Running(row, workflow)
    advance(running)
    return running


def lock_row(session, instance_id: int) -> ProcessInstance | None:
    """``SELECT … FOR UPDATE`` the instance once per transaction; later calls reuse the locked row.

    ``populate_existing`` re-reads a row the session may have loaded before the lock, so what the
    command sees is what the previous holder of the lock committed, never a stale copy. The locked
    rows are kept in ``session.info`` (the identity map holds rows weakly: a row nobody references
    would be read again by the next lookup).
    """
    locked = session.info.setdefault(LOCKED, {})
    if instance_id in locked:
        return locked[instance_id]
    row = session.scalars(select(ProcessInstance).where(ProcessInstance.id == instance_id).with_for_update()
                          .execution_options(populate_existing=True)).first()
    if row is not None:
        locked[instance_id] = row
    return row


_LOCK_CASES_ROWS = (select(ProcessInstance)
                    .where(ProcessInstance.case_id.in_(bindparam("case_ids", expanding=True)))
                    .order_by(ProcessInstance.id).with_for_update().execution_options(populate_existing=True))


def lock_cases_rows(session, case_ids: list[int]) -> list[ProcessInstance]:
    """Lock every instance of these cases in id order (the second step of the one lock order), so a
    command that later touches a sibling instance (joint filings, withdrawal) takes no lock out of
    order. One case for a command, a batch of locked cases for the timer sweep."""
    rows = list(session.scalars(_LOCK_CASES_ROWS, {"case_ids": list(case_ids)}))
    # Held here, not only in the identity map (which is weak): later steps of the command reuse the
    # locked rows instead of reading them again.
    session.info.setdefault(LOCKED, {}).update((row.id, row) for row in rows)
    held = session.info.setdefault(CASE_ROWS, {})
    for case_id in case_ids:
        held[case_id] = [row for row in rows if row.case_id == case_id]
    return rows


def lock_case_rows(session, case_id: int) -> list[ProcessInstance]:
    """Lock every instance of one case in id order."""
    return lock_cases_rows(session, [case_id])


def new_case(session, case_id: int) -> None:
    """A case this transaction created has only the instances it starts (nobody else sees it yet)."""
    session.info.setdefault(CASE_ROWS, {})[case_id] = []


def held_case(session, case_id: int):
    """The case row this transaction locked and holds, or None."""
    return session.info.get(LOCKED_CASES, {}).get(case_id)


def of_case(session, case_id: int) -> list[ProcessInstance] | None:
    """Every instance of a case as this transaction holds them (locked, with the command's changes),
    or None when the command did not lock the case's instances (then ask the database)."""
    return session.info.get(CASE_ROWS, {}).get(case_id)


def lock(cmd: Command, instance_id: int, expected_version: int | None = None) -> Running:
    """Lock the row (FOR UPDATE on PostgreSQL; SQLite already serialises writers) and load it:
    from the live-workflow cache when this process saved that very row version, else from its state."""
    row = lock_row(cmd.session, instance_id)
    if row is None:
        raise NotFound("Process instance not found.")
    require_version(row, expected_version)
    engine = _engine(cmd, row)
    workflow = live_cache.take(cmd.session, row)
    if workflow is None:
        return Running(row, _restore(cmd.session, row, engine))
    workflow.script_engine = engine     # the cached one still points at the command that saved it
    return Running(row, workflow)


def peek(session, row: ProcessInstance) -> BpmnWorkflow:
    """The instance's workflow for reading (what may be done now); nothing it does is saved, and it
    must not change it: inside ``live_cache.lending()`` it may be the cached live workflow."""
    return live_cache.borrow(session, row) or _restore(session, row, SafeScriptEngine())


def _restore(session, row: ProcessInstance, engine: SafeScriptEngine) -> BpmnWorkflow:
    spec, subprocess_specs = load_spec(str(session.bind.url), row.process_version_id, lambda: session.scalar(
        select(ProcessVersion.spec_json).where(ProcessVersion.id == row.process_version_id)))
    return restore_workflow(row.state, spec, subprocess_specs, engine)


def step_properties(session, version_id: int, bpmn_id: str) -> dict[str, str]:
    """A step's extension properties (form, limits, decisions, countersign mode) from the cached spec."""
    spec, _subprocesses = load_spec(str(session.bind.url), version_id, lambda: session.scalar(
        select(ProcessVersion.spec_json).where(ProcessVersion.id == version_id)))
    for task_spec in spec.task_specs.values():
        if (task_spec.bpmn_id or task_spec.name) == bpmn_id and getattr(task_spec, "manual", False):
            return projection.spec_properties(task_spec)
    return {}


def require_version(row: ProcessInstance, expected_version: int | None) -> None:
    """Optimistic locking: the caller saw ``expected_version``; anything newer is a conflict."""
    if expected_version is not None and expected_version != row.version:
        raise Conflict(msg("The case was changed by someone else (version {version}, you had {had}). "
                           "Reload and try again.", version=row.version, had=expected_version))


def advance(running: Running) -> None:
    """Run engine steps; an expression or operation failure is the caller's bad data, not a crash."""
    try:
        running.workflow.do_engine_steps()
    except WorkflowException as exc:
        cause = getattr(exc, "exception", None) or exc
        if isinstance(cause, (ExpressionError, ValidationError, Conflict)):
            raise ValidationError({"data": [str(cause)]}) from None
        raise


def save(cmd: Command, running: Running) -> None:
    row, workflow = running.row, running.workflow
    row.state = dump_workflow(workflow)
    row.version += 1
    row.updated_at = cmd.now
    row.next_timer_at = next_timer(workflow)
    if workflow.is_completed() and row.status == "running":
        row.status = "completed"
    projection.sync(cmd, row, workflow, row.department_code)
    live_cache.saved(cmd.session, row.id, live_cache.Entry(row.version, row.process_version_id, row.state, workflow))


def next_timer(workflow: BpmnWorkflow) -> datetime | None:
    """The earliest pending timer, so the sweep finds due instances with one indexed query."""
    moments = []
    for event in workflow.waiting_events():
        value = event.value
        if isinstance(value, dict):
            value = value.get("next")
        if isinstance(value, str):
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                continue
            moments.append(moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc))
    return min(moments) if moments else None


def cancel_all(cmd: Command, close_reason: str, status: str, outcome: str) -> None:
    """Cancel every running instance of the command's case (withdrawal, deemed renewal).

    Every instance is locked and re-read before its status is checked, in id order (the
    documented lock order), so a concurrent command's change is never overwritten.
    """
    for locked in lock_case_rows(cmd.session, cmd.case.id):
        running = lock(cmd, locked.id)
        row = running.row
        if row.status != "running":
            continue
        for task in cmd.session.scalars(select(HumanTask).where(HumanTask.instance_id == row.id,
                                                                HumanTask.state == "open")):
            cmd.close_reasons[task.spiff_task_id] = close_reason
        running.workflow.cancel()
        row.status, row.outcome = status, outcome
        save(cmd, running)
