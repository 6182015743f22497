"""Everything that touches SpiffWorkflow's internals lives here.

- A serializer whose workflow dict leaves the spec out: the spec is stored once
  per process version and shared by every instance, so loading an instance
  never re-parses or re-restores it.
- A script engine that evaluates with :mod:`workflow.runtime.expressions` and runs
  service tasks as registered Python operations. Deserialization does not
  restore a script engine, so :func:`restore_workflow` attaches one every time.
- Multi-instance steps (会签 / 或签 / 票签): a value an earlier step left under the
  step's output item name is dropped when the step starts, and a completion
  condition sees the votes collected so far plus ``instances`` (how many were
  asked) and ``completed``.
- Timer events read the engine's clock (:mod:`workflow.timekeeping.now`), so a
  test or the simulator that moves time moves BPMN timers with it.
"""
from __future__ import annotations

import json
import zlib
from collections import ChainMap
from datetime import datetime
from collections.abc import Callable
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from workflow.runtime import expressions
from workflow.timekeeping.now import now as clock_now


class _EngineDatetime(datetime):
    """What SpiffWorkflow's timer module sees as ``datetime``: ``now()`` answers from our clock.

    SpiffWorkflow 3.2 calls ``datetime.now(timezone.utc)`` inside its timer event definitions;
    this one-name substitution is the only way in without copying its timer code.
    """

    @classmethod
    def now(cls, tz=None):
        current = clock_now()
        return current.astimezone(tz) if tz is not None else current.astimezone().replace(tzinfo=None)


spiff_timer.datetime = _EngineDatetime

_start_multi_instance = MultiInstanceTask._update_hook


def _start_fresh(self, my_task):
    """The window's ``decision`` is not the reviewers' ``decision``: an earlier step's value of the
    output item would make SpiffWorkflow 3.2 refuse to start the step, so it is dropped first."""
    ready = _start_multi_instance(self, my_task)     # inherits the data of the step before
    if self.output_item is not None and self.data_output is not None:
        my_task.data.pop(self.output_item.bpmn_id, None)
    return ready


MultiInstanceTask._update_hook = _start_fresh


class SpeclessWorkflowConverter(BpmnWorkflowConverter):
    """Converts a workflow to a dict without its (large, shared) specs."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict:
        dct = super(BpmnWorkflowConverter, self).to_dict(workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict, spec: BpmnProcessSpec | None = None, subprocess_specs: dict | None = None):
        workflow = self.target_class(spec, subprocess_specs or {}, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


_CONFIG = dict(SPIFF_CONFIG)
_CONFIG[BpmnWorkflow] = SpeclessWorkflowConverter
SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(_CONFIG))
_SPEC_SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))


class SafeEnvironment(BasePythonScriptEngineEnvironment):
    """Expressions go to the whitelisted evaluator; scripts are refused outright."""

    def evaluate(self, expression: str, context: dict, external_context: dict | None = None) -> Any:
        return expressions.evaluate(expression, ChainMap(context, external_context or {}))

    def execute(self, script: str, context: dict, external_context: dict | None = None) -> None:
        raise expressions.ExpressionError("scripts are not allowed in this engine")


OperationRunner = Callable[[Any, str, dict[str, Any]], Any]


class SafeScriptEngine(PythonScriptEngine):
    """Service tasks call ``run_operation(task, name, params)``, provided per command."""

    def __init__(self, run_operation: OperationRunner | None = None) -> None:
        super().__init__(environment=SafeEnvironment())
        self._run_operation = run_operation

    def evaluate(self, task, expression, external_context=None):
        """A multi-instance completion condition is judged on the step's votes so far."""
        parent = task.parent
        spec = parent.task_spec if parent is not None else None
        if isinstance(spec, MultiInstanceTask) and expression == spec.condition:
            tally = {"instances": len(list(spec._instances(parent))),
                     "completed": len(parent.internal_data.get("merged", []))}
            try:
                return self.environment.evaluate(expression, {**task.data, **parent.data, **tally}, external_context)
            except Exception as exc:
                raise WorkflowTaskException(f"Error evaluating expression '{expression}'", task=task,
                                            exception=exc) from exc
        return super().evaluate(task, expression, external_context)

    def call_service(self, task, operation_name: str, operation_params: dict, **_kwargs) -> str:
        if self._run_operation is None:
            raise expressions.ExpressionError(f"no operation runner for {operation_name!r}")
        params = {name: param["value"] for name, param in operation_params.items()}
        return json.dumps(self._run_operation(task, operation_name, params))


