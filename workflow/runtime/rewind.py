"""Rewinding a process: which earlier steps a task may go back to, and whether a step may be recalled.

Both follow SpiffWorkflow's task tree: only steps on the path that led to the current task
qualify (a step in a parallel branch would leave the current one open beside it), and never
across an irreversible operation (a certificate issued, a case accepted), which a rewind
would run a second time.
"""
from __future__ import annotations

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.util.task import TaskState

from workflow.runtime.operations import IRREVERSIBLE
from workflow.runtime.spiff_runtime import ancestors, find_task, reset_to


def bpmn_id(task_spec) -> str:
    return task_spec.bpmn_id or task_spec.name


def _is_barrier(task) -> bool:
    return getattr(task.task_spec, "operation_name", None) in IRREVERSIBLE


def _is_step(task) -> bool:
    """A completed human step: a user task, or a multi-instance user task as a whole."""
    spec = task.task_spec
    if task.state != TaskState.COMPLETED:
        return False
    if isinstance(spec, MultiInstanceTask):
        return bool(getattr(task.workflow.spec.task_specs.get(spec.task_spec), "manual", False))
    return bool(spec.manual) and not isinstance(task.parent.task_spec, MultiInstanceTask)


def reachable_steps(current) -> list:
    """Completed steps on the path to ``current``, nearest first, up to the first irreversible operation."""
    found = []
    for task in ancestors(current):
        if _is_barrier(task):
            break
        if _is_step(task):
            found.append(task)
    return found


def earlier_steps(workflow: BpmnWorkflow, current_id: str, skip_lanes: tuple[str, ...] = ("applicant",)) -> dict:
    """``{bpmn id: (title, task)}`` of the steps the current task may return to (退回)."""
    current = find_task(workflow, current_id)
    if current is None:
        return {}
    here = bpmn_id(current.task_spec)
    steps: dict = {}
    for task in reachable_steps(current):
        key = bpmn_id(task.task_spec)
        if key != here and task.task_spec.lane not in skip_lanes and key not in steps:
            steps[key] = (task.task_spec.bpmn_name or key, task)
    return steps


def can_recall(workflow: BpmnWorkflow, done_id: str, following_ids: list[str]) -> bool:
    """Whether the completed step ``done_id`` still leads, unbroken, to every following open step."""
    done = find_task(workflow, done_id)
    if done is None or done.state != TaskState.COMPLETED or not following_ids or _worked_after(done):
        return False
    for task_id in following_ids:
        later = find_task(workflow, task_id)
        if later is None or done not in _path_back(later):
            return False
    return True


def _worked_after(done) -> bool:
    """Whether a human step after ``done`` was completed already (a parallel branch, a part of a joint
    review): recalling ``done`` would throw that work away."""
    stack = list(done.children)
    while stack:
        task = stack.pop()
        if _is_barrier(task):
            continue
        spec = task.task_spec
        if task.state == TaskState.COMPLETED and (getattr(spec, "manual", False) or _is_step(task)):
            return True
        stack.extend(task.children)
    return False


def _path_back(task) -> list:
    path = []
    for ancestor in ancestors(task):
        if _is_barrier(ancestor):
            break
        path.append(ancestor)
    return path


def rewind(workflow: BpmnWorkflow, task) -> None:
    reset_to(workflow, task.id)
