"""Python operations that BPMN service tasks call by name.

Computations never live in BPMN (no scripts); a process names an operation and
passes parameters as safe expressions. Each operation receives the running
command, the instance row and the SpiffWorkflow task, and returns a JSON-able
result that lands in the task data under the service task's result variable.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from workflow.command import Command
from workflow.models import ProcessInstance


@dataclass
class OperationCall:
    cmd: Command
    instance: ProcessInstance
    task: Any
    params: dict[str, Any]

    @property
    def data(self) -> dict[str, Any]:
        return self.task.data


Operation = Callable[[OperationCall], Any]
REGISTRY: dict[str, Operation] = {}


def operation(name: str) -> Callable[[Operation], Operation]:
    def register(func: Operation) -> Operation:
        REGISTRY[name] = func
        return func
    return register


def run(cmd: Command, instance: ProcessInstance, task: Any, name: str, params: dict[str, Any]) -> Any:
    return REGISTRY[name](OperationCall(cmd, instance, task, params))


@operation("finish")
def finish(call: OperationCall) -> dict:
    """Record how this matter ended; the case status follows when all its matters end."""
    call.instance.outcome = str(call.params["outcome"])
    return {"outcome": call.instance.outcome}
