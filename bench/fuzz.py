"""The fuzzing strategies of ``tests/reliability/test_fuzzing.py`` for N requests (default 10,000).

Seeds a scratch SQLite database as the tests do, builds the whole app (pages and API, rate limits
off) and fires N hostile requests drawn by hypothesis; prints the number of requests, the status
histogram and every request that answered 5xx or broke a rule (API error shape, nothing written on
refusal). Never fails; the test is the gate.

    .venv/bin/python bench/fuzz.py [-n 10000] [--seed 0]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from hypothesis import HealthCheck, given, seed, settings  # noqa: E402

from tests.conftest import _seed  # noqa: E402
from tests.reliability.fuzzing import NO_LIMITS, REQUESTS, Fuzzer, Request  # noqa: E402
from tests.web.conftest import make_app  # noqa: E402
from workflow.storage.db import Database  # noqa: E402


def run(n: int, seed_value: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{tmp}/fuzz.db")
        _seed(db)
        app = make_app(db, Path(tmp), **NO_LIMITS)
        fuzzer, statuses, problems = Fuzzer(app, db), Counter(), []

        @seed(seed_value)
        @settings(max_examples=n, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(REQUESTS)
        def fire(request: Request) -> None:
            status, problem = fuzzer.probe(request)
            statuses[status] += 1
            if problem:
                problems.append((request, status, problem))

        started = time.monotonic()
        fire()
        report(statuses, problems, time.monotonic() - started)
        db.dispose()


def report(statuses: Counter, problems: list, seconds: float) -> None:
    print(f"requests: {sum(statuses.values())} in {seconds:.0f} s")
    print("statuses: " + ", ".join(f"{s}: {c}" for s, c in sorted(statuses.items())))
    print(f"5xx: {sum(c for s, c in statuses.items() if s >= 500)}; broken rules: {len(problems)}")
    for request, status, problem in problems[:20]:
        print(f"  {status} {request.method} {request.path[:80]} {problem[:120]!r}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    run(args.n, args.seed)
