"""Timing, percentiles, SQL statement counts and the printed lines of the engine benchmark."""
from __future__ import annotations

import cProfile
import io
import pstats

from sqlalchemy import event

from bench.enginebench.fixture import ROOT
from bench.scale import pct


def flat(lists) -> list:
    return [x for values in lists for x in values]


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def ms(ns: int) -> float:
    return ns / 1e6


def line(label: str, values: list[float], extra: str = "") -> None:
    print(f"  {label:<34} n={len(values):<5} p50 {pct(values, 50):8.3f} ms   p95 {pct(values, 95):8.3f} ms"
          f"   max {max(values):8.3f} ms{extra}")


def header(title: str) -> None:
    print()
    print(title)
    print("-" * len(title))


class QueryCounter:
    """Counts the SQL statements an engine sends (``before_cursor_execute``), to show queries per command;
    with ``keep`` it also keeps their text (first line of each)."""

    def __init__(self, engine, keep: bool = False) -> None:
        self.engine, self.count, self.keep = engine, 0, keep
        self.statements: list[str] = []
        event.listen(engine, "before_cursor_execute", self._seen)

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn, _cursor, statement, *_args) -> None:
        self.count += 1
        if self.keep:
            self.statements.append(" ".join(statement.split())[:150])


def print_profile(title: str, profile: cProfile.Profile) -> None:
    """The engine's own functions by cumulative time (where the time goes, in our terms), then every
    function by own time (what to make cheaper)."""
    header(title + " (the engine's functions by cumulative time, then all by own time)")
    for key, only, limit in (("cumulative", r"/(workflow|webapp)/", 30), ("tottime", "", 20)):
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats(key).print_stats(only, limit)
        text = out.getvalue().replace(str(ROOT) + "/", "")
        print(text[text.find("   ncalls"):].rstrip() if "   ncalls" in text else text)
        print()