# -- specs ---------------------------------------------------------------

def dump_spec(spec: BpmnProcessSpec, subprocess_specs: dict) -> str:
    return json.dumps({
        "spec": _SPEC_SERIALIZER.to_dict(spec),
        "subprocess_specs": {name: _SPEC_SERIALIZER.to_dict(s) for name, s in subprocess_specs.items()},
    })


_SPEC_CACHE: dict[tuple[str, int], tuple[BpmnProcessSpec, dict]] = {}


def load_spec(database: str, version_id: int, spec_json: Callable[[], str]) -> tuple[BpmnProcessSpec, dict]:
    """The restored spec of a process version, cached for the life of the process.

    Versions are immutable once deployed, so the cache never needs invalidation;
    the key includes the database so two databases' version 3 never mix.
    ``spec_json`` is a callable so the (large) column is read only on a miss.
    """
    cached = _SPEC_CACHE.get((database, version_id))
    if cached is None:
        raw = json.loads(spec_json())
        cached = (
            _SPEC_SERIALIZER.from_dict(raw["spec"]),
            {name: _SPEC_SERIALIZER.from_dict(s) for name, s in raw["subprocess_specs"].items()},
        )
        _SPEC_CACHE[(database, version_id)] = cached
    return cached


# -- instance state -------------------------------------------------------

def new_workflow(spec: BpmnProcessSpec, subprocess_specs: dict, engine: SafeScriptEngine) -> BpmnWorkflow:
    return BpmnWorkflow(spec, subprocess_specs, script_engine=engine)


def dump_workflow(workflow: BpmnWorkflow) -> bytes:
    """Serialize state without spec, compressed (task data repeats a lot)."""
    SERIALIZER.registry._encoder_mode = True
    try:
        dct = SERIALIZER.to_dict(workflow)
    finally:
        SERIALIZER.registry._encoder_mode = False
    dct[SERIALIZER.VERSION_KEY] = SERIALIZER.VERSION
    text = json.dumps(dct, cls=SERIALIZER._encoder_cls, separators=(",", ":"))
    return zlib.compress(text.encode("utf-8"), 1)


def restore_workflow(state: bytes, spec: BpmnProcessSpec, subprocess_specs: dict,
                     engine: SafeScriptEngine) -> BpmnWorkflow:
    dct = json.loads(zlib.decompress(state), cls=SERIALIZER.json_decoder_cls)
    SERIALIZER.migrate(dct)
    workflow = SERIALIZER.from_dict(dct, spec=spec, subprocess_specs=subprocess_specs)
    workflow.script_engine = engine
    return workflow


def reset_to(workflow: BpmnWorkflow, task_id: UUID) -> None:
    """Rewind the workflow to an earlier task (return to a step, recall).

    SpiffWorkflow 3.2's ``reset_from_task_id`` removes the descendant tasks but
    leaves removed boundary timers registered with the event manager, which
    then fail on the next ``refresh_timers``; drop those stale registrations.
    """
    workflow.reset_from_task_id(task_id)
    manager = workflow.event_manager
    for stale_id in [tid for tid in manager.tasks if find_task(workflow, tid) is None]:
        manager.tasks.pop(stale_id, None)


def find_task(workflow: BpmnWorkflow, task_id: UUID | str):
    """The task with this id, or None (SpiffWorkflow raises instead)."""
    try:
        return workflow.get_task_from_id(task_id if isinstance(task_id, UUID) else UUID(task_id))
    except TaskNotFoundException:
        return None


def ancestors(task) -> list:
    """The tasks on the path that led to ``task``, nearest first."""
    found, parent = [], task.parent
    while parent is not None:
        found.append(parent)
        parent = parent.parent
    return found


def predict_again(workflow: BpmnWorkflow) -> None:
    """Let every unfinished task predict its children from the (new) spec, as a fresh workflow does;
    used after a version migration dropped steps the target version no longer has."""
    workflow._predict()
