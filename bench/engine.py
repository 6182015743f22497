"""Engine benchmark: the cost of "complete a task" and of inbox queries.

Prints figures next to targets (PASS/MISS); it never fails the run. Three parts
(``bench/enginebench/``, one module each):

(a) in-memory baseline with plain SpiffWorkflow on ``tests/bpmn/engine_bench.bpmn``:
    the bare cycle and the same cycle wrapped in a deserialize + serialize round-trip
    of SpiffWorkflow's own ``BpmnWorkflowSerializer``;
(b) the same steps through our service layer on a fresh SQLite file:
    ``services.tasks.complete`` = lock + load + validate + apply + save +
    projection + case status/clock + audit, one transaction each, with the SQL
    statements each sends; (b') the live-workflow cache off and on;
(c) inbox queries (``services.inbox.list_tasks`` and ``counts``) at growing
    numbers of open tasks, the rows bulk-inserted with SQLAlchemy Core.

Run from anywhere:  .venv/bin/python bench/engine.py [--cases N] [--sizes 1000,10000,100000] [--quick]
See bench/README.md for what each figure means.
"""
from __future__ import annotations

import argparse
import cProfile
import gc
import os
import platform
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import SpiffWorkflow
import sqlalchemy

from bench.enginebench.figures import print_profile
from bench.enginebench.fixture import build_database
from bench.enginebench.in_memory import bench_in_memory, report_in_memory
from bench.enginebench.inbox import bench_inbox, report_inbox
from bench.enginebench.service import (
    bench_cache_off,
    bench_service,
    report_cache,
    report_service,
    report_statements,
)


def options(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=None, help="cases completed through the service layer (200)")
    ap.add_argument("--sizes", default=None, help="open-task counts for the inbox, e.g. 1000,10000,100000")
    ap.add_argument("--quick", action="store_true", help="small sizes for a smoke run")
    ap.add_argument("--reps", type=int, default=None, help="in-memory repetitions per step (300)")
    ap.add_argument("--runs", type=int, default=None, help="timed runs per inbox query after warm-up (25)")
    ap.add_argument("--actors", default="reviewer1,window",
                    help="inbox actors; the first is held to the targets (reviewer1,window)")
    ap.add_argument("--profile", action="store_true",
                    help="cProfile the service-layer completes and the inbox probes at the largest size")
    ap.add_argument("--sql", action="store_true", help="print the SQL statements of one case's four completes")
    ap.add_argument("--keep-db", action="store_true", help="keep the temporary SQLite file and print its path")
    args = ap.parse_args(argv)
    args.cases = args.cases if args.cases is not None else (20 if args.quick else 200)
    sizes_text = args.sizes or ("200,1000,3000" if args.quick else "1000,10000,100000")
    args.sizes = sorted(int(s.replace("_", "")) for s in sizes_text.split(",") if s.strip())
    args.reps = args.reps if args.reps is not None else (30 if args.quick else 300)
    args.runs = args.runs if args.runs is not None else (10 if args.quick else 25)
    args.actors = [a for a in args.actors.split(",") if a]
    return args


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def run_database_parts(db, args, a: dict) -> None:
    """(b), (b') and (c) on one database, grown in place."""
    profile = cProfile.Profile() if args.profile else None
    off = bench_cache_off(db, args.cases)
    b = bench_service(db, args.cases, profile, a["roundtrip_once"])
    report_service(b, a)
    report_cache(off, b)
    report_statements(db, show=args.sql)
    if profile is not None:
        print_profile("cProfile of the timed services.tasks.complete calls", profile)
    gc.collect()
    print()
    inbox_profile = cProfile.Profile() if args.profile else None
    c = bench_inbox(db, args.sizes, args.runs, args.actors, b["sample_state"], inbox_profile)
    report_inbox(c, args.sizes, args.actors)
    if inbox_profile is not None:
        print_profile(f"cProfile of the inbox probes of {args.actors[0]} at {args.sizes[-1]:,} open tasks",
                      inbox_profile)


def main(argv: list[str] | None = None) -> None:
    args = options(argv)
    started = time.perf_counter()
    print(f"engine benchmark — Python {platform.python_version()}, SpiffWorkflow "
          f"{getattr(SpiffWorkflow, '__version__', '3.2')}, SQLAlchemy {sqlalchemy.__version__}, "
          f"SQLite {sqlite3.sqlite_version}, {os.cpu_count()} CPUs")
    print(f"load average at start: {load_average()} "
          "(other processes on the machine inflate every figure; compare runs on a quiet machine)")
    print(f"cases={args.cases} sizes={','.join(map(str, args.sizes))} reps={args.reps} runs={args.runs} "
          f"actors={','.join(args.actors)}")

    a = bench_in_memory(args.reps)
    report_in_memory(a)

    tmp = Path(tempfile.mkdtemp(prefix="engine-bench-"))
    db = None
    try:
        db = build_database(tmp / "bench.db")
        run_database_parts(db, args, a)
        if args.keep_db:
            print(f"\ndatabase kept at {tmp / 'bench.db'}")
    finally:
        if db is not None:
            db.dispose()
        if not args.keep_db:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"\ntotal run time {time.perf_counter() - started:.0f} s; load average at end: {load_average()}")


if __name__ == "__main__":
    main()
