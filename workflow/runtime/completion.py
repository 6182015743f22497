"""Completing one human task inside a loaded instance: the one place that runs a user task."""
from __future__ import annotations

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
