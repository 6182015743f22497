"""Worker processes of the sweep-versus-commands race (started with ``spawn``; results as JSON).

Each process waits at a barrier so that sweeps and clerks' commands really run at the same time,
counts every error its code or the engine's loggers report, and writes what it applied.
"""
from __future__ import annotations

import json
import logging
import random
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from workflow.errors import Busy, EngineError
from workflow.services import sweep, tasks, timers
from workflow.storage.db import Database
from workflow.storage.models import HumanTask, User


class _ErrorCount(logging.Handler):
    def __init__(self, counts: Counter) -> None:
        super().__init__(logging.ERROR)
        self.counts = counts

    def emit(self, record: logging.LogRecord) -> None:
        self.counts["logged_errors"] += 1


def _start(barrier) -> Counter:
    counts: Counter = Counter()
    logging.getLogger().addHandler(_ErrorCount(counts))
    barrier.wait()
    return counts


def sweeper(url: str, seconds: float, barrier, out: str) -> None:
    """Timer and clock sweeps, back to back, for ``seconds``; what they applied."""
    db = Database(url)
    counts = _start(barrier)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        counts["timer"] += timers.run_due(db)
        swept = sweep.sweep(db)
        counts["deemed_accepted"] += swept["deemed_accepted"]
        counts["sweep_failed"] += swept["failed"]
    db.dispose()
    Path(out).write_text(json.dumps(counts), encoding="utf-8")


def clerk(url: str, username: str, bpmn_id: str, data: dict, case_ids: list[int], seed: int, barrier,
          out: str) -> None:
    """Complete step ``bpmn_id`` of every case (in a shuffled order); the tasks it completed."""
    db = Database(url)
    with db.reading() as session:
        person = session.scalars(select(User).where(User.username == username)).one()
    order = list(case_ids)
    random.Random(seed).shuffle(order)
    counts = _start(barrier)
    completed = []
    for case_id in order:
        with db.reading() as session:
            task_id = session.scalar(select(HumanTask.id).where(
                HumanTask.case_id == case_id, HumanTask.bpmn_id == bpmn_id, HumanTask.state == "open"))
        if task_id is None:
            counts["gone"] += 1
            continue
        try:
            tasks.complete(db, person, task_id, data)
        except Busy:
            counts["busy"] += 1
        except EngineError:
            counts["refused"] += 1
        else:
            completed.append(task_id)
    db.dispose()
    Path(out).write_text(json.dumps({**counts, "completed": completed}), encoding="utf-8")
