"""(b) The service layer on SQLite: ``services.tasks.complete``, one transaction each, and (b') the
live-workflow cache off and on.

N cases are filed; every case's ``intake``, then every ``check_a``, ``check_b``, ``decide`` is completed.
After each step's N completes, N in-memory round-trip cycles of the same step are timed in the
same process, so the target's ratio compares calls made under the same machine load.
"""
from __future__ import annotations

import cProfile
import statistics
import time
import zlib
from collections.abc import Callable

from sqlalchemy import func, select

from bench.enginebench.figures import QueryCounter, flat, header, line, ms, verdict
from bench.enginebench.fixture import (
    MATTER,
    SERVICE_INPUT,
    STEP_ACTORS,
    STEPS,
    load_people,
)
from bench.scale import pct
from workflow.runtime import live_cache
from workflow.services import cases, tasks
from workflow.storage.db import Database
from workflow.storage.models import Case, HumanTask, ProcessInstance

TARGET_P50_MS = 5.0
TARGET_P95_MS = 10.0
TARGET_RATIO = 1.0     # issue 12: service-layer complete <= the in-memory round-trip cycle
TARGET_P95_OVER_P50 = 2.0
TARGET_STATE_BYTES = 16 * 1024


def open_task_ids(db: Database, case_ids: list[int]) -> dict[int, dict[str, int]]:
    """case id -> {bpmn_id: human task id} of the open tasks (outside any timing)."""
    result: dict[int, dict[str, int]] = {cid: {} for cid in case_ids}
    with db.reading() as session:
        rows = session.execute(select(HumanTask.case_id, HumanTask.bpmn_id, HumanTask.id).where(
            HumanTask.state == "open", HumanTask.case_id.in_(case_ids)))
        for case_id, bpmn_id, task_id in rows:
            if case_id in result:
                result[case_id][bpmn_id] = task_id
    return result


def state_sizes(db: Database, case_ids: set[int]) -> list[tuple[int, int]]:
    """(compressed, uncompressed) bytes of process_instances.state of these cases."""
    sizes = []
    with db.reading() as session:
        for case_id, state in session.execute(select(ProcessInstance.case_id, ProcessInstance.state)):
            if case_id in case_ids:
                sizes.append((len(state), len(zlib.decompress(state))))
    return sizes


def run_case(db: Database, people: dict, case_id: int) -> None:
    for step in STEPS:
        task_id = open_task_ids(db, [case_id])[case_id][step]
        tasks.complete(db, people[STEP_ACTORS[step][0]], task_id, SERVICE_INPUT[step])


def file_cases(db: Database, people: dict, n_cases: int) -> tuple[list[int], list[float]]:
    """Three untimed warm-up cases worked to the end (spec, calendar, statement caches, schemas),
    then ``n_cases`` timed filings; their ids and times."""
    applicant = people["applicant_a"]
    for _ in range(3):
        run_case(db, people, cases.submit(db, applicant, [MATTER], {}).id)
    submit_ms: list[float] = []
    case_ids: list[int] = []
    for _ in range(n_cases):
        t0 = time.perf_counter_ns()
        case_ids.append(cases.submit(db, applicant, [MATTER], {}).id)
        submit_ms.append(ms(time.perf_counter_ns() - t0))
    return case_ids, submit_ms


class Timings:
    """Wall and CPU time of the timed completes and the paired in-memory cycles, per step, and the
    SQL statements the completes sent."""

    def __init__(self, db: Database, profile: cProfile.Profile | None) -> None:
        self.wall: dict[str, list[float]] = {s: [] for s in STEPS}
        self.cpu: dict[str, list[float]] = {s: [] for s in STEPS}
        self.paired: dict[str, list[float]] = {s: [] for s in STEPS}
        self.paired_cpu: dict[str, list[float]] = {s: [] for s in STEPS}
        self.counter, self.queries, self.profile = QueryCounter(db.engine), 0, profile

    def complete(self, db: Database, step: str, actor, task_id: int) -> None:
        if self.profile is not None:
            self.profile.enable()
        before, c0, t0 = self.counter.count, time.process_time_ns(), time.perf_counter_ns()
        tasks.complete(db, actor, task_id, SERVICE_INPUT[step])
        wall, cpu = time.perf_counter_ns() - t0, time.process_time_ns() - c0
        self.queries += self.counter.count - before
        if self.profile is not None:
            self.profile.disable()
        self.wall[step].append(ms(wall))
        self.cpu[step].append(ms(cpu))

    def pair(self, step: str, paired: Callable[[str], float]) -> None:
        c0 = time.process_time_ns()
        self.paired[step].append(paired(step))
        self.paired_cpu[step].append(ms(time.process_time_ns() - c0))


