"""The one clock the engine reads: real time by default, a settable one in tests and the simulator.

Every deadline, timer, sweep and audit timestamp asks :func:`now`. The bureau
simulator and the tests swap the source (:func:`use`) for a
:class:`ManualClock` they advance by hand, so seven days of public notice or
five working days of acceptance pass in microseconds and still follow the
same code as in production. SpiffWorkflow's timer events read the same clock
(``workflow.runtime.spiff_runtime`` points their ``datetime.now`` here).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone


def system_now() -> datetime:
    return datetime.now(timezone.utc)


_source: Callable[[], datetime] = system_now


def now() -> datetime:
    """Timezone-aware UTC now, from the current source."""
    return _source()


class ManualClock:
    """A clock that stands still until it is moved; thread-safe enough for one test or one simulation."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self.current = start.astimezone(timezone.utc)

    def __call__(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> datetime:
        if delta < timedelta(0):
            raise ValueError("time does not run backwards")
        self.current += delta
        return self.current

    def set(self, moment: datetime) -> datetime:
        return self.advance(moment.astimezone(timezone.utc) - self.current)


@contextmanager
def use(source: Callable[[], datetime]) -> Iterator[Callable[[], datetime]]:
    """Read time from ``source`` inside the block (tests, the simulator)."""
    global _source
    previous, _source = _source, source
    try:
        yield source
    finally:
        _source = previous
