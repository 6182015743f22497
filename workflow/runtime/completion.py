"""Completing one human task inside a loaded instance: the one place that runs a user task."""
from __future__ import annotations

from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.util.task import TaskState

from workflow.errors import Conflict
from workflow.runtime import instances
from workflow.runtime.command import Command
from workflow.runtime.spiff_runtime import find_task
from workflow.storage import audit
from workflow.storage.models import HumanTask


def apply(cmd: Command, running: instances.Running, task: HumanTask, clean: dict) -> None:
    """Put the validated data on the task, run it and the engine steps after it, audit it."""
    spiff_task = find_task(running.workflow, task.spiff_task_id)
    if spiff_task is None or spiff_task.state != TaskState.READY:
        raise Conflict("This step is no longer waiting for input.")
    spiff_task.data.update(clean)
    _collect_decision(spiff_task, clean)
    cmd.close_reasons[task.spiff_task_id] = "completed"
    cmd.completed_by[task.spiff_task_id] = (getattr(cmd.actor, "id", None), clean.get("decision"))
    spiff_task.run()
    instances.advance(running)
    audit.record(cmd.session, action="complete", actor=cmd.actor, case=cmd.case, task=task, at=cmd.now,
                 decision=clean.get("decision"), opinion=clean.get("opinion"),
                 data={k: v for k, v in clean.items() if k != "opinion"})


def complete_loaded(cmd: Command, task: HumanTask, clean: dict) -> None:
    """Lock the task's instance, complete the task and save (for tasks completed alongside another)."""
    running = instances.lock(cmd, task.instance_id)
    apply(cmd, running, task, clean)
    instances.save(cmd, running)


def _collect_decision(spiff_task, clean: dict) -> None:
    """A multi-instance step collects each person's answer under its output item's name; when
    that name is not a form field (``vote``, ``any_decision``), the answer is the decision.

    A process may then have several such steps (BPMN ids are unique, so only one could be
    called ``decision``)."""
    parent = spiff_task.parent
    spec = parent.task_spec if parent is not None else None
    item = getattr(spec, "output_item", None) if isinstance(spec, MultiInstanceTask) else None
    if item is not None and item.bpmn_id not in clean and "decision" in clean:
        spiff_task.data[item.bpmn_id] = clean["decision"]
