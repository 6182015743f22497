"""The timer worker's loop: wake due timers and sweep the clock, forever, whatever the database does.

A pass fires the due timers, sweeps the clock and writes the heartbeat, every ``interval``
(30 s); between passes the worker fires the timers that fall due every ``timer_interval``
(1 s), because a timer is a deadline someone waits on (lag target ≤ 2 s, bench/timers.py)
while the clock sweep's lights and deemed acceptance are working-day matters. A check that
finds nothing due is one indexed read, so polling every second costs next to nothing.

A worker that exits stops timers and deemed acceptance silently (issue 11), so a failed pass is
logged, counted and retried after a growing pause (1 s, 2 s, 4 s … at most ``max_backoff``),
and the first good pass goes back to the normal interval. Only a stop request (SIGTERM/SIGINT
in the CLI, the event in the embedded server) ends the loop. Each good pass writes the worker's
heartbeat row, which ``/healthz`` reads to tell whether timers still run. Several workers may run at once:
timers and sweeps claim what they change with ``SKIP LOCKED``.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from workflow.services import health, sweep, timers
from workflow.storage.db import Database, utcnow

log = logging.getLogger(__name__)


@dataclass
class WorkerStats:
    """What supervision reads: passes, failures and when the worker last got through."""
    passes: int = 0
    failures: int = 0
    consecutive_failures: int = 0
    case_failures: int = 0
    woken: int = 0
    last_woken: int = 0
    last_ok_at: datetime | None = None
    last_error: str | None = None
    swept: dict[str, int] = field(default_factory=dict)


class TimerWorker:
    """One worker: ``run()`` loops until ``stop`` is set; ``run_once()`` is one pass."""

    def __init__(self, db: Database, interval: float = 30.0, max_backoff: float = 60.0,
                 stop: threading.Event | None = None, report: Callable[[str], None] | None = None,
                 first_backoff: float = 1.0, timer_interval: float = 1.0) -> None:
        self.db, self.interval, self.max_backoff, self.first_backoff = db, interval, max_backoff, first_backoff
        self.timer_interval = timer_interval
        self.unreported = 0         # woken between passes, added to the next heartbeat
        self.stop = stop or threading.Event()
        self.report = report or log.info
        self.stats = WorkerStats()
        self.name, self.started_at = health.worker_name(), utcnow()

    def run_once(self) -> bool:
        """One pass; False (logged and counted) when the database or the engine failed."""
        try:
            woken = timers.run_due(self.db, until=time.monotonic() + self.interval)
            swept = sweep.sweep(self.db)
            health.beat(self.db, self.name, self.started_at, self.interval, self.unreported + woken,
                        swept.get("failed", 0))
        except Exception as exc:  # noqa: BLE001 - a worker must outlive every failure; it retries
            self._failed(exc)
            return False
        self.unreported = 0
        self.stats.passes += 1
        self.stats.consecutive_failures = 0
        self.stats.woken += woken
        self.stats.case_failures += swept.get("failed", 0)
        self.stats.last_ok_at, self.stats.last_woken, self.stats.swept = utcnow(), woken, swept
        if woken or any(swept.values()):
            self.report(self.summary())
        return True

    def fire_due(self, until: float | None = None) -> bool:
        """Between passes: fire the timers that fell due, until the monotonic clock reaches ``until``
        (the next pass: a backlog must not hold back the heartbeat). Failed instances are retried
        by the passes only, not every second. False (logged, counted) when it failed."""
        try:
            woken = timers.run_due(self.db, until=until, retry_failed=False)
        except Exception as exc:  # noqa: BLE001 - a worker must outlive every failure; it retries
            self._failed(exc)
            return False
        self.stats.woken += woken
        self.unreported += woken
        if woken:
            self.report(f"woke {woken} instance(s)")
        return True

    def _failed(self, exc: Exception) -> None:
        self.stats.failures += 1
        self.stats.consecutive_failures += 1
        self.stats.last_error = f"{type(exc).__name__}: {exc}"[:500]
        log.exception("timer worker pass failed (%d in a row); retrying in %.0f s",
                      self.stats.consecutive_failures, self.delay())

    def summary(self) -> str:
        """The last good pass in one line."""
        swept = ", ".join(f"{k} {v}" for k, v in self.stats.swept.items())
        return f"woke {self.stats.last_woken} instance(s); clock: {swept}"

    def delay(self) -> float:
        """The pause before the next pass: the interval, or the backoff after failures."""
        if not self.stats.consecutive_failures:
            return self.interval
        return min(self.max_backoff, self.first_backoff * 2.0 ** (self.stats.consecutive_failures - 1))

    def run(self) -> WorkerStats:
        while not self.stop.is_set():
            if self.run_once():
                self._fire_until(time.monotonic() + self.interval)
            else:
                self.stop.wait(self.delay())
        return self.stats

    def _fire_until(self, until: float) -> None:
        """Fire timers every ``timer_interval`` until the next pass is due (or a firing failed:
        the next pass comes at once and backs off if the database is still failing)."""
        while not self.stop.wait(max(0.0, min(self.timer_interval, until - time.monotonic()))):
            if time.monotonic() >= until or not self.fire_due(until):
                return
