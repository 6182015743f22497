"""Run the same request from many threads at once, released together by a barrier."""
from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any


def race(calls: list[Callable[[], Any]]) -> list[Any]:
    """Start every call in its own thread at the same moment; each result or raised exception."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = calls[index]()
        except Exception as exc:  # noqa: BLE001 - the test inspects what each thread got
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def statuses(responses: list[Any]) -> Counter:
    """HTTP status codes by count; an exception in a thread counts under its type name."""
    return Counter(getattr(r, "status_code", type(r).__name__) for r in responses)
