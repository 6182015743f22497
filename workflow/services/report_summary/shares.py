"""A case's and a task's share of the summary, and the recount of it from the source rows."""
from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from itertools import groupby
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session

from workflow import vocabulary as v
from workflow.domain.matters import MATTERS
from workflow.storage.models import Case, HumanTask, ProcessInstance
from workflow.storage.models.report import TOTAL
from workflow.timekeeping.workdays import local_date

CASE_COUNTS = ("received", "in_progress", "correction", "completed", "granted", "withdrawn", "on_time", "timed",
               "items", "finished")
TASK_COUNTS = ("tasks",)
CASE_FIELDS = ("created_at", "status", "outcome", "on_time", "completed_at", "data")
INSTANCE_FIELDS = ("case_id", "matter_code", "outcome")
TASK_FIELDS = ("state", "close_reason", "closed_at", "created_at", "matter_code", "bpmn_id", "completed_by", "title")
PENDING = "report_summary_pending"
BATCH = 5000

Key = tuple          # ("C", day, matter) or ("T", day, matter, bpmn_id, completed_by, title)


def unit_matters() -> tuple[str, ...]:
    """The matters counted in statistics units rather than filings (their catalogue entry says how
    many units one filing is); read each time, since a deployment may add matters."""
    return tuple(code for code, matter in MATTERS.items() if matter.units)


def items_of(matter: str, data: dict | None) -> int:
    """How many statistics units one filing of a unit-counted matter is; 0 for the others."""
    entry = MATTERS.get(matter)
    return entry.units_of(data) if entry is not None and entry.units else 0


def days(start: datetime, end: datetime) -> float:
    """``end - start`` in days, never negative (``report_sql.days_between`` in Python)."""
    return max(0.0, (end - start) / timedelta(days=1))


@dataclass
class Part:
    """Counts and durations one case or task adds to one summary row (or a row's sum)."""
    counts: dict[str, int] = field(default_factory=dict)
    durations: list[float] | array = field(default_factory=list)

    def add(self, other: Part) -> None:
        counts = self.counts
        for name, n in other.counts.items():
            counts[name] = counts.get(name, 0) + n
        self.durations.extend(other.durations)


Parts = dict[Key, Part]


def merge(into: Parts, parts: Parts) -> None:
    for key, part in parts.items():
        into.setdefault(key, Part()).add(part)


@dataclass(frozen=True)
class CaseFacts:
    created_at: datetime
    status: str
    outcome: str | None
    on_time: bool | None
    completed_at: datetime | None


def case_parts(case: CaseFacts, instances: Iterable[tuple[str, str | None, dict | None]]) -> Parts:
    """A case's share: once under ``TOTAL`` and once per process instance under its matter, on the
    day it was received; and one ``finished`` on the day it ended (the trend's 办结 line)."""
    status, done = case.status, case.status == v.COMPLETED
    running = status not in (v.COMPLETED, v.WITHDRAWN)
    common = {"received": 1, "in_progress": int(running and status != v.CORRECTION),
              "correction": int(status == v.CORRECTION), "completed": int(done),
              "withdrawn": int(status == v.WITHDRAWN), "on_time": int(done and case.on_time is True),
              "timed": int(done and case.on_time is not None)}
    duration = [days(case.created_at, case.completed_at)] if done and case.completed_at is not None else []
    day, parts = local_date(case.created_at), {}
    shares = [(TOTAL, case.outcome, None)] + [(m, o if o is not None else case.outcome, d) for m, o, d in instances]
    for matter, outcome, data in shares:
        counts = {**common, "granted": int(done and outcome in v.REPORTED_GRANTED),
                  "items": items_of(matter, data)}
        found = parts.get(("C", day, matter))
        if found is None:
            parts[("C", day, matter)] = Part(counts, list(duration))
        else:
            found.add(Part(counts, duration))
    if case.completed_at is not None:
        parts.setdefault(("C", local_date(case.completed_at), TOTAL), Part()).add(Part({"finished": 1}))
    return parts


def task_share(state: str, close_reason: str | None, closed_at: datetime | None, created_at: datetime,
               matter: str, bpmn_id: str, completed_by: int | None, title: str) -> tuple[Key, float] | None:
    """A step completed: its row (the day it closed, its person (0 when none) and title) and its days."""
    if state != v.TASK_CLOSED or close_reason != "completed" or closed_at is None:
        return None
    return ("T", local_date(closed_at), matter, bpmn_id, completed_by or 0, title), days(created_at, closed_at)


def task_parts(*task) -> Parts:
    share = task_share(*task)
    return {} if share is None else {share[0]: Part({"tasks": 1}, [share[1]])}


# -- reading the source rows ------------------------------------------------------------------

@cache
def _case_query(some: bool, units: tuple[str, ...]) -> Any:
    """Cases with their instances, ordered by case (``some``: only the ids bound as ``ids``); built once."""
    case, instance = Case.__table__.c, ProcessInstance.__table__.c      # Core: no ORM loading per row
    data = sql_case((instance.matter_code.in_(units), case.data))
    query = (select(case.id, case.created_at, case.status, case.outcome, case.on_time, case.completed_at,
                    instance.matter_code, instance.outcome, data)
             .select_from(Case.__table__).outerjoin(ProcessInstance.__table__, instance.case_id == case.id)
             .order_by(case.id, instance.id))
    return query.where(case.id.in_(bindparam("ids", expanding=True))) if some else query


def case_rows(session: Session, ids: Iterable[int] | None = None) -> Iterator[tuple[int, Parts]]:
    """Each case's share recounted from its rows (all cases when ``ids`` is None, streamed)."""
    if ids is None:
        rows = session.execute(_case_query(False, unit_matters()).execution_options(yield_per=BATCH))
    else:                                   # a command's few cases: one plain fetch
        rows = session.execute(_case_query(True, unit_matters()), {"ids": list(ids)}).all()
    for case_id, group in groupby(rows, key=lambda row: row[0]):
        group = list(group)
        facts = CaseFacts(*group[0][1:6])
        yield case_id, case_parts(facts, [(m, o, d) for *_case, m, o, d in group if m is not None])


def _task_rows(session: Session, parts: Parts) -> None:
    """Add every completed step to ``parts`` (one pass, no object per step: there are millions)."""
    query = select(HumanTask.state, HumanTask.close_reason, HumanTask.closed_at, HumanTask.created_at,
                   HumanTask.matter_code, HumanTask.bpmn_id, HumanTask.completed_by, HumanTask.title).where(
        HumanTask.state == v.TASK_CLOSED, HumanTask.close_reason == "completed")
    for row in session.execute(query.execution_options(yield_per=BATCH)):
        share = task_share(*row)
        if share is not None:
            part = parts.get(share[0])
            if part is None:
                parts[share[0]] = part = Part({"tasks": 0}, [])
            part.counts["tasks"] += 1
            part.durations.append(share[1])


def recount(session: Session) -> Parts:
    """What the summary must hold, counted from every case, instance and task."""
    parts: Parts = {}
    for _case_id, share in case_rows(session):
        merge(parts, share)
    _task_rows(session, parts)
    return parts