def bench_service(db: Database, n_cases: int, profile: cProfile.Profile | None,
                  paired: Callable[[str], float] | None = None) -> dict:
    """Submit and complete ``n_cases``; after each step's phase, ``paired(step)`` times as many in-memory
    round-trip cycles of the same step, so the ratio compares calls made under the same machine load."""
    people = load_people(db)
    case_ids, submit_ms = file_cases(db, people, n_cases)
    ids = set(case_ids)
    sizes = {"after submit": state_sizes(db, ids)}
    with db.reading() as session:
        first_state = session.scalar(select(ProcessInstance.state).where(ProcessInstance.case_id == case_ids[0]))
    timings = Timings(db, profile)
    live_cache.CACHE.hits = live_cache.CACHE.misses = 0
    for step in STEPS:
        open_ids = open_task_ids(db, case_ids)
        actors = [people[name] for name in STEP_ACTORS[step]]
        for i, case_id in enumerate(case_ids):
            timings.complete(db, step, actors[i % len(actors)], open_ids[case_id][step])
        if paired is not None:  # right after the phase, not between calls: no cache/GC interference
            for _ in case_ids:
                timings.pair(step, paired)
        sizes[f"after {step}"] = state_sizes(db, ids)
    timings.counter.close()
    with db.reading() as session:
        statuses = session.execute(select(Case.status, func.count()).where(Case.id.in_(case_ids))
                                   .group_by(Case.status)).all()
    return {"submit": submit_ms, "steps": timings.wall, "cpu": timings.cpu, "paired": timings.paired,
            "paired_cpu": timings.paired_cpu, "sizes": sizes, "statuses": dict(statuses),
            "sample_state": first_state, "queries": timings.queries / (len(STEPS) * n_cases),
            "cache": (live_cache.CACHE.hits, live_cache.CACHE.misses)}


def report_statements(db: Database, show: bool) -> None:
    """The SQL statements of one more case's four completes: how many per step, and with ``show`` which."""
    people = load_people(db)
    case_id = cases.submit(db, people["applicant_a"], [MATTER], {}).id
    counter = QueryCounter(db.engine, keep=True)
    counts = []
    for step in STEPS:
        task_id = open_task_ids(db, [case_id])[case_id][step]
        counter.statements.clear()
        tasks.complete(db, people[STEP_ACTORS[step][0]], task_id, SERVICE_INPUT[step])
        counts.append(f"{step} {len(counter.statements)}")
        if show:
            print(f"  -- {step}: {len(counter.statements)} statements")
            print("\n".join("     " + text for text in counter.statements))
    counter.close()
    print(f"  SQL statements per complete, by step (BEGIN included, COMMIT not): {', '.join(counts)}"
          + ("" if show else "  (--sql lists them)"))


def bench_cache_off(db: Database, n_cases: int) -> dict:
    """The same completes with the live-workflow cache disabled: every command deserializes."""
    size, live_cache.CACHE.size = live_cache.CACHE.size, 0
    live_cache.CACHE.clear()
    try:
        return bench_service(db, n_cases, None)
    finally:
        live_cache.CACHE.size = size


def report_cache(off: dict, on: dict) -> None:
    header("(b') the live-workflow cache (workflow/runtime/live_cache.py): same completes, cache off vs on")
    line("complete, cache off (deserialize)", flat(off["steps"].values()),
         f"   {off['queries']:.1f} queries/complete")
    line("complete, cache on", flat(on["steps"].values()), f"   {on['queries']:.1f} queries/complete")
    saved = pct(flat(off["steps"].values()), 50) - pct(flat(on["steps"].values()), 50)
    hits, misses = on["cache"]
    print(f"  saving at p50: {saved:.3f} ms per complete; cache hits {hits:,}, misses {misses:,}")


