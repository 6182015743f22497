"""(a) The in-memory baseline: plain SpiffWorkflow on the benchmark's process, no database.

The bare cycle (take the READY user task, update its data, ``task.run()``, ``do_engine_steps()``)
and the same cycle wrapped in a deserialize + serialize round-trip of SpiffWorkflow's own
``BpmnWorkflowSerializer``: what any engine that persists state must do at least once per command,
and the baseline of the "≤ 1.0×" target.
"""
from __future__ import annotations

import statistics
import time

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from bench.enginebench.figures import flat, header, line, ms
from bench.enginebench.fixture import BPMN, PROCESS_ID, STEP_DATA, STEPS
from workflow.runtime.spiff_runtime import (
    SafeScriptEngine,
    dump_workflow,
    restore_workflow,
)


def parse_spec():
    parser = SpiffBpmnParser(validator=BpmnValidator())
    parser.add_bpmn_file(str(BPMN))
    return parser.get_spec(PROCESS_ID), parser.get_subprocess_specs(PROCESS_ID)


def ready_user_task(wf: BpmnWorkflow):
    return wf.get_tasks(state=TaskState.READY, manual=True)[0]


def complete_in_memory(wf: BpmnWorkflow, step: str) -> None:
    task = next(t for t in wf.get_tasks(state=TaskState.READY, manual=True) if t.task_spec.bpmn_id == step)
    task.data.update(STEP_DATA[step])
    task.run()
    wf.do_engine_steps()


def next_step(wf: BpmnWorkflow) -> str:
    return ready_user_task(wf).task_spec.bpmn_id


def bench_in_memory(reps: int) -> dict:
    """Bare cycle and cycle + plain serializer round-trip, per step, ``reps`` times each."""
    spec, subs = parse_spec()
    engine = SafeScriptEngine(lambda task, name, params: {})
    plain = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))

    bare: dict[str, list[float]] = {s: [] for s in STEPS}
    granted = 0
    for _ in range(reps):
        wf = BpmnWorkflow(spec, subs, script_engine=engine)
        wf.do_engine_steps()
        for _step in STEPS:
            step = next_step(wf)  # check_a and check_b are READY together; the first one is taken
            t0 = time.perf_counter_ns()
            complete_in_memory(wf, step)
            bare[step].append(ms(time.perf_counter_ns() - t0))
        granted += wf.is_completed() and wf.data.get("finished") == {}

    # The state just before each step, serialized once with the plain serializer (spec included).
    before: dict[str, str] = {}
    spec_less_before: dict[str, bytes] = {}
    wf = BpmnWorkflow(spec, subs, script_engine=engine)
    wf.do_engine_steps()
    while not wf.is_completed():
        step = next_step(wf)
        before[step] = plain.serialize_json(wf)
        spec_less_before[step] = dump_workflow(wf)
        complete_in_memory(wf, step)

    def roundtrip_once(step: str) -> float:
        """One deserialize + cycle + serialize with the plain serializer; returns ms."""
        t0 = time.perf_counter_ns()
        w = plain.deserialize_json(before[step])
        w.script_engine = engine
        complete_in_memory(w, step)
        plain.serialize_json(w)
        return ms(time.perf_counter_ns() - t0)

    roundtrip: dict[str, list[float]] = {s: [] for s in STEPS}
    spec_less: dict[str, list[float]] = {s: [] for s in STEPS}
    for _ in range(reps):
        for step in STEPS:
            roundtrip[step].append(roundtrip_once(step))
            # The engine's own persistence (spec cached, state without spec, zlib): informational.
            t0 = time.perf_counter_ns()
            w = restore_workflow(spec_less_before[step], spec, subs, engine)
            complete_in_memory(w, step)
            dump_workflow(w)
            spec_less[step].append(ms(time.perf_counter_ns() - t0))
    return {"bare": bare, "roundtrip": roundtrip, "spec_less": spec_less, "granted": f"{granted}/{reps}",
            "roundtrip_once": roundtrip_once,
            "plain_json_bytes": statistics.median(len(s.encode()) for s in before.values())}


def report_in_memory(a: dict) -> None:
    header("(a) in-memory cycle, plain SpiffWorkflow 3.2 (no database)")
    print("  cycle = take READY user task, update data, task.run(), wf.do_engine_steps()")
    for step in STEPS:
        line(f"bare cycle: {step}", a["bare"][step])
    line("bare cycle: all steps", flat(a["bare"].values()))
    print(f"  workflows that reached the end through grant: {a['granted']}")
    print("  cycle + BpmnWorkflowSerializer deserialize_json + serialize_json (spec included):")
    for step in STEPS:
        line(f"round-trip cycle: {step}", a["roundtrip"][step])
    line("round-trip cycle: all steps", flat(a["roundtrip"].values()))
    print("  for reference, the engine's own persistence (spiff_runtime.restore_workflow/dump_workflow:")
    print("  cached spec, spec-less state, zlib level 1), still in memory:")
    line("engine-serializer cycle: all steps", flat(a["spec_less"].values()))
    print(f"  plain serializer JSON per state (spec included): median {a['plain_json_bytes']:,.0f} bytes")


