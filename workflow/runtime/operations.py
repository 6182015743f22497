"""The registry of Python operations that BPMN service tasks call by name.

Computations never live in BPMN (no scripts): a process names an operation and
passes parameters as safe expressions. The runtime knows only this registry;
the licensing domain registers its operations here (``workflow.domain.operations``).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from workflow.runtime.command import Command
from workflow.storage.models import ProcessInstance


@dataclass
class OperationCall:
    """One service task running: the command, its instance row, the task and its parameters."""
    cmd: Command
    instance: ProcessInstance
    task: Any
    params: dict[str, Any]

    @property
    def data(self) -> dict[str, Any]:
        return self.task.data


Operation = Callable[[OperationCall], Any]
REGISTRY: dict[str, Operation] = {}
# Operations whose effects live outside the workflow (a certificate issued, a case accepted):
# rewinding a process across one of them (return to a step, recall) would repeat them.
IRREVERSIBLE: set[str] = set()


def operation(name: str, *, irreversible: bool = False) -> Callable[[Operation], Operation]:
    def register(func: Operation) -> Operation:
        REGISTRY[name] = func
        if irreversible:
            IRREVERSIBLE.add(name)
        return func
    return register


def run(cmd: Command, instance: ProcessInstance, task: Any, name: str, params: dict[str, Any]) -> Any:
    return REGISTRY[name](OperationCall(cmd, instance, task, params))