def report_service(b: dict, a: dict) -> None:
    header("(b) service layer on SQLite: services.tasks.complete (one transaction each)")
    print("  complete = lock + load/deserialize + form validation + apply + engine steps + save/serialize")
    print("             + projection sync + case status/clock + audit append + commit")
    line("submit (cases.submit), for reference", b["submit"])
    for step in STEPS:
        line(f"complete: {step}", b["steps"][step])
    overall = flat(b["steps"].values())
    line("complete: all steps", overall)
    line("complete: all steps, CPU time", flat(b["cpu"].values()), "  (this process only)")
    print(f"  cases finished: {b['statuses']}; SQL statements per complete: {b['queries']:.1f}"
          f" (live-workflow cache hits {b['cache'][0]:,}, misses {b['cache'][1]:,})")
    ratio = report_ratio(b, a, pct(overall, 50))
    med_c = report_sizes(b["sizes"])
    p50, p95 = pct(overall, 50), pct(overall, 95)
    header("Targets: complete a task")
    rows = [
        (f"complete p50 {p50:.3f} ms", f"<= {TARGET_P50_MS:g} ms", p50 <= TARGET_P50_MS),
        (f"complete p95 {p95:.3f} ms", f"<= {TARGET_P95_MS:g} ms", p95 <= TARGET_P95_MS),
        (f"complete p95/p50 {p95 / p50:.2f}x", f"<= {TARGET_P95_OVER_P50:g}x", p95 / p50 <= TARGET_P95_OVER_P50),
        (f"b/a p50 ratio {ratio:.2f}x", f"<= {TARGET_RATIO:g}x in-memory cycle incl. deserialize+serialize",
         ratio <= TARGET_RATIO),
        (f"median stored state {med_c:,.0f} B", f"<= {TARGET_STATE_BYTES:,} B (16 KiB)",
         med_c <= TARGET_STATE_BYTES),
    ]
    for figure, target, ok in rows:
        print(f"  {figure:<32} {target:<52} {verdict(ok)}")


def report_ratio(b: dict, a: dict, p50: float) -> float:
    """The complete's p50 over the in-memory cycles' (wall, and CPU for the interleaved pair); returns
    the target's ratio (over the interleaved round-trip when there is one)."""
    bare = pct(flat(a["bare"].values()), 50)
    rt_a = pct(flat(a["roundtrip"].values()), 50)
    paired = flat(b["paired"].values())
    rt = pct(paired, 50) if paired else rt_a
    if paired:
        line("in-memory round-trip, interleaved", paired, "  (N after each step's N completes)")
        line("in-memory round-trip, CPU time", flat(b["paired_cpu"].values()))
    print()
    print("  ratio b/a, p50 of 'complete: all steps' divided by the p50 of:")
    if paired:
        print(f"    in-memory cycle + deserialize + serialize, interleaved with (b) {rt:7.3f} ms = {p50 / rt:6.2f}x"
              "  <- TARGET baseline")
        cpu, cpu_rt = pct(flat(b["cpu"].values()), 50), pct(flat(b["paired_cpu"].values()), 50)
        print(f"    the same in CPU time (not inflated by waiting for the CPU)      {cpu_rt:7.3f} ms = "
              f"{cpu / cpu_rt:6.2f}x")
    print(f"    in-memory cycle + deserialize + serialize, section (a)          {rt_a:7.3f} ms = {p50 / rt_a:6.2f}x"
          + ("" if paired else "  <- TARGET baseline"))
    print(f"    bare in-memory cycle, no persistence, section (a)               {bare:7.3f} ms = {p50 / bare:6.2f}x"
          "  (informational)")
    return p50 / rt


def report_sizes(stages: dict[str, list[tuple[int, int]]]) -> float:
    """Stored state sizes per stage; returns the median compressed size over every snapshot."""
    print()
    print("  stored state (process_instances.state, zlib-compressed JSON without the spec):")
    for stage, sizes in stages.items():
        print(f"    {stage:<16} median {statistics.median(s[0] for s in sizes):8,.0f} bytes compressed"
              f"   {statistics.median(s[1] for s in sizes):8,.0f} bytes JSON")
    every = flat(stages.values())
    med_c = statistics.median(s[0] for s in every)
    med_u = statistics.median(s[1] for s in every)
    print(f"    {'all snapshots':<16} median {med_c:8,.0f} bytes compressed   {med_u:8,.0f} bytes JSON"
          f"   (n={len(every)})")
    return med_c
