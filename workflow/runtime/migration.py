"""Moving a running instance's stored state onto another deployed version of its process.

SpiffWorkflow stores each task with the *name* of its task spec and restores it by looking that
name up in the spec it is given, so an instance can run on another version when every step it
is in (and every step it has done) exists there, under its own id or under the id the plan maps
it to. Steps only *predicted* for the future (``FUTURE``/``LIKELY``/``MAYBE``) are dropped when
the target lacks them: SpiffWorkflow predicts them again from the target when their parent runs.
"""
from __future__ import annotations

import json
import zlib
from dataclasses import dataclass

from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.util.task import TaskState

from workflow.runtime.spiff_runtime import SafeScriptEngine, dump_workflow, predict_again, restore_workflow

# The states a step is in while the instance waits at it (a user task, a timer, a message).
CURRENT = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
# Steps not reached yet: SpiffWorkflow creates them again from the spec when their parent runs.
NOT_REACHED = TaskState.PREDICTED_MASK | TaskState.FUTURE


@dataclass(frozen=True)
class Remapped:
    """The state for the target version, or why the instance cannot move."""
    state: bytes | None
    problems: list[str]


def mapped_name(name: str, mapping: dict[str, str]) -> str:
    """A task spec's name in the target: ``decide`` and ``decide.BoundaryEventSplit`` follow ``decide``."""
    if name in mapping:
        return mapping[name]
    head, dot, rest = name.partition(".")
    return f"{mapping[head]}.{rest}" if dot and head in mapping else name


def _load(state: bytes) -> dict:
    return json.loads(zlib.decompress(state))


def current_steps(state: bytes) -> list[str]:
    """The ids of the steps the instance waits at, in a stable order."""
    return sorted({task["task_spec"] for task in _load(state)["tasks"].values() if task["state"] & CURRENT})


def remap(state: bytes, spec: BpmnProcessSpec, subprocess_specs: dict, mapping: dict[str, str]) -> Remapped:
    """The instance's state rewritten for ``spec``; problems name each step the target lacks."""
    dct = _load(state)
    if dct.get("subprocesses"):
        return Remapped(None, ["instances inside a call activity or subprocess are not migrated"])
    tasks = dct["tasks"]
    known, missing, dropped = set(spec.task_specs), {}, set()
    for task_id, task in tasks.items():
        name = mapped_name(task["task_spec"], mapping)
        if name in known:
            task["task_spec"] = name
        elif task["state"] & NOT_REACHED and _parent_pending(tasks, task):
            dropped.add(task_id)
        else:   # a boundary event's helper tasks ("decide.BoundaryEventSplit") are reported as their step
            step = task["task_spec"].partition(".")[0]
            missing[step] = "current" if task["state"] & CURRENT else missing.get(step, "finished")
    if missing:
        return Remapped(None, [f"{kind} step {step!r} is not in the target version"
                               for step, kind in sorted(missing.items())])
    _prune(dct["tasks"], dropped)
    raw = zlib.compress(json.dumps(dct, separators=(",", ":")).encode("utf-8"), 1)
    workflow = restore_workflow(raw, spec, subprocess_specs, SafeScriptEngine())
    predict_again(workflow)
    return Remapped(dump_workflow(workflow), [])


def _parent_pending(tasks: dict, task: dict) -> bool:
    """Whether the step that leads to ``task`` has yet to finish (and will predict its children again)."""
    parent = tasks.get(task["parent"]) if task["parent"] else None
    return parent is not None and not parent["state"] & TaskState.FINISHED_MASK


def _prune(tasks: dict, dropped: set[str]) -> None:
    """Remove predicted tasks (and what was predicted under them) and unlink them from their parents."""
    stack = list(dropped)
    while stack:
        task = tasks.pop(stack.pop(), None)
        if task is not None:
            stack.extend(task["children"])
            parent = tasks.get(task["parent"]) if task["parent"] else None
            if parent is not None:
                parent["children"] = [c for c in parent["children"] if c in tasks]
