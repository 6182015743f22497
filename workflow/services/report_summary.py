"""The period report's summary (``report_case_days``, ``report_task_days``), kept in the transaction
of every command that changes what it counts.

Why: the supervisor dashboard and the period report counted every case and step of their period;
a province files ~100,000 cases a year, so a year to date is ~100k cases and ~200k steps, and
took seconds. They now read a row per day and matter (and per day and step) instead.

How it stays exact: a ``before_flush`` listener notes each case, instance and task a transaction
changes in a way the report sees. For a case it keeps the case's share of the summary as it was
before the transaction (read from the database the first time the transaction touches the case:
every command has locked the case row by then, so nobody else can change it until we commit).
At commit (the audit hook: after the case, instance and counter locks, before the audit head)
the case's share is recounted from its rows and the difference is added to the summary rows with
``INSERT … ON CONFLICT DO UPDATE``, in key order, so two commands never wait on each other's
summary rows crosswise. Whatever wrote the row (a clerk, a timer, the sweep) the summary follows,
and a rolled-back command changes nothing. Rows written by hand in SQL (a data fix, the bulk
generator of ``bench/scale.py``) bypass the ORM: run :func:`rebuild` after them
(``python -m workflow db rebuild-report-summary``).

What the clock decides stays live: whether a running case is overdue (``ix_cases_running``).
Medians and percentiles stay exact: each row keeps the durations it counts (float64, big-endian).
"""
from __future__ import annotations

import sys
from array import array
from collections import Counter as Multiset
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from itertools import chain, groupby
from typing import Any

from sqlalchemy import LargeBinary, bindparam, delete, func, inspect, select, text
from sqlalchemy import case as sql_case
from sqlalchemy import event as sa_event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.orm.base import NO_VALUE
from sqlalchemy.sql.expression import FunctionElement

from workflow import vocabulary as v
from workflow.domain.matters import MATTERS
from workflow.storage import audit
from workflow.storage.models import Case, CaseDay, HumanTask, ProcessInstance, TaskDay
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


def _merge(into: Parts, parts: Parts) -> None:
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


def _case_rows(session: Session, ids: Iterable[int] | None = None) -> Iterator[tuple[int, Parts]]:
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
    for _case_id, share in _case_rows(session):
        _merge(parts, share)
    _task_rows(session, parts)
    return parts


# -- noting changes while the transaction flushes ----------------------------------------------

@dataclass
class _Pending:
    before: dict[int, Parts] = field(default_factory=dict)        # case id -> its share before
    new_cases: list[Case] = field(default_factory=list)
    tasks: dict[int, tuple[HumanTask, Parts]] = field(default_factory=dict)   # id(obj) -> (task, before)


def _changed(obj: Any, fields: tuple[str, ...]) -> bool:
    """A reported column really changed (set to another value) since the last flush."""
    state = inspect(obj)
    touched = state.committed_state.keys() & set(fields)          # cheap: what was set at all
    return any(state.attrs[name].history.has_changes() for name in touched)


def _committed(session: Session, obj: HumanTask) -> Parts:
    """The task's share as committed: from the values the flush is about to overwrite, or, when
    one of them was never loaded, from its row (an open task shares nothing, the usual case)."""
    state = inspect(obj)
    values = [state.committed_state.get(name, state.dict.get(name, NO_VALUE)) for name in TASK_FIELDS]
    if values[0] not in (NO_VALUE, v.TASK_CLOSED):
        return {}
    if NO_VALUE in values:
        with session.no_autoflush:
            values = session.execute(select(*(getattr(HumanTask, name) for name in TASK_FIELDS))
                                     .where(HumanTask.id == obj.id)).one()
    return task_parts(*values)


@sa_event.listens_for(Session, "before_flush")
def _note(session: Session, _context, _instances) -> None:
    pending: _Pending | None = session.info.get(PENDING)
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, HumanTask):
            if obj in session.new or _changed(obj, TASK_FIELDS) or obj in session.deleted:
                pending = pending or session.info.setdefault(PENDING, _Pending())
                if id(obj) not in pending.tasks:
                    pending.tasks[id(obj)] = (obj, {} if obj in session.new else _committed(session, obj))
            continue
        if isinstance(obj, Case) and obj in session.new:
            pending = pending or session.info.setdefault(PENDING, _Pending())
            pending.new_cases.append(obj)
            continue
        case_id = _touched_case(session, obj)
        if case_id is not None:
            pending = pending or session.info.setdefault(PENDING, _Pending())
            if case_id not in pending.before and not any(c.id == case_id for c in pending.new_cases):
                with session.no_autoflush:
                    pending.before[case_id] = dict(_case_rows(session, [case_id])).get(case_id, {})


def _touched_case(session: Session, obj: Any) -> int | None:
    """The case whose share this flush changes, if any (a new instance belongs to its case)."""
    if isinstance(obj, Case) and (obj in session.deleted or _changed(obj, CASE_FIELDS)):
        return obj.id
    if isinstance(obj, ProcessInstance) and (obj in session.new or obj in session.deleted
                                             or _changed(obj, INSTANCE_FIELDS)):
        return obj.case_id
    return None


@sa_event.listens_for(Session, "after_rollback")
def _drop(session: Session) -> None:
    session.info.pop(PENDING, None)


def _on_commit(session: Session, _events: list[dict]) -> None:
    """Add what the transaction changed to the summary rows (runs before the audit head's lock)."""
    pending: _Pending | None = session.info.pop(PENDING, None)
    if pending is None:
        return
    before: Parts = {}
    after: Parts = {}
    ids = set(pending.before) | {c.id for c in pending.new_cases if c.id is not None}
    for share in pending.before.values():
        _merge(before, share)
    for _case_id, share in _case_rows(session, ids) if ids else ():
        _merge(after, share)
    for task, share in pending.tasks.values():
        _merge(before, share)
        gone = inspect(task).was_deleted or task in session.deleted
        _merge(after, {} if gone else task_parts(*(getattr(task, name) for name in TASK_FIELDS)))
    apply(session, before, after)


audit.EVENT_HOOKS.append(_on_commit)


# -- writing the rows ---------------------------------------------------------------------------

class _concat(FunctionElement):
    """Bytes ``a || b``: SQLite's ``||`` makes text of blobs, so it is cast back."""
    type = LargeBinary()
    inherit_cache = True


@compiles(_concat)
def _concat_default(element, compiler, **kw):
    left, right = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"({left} || {right})"


@compiles(_concat, "sqlite")
def _concat_sqlite(element, compiler, **kw):
    left, right = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"CAST({left} || {right} AS BLOB)"


def pack(values: Iterable[float]) -> bytes:
    packed = array("d", values)
    if sys.byteorder == "little":
        packed.byteswap()
    return packed.tobytes()


def unpack(blob: bytes | None) -> array:
    """The float64 values of a ``durations`` column (an array: the reports sort it straight away)."""
    values = array("d")
    values.frombytes(blob or b"")
    if sys.byteorder == "little":
        values.byteswap()
    return values


def _table(key: Key) -> tuple[type, dict, tuple[str, ...]]:
    if key[0] == "C":
        return CaseDay, {"day": key[1], "matter_code": key[2]}, CASE_COUNTS
    return TaskDay, dict(zip(("day", "matter_code", "bpmn_id", "completed_by", "title"), key[1:])), TASK_COUNTS


@cache
def _upsert(dialect_name: str, table: type) -> Any:
    """``INSERT … ON CONFLICT (key) DO UPDATE SET n = n + excluded.n, durations = durations || …``,
    built once per table and dialect (a command runs it once per summary row it moves)."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    columns = [c.name for c in table.__table__.columns]
    keys = [c.name for c in table.__table__.primary_key]
    core = table.__table__                  # Core, not ORM DML: the cheaper path on every commit
    statement = dialect.insert(core).values({name: bindparam(name) for name in columns})
    changes = {name: core.c[name] + statement.excluded[name] for name in columns
               if name not in keys and name != "durations"}
    changes["durations"] = _concat(core.c.durations, statement.excluded["durations"])
    return statement.on_conflict_do_update(index_elements=keys, set_=changes)


def apply(session: Session, before: Parts, after: Parts) -> None:
    """Move the summary from ``before`` to ``after``: one upsert per changed row, in key order."""
    dialect = session.bind.dialect.name
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key, Part()), after.get(key, Part())
        counts = {c: new.counts.get(c, 0) - old.counts.get(c, 0) for c in set(new.counts) | set(old.counts)}
        added = list((Multiset(new.durations) - Multiset(old.durations)).elements())
        removed = list((Multiset(old.durations) - Multiset(new.durations)).elements())
        if not any(counts.values()) and not added and not removed:
            continue
        table, row, columns = _table(key)
        session.execute(_upsert(dialect, table), {**row, **{c: counts.get(c, 0) for c in columns},
                                                  "durations": pack(added)})
        if removed:
            _remove(session, table, row, removed)


def _remove(session: Session, table: type, row: dict, removed: list[float]) -> None:
    """Take durations out of a row (a case no longer completed); the upsert above holds its lock."""
    where = [getattr(table, name) == value for name, value in row.items()]
    kept = unpack(session.scalar(select(table.durations).where(*where))).tolist()
    for value in removed:
        kept.remove(value)
    session.execute(table.__table__.update().where(*where).values(durations=pack(kept)))


def rebuild(session: Session) -> int:
    """Recount the whole summary from the cases, instances and tasks; returns the rows written.

    Needed after rows were written with SQL by hand; the migration that created the tables runs it
    once. On PostgreSQL the summary is locked first, so commands committing meanwhile wait and then
    add their own change to the recount.
    """
    if session.bind.dialect.name == "postgresql":
        session.execute(text("LOCK TABLE report_case_days, report_task_days IN EXCLUSIVE MODE"))
    session.execute(delete(CaseDay))
    session.execute(delete(TaskDay))
    parts = recount(session)
    rows: dict[type, list[dict]] = defaultdict(list)
    for key, part in parts.items():
        table, row, columns = _table(key)
        rows[table].append({**row, **{c: part.counts.get(c, 0) for c in columns}, "durations": pack(part.durations)})
    for table, values in rows.items():
        for start in range(0, len(values), BATCH):
            session.execute(table.__table__.insert(), values[start:start + BATCH])
    return len(parts)


def stored(session: Session) -> Parts:
    """The summary as it is in the tables (for :func:`differences`)."""
    parts: Parts = {}
    for row in session.scalars(select(CaseDay)):
        parts[("C", row.day, row.matter_code)] = Part({c: getattr(row, c) for c in CASE_COUNTS},
                                                      unpack(row.durations))
    for row in session.scalars(select(TaskDay)):
        parts[("T", row.day, row.matter_code, row.bpmn_id, row.completed_by, row.title)] = Part(
            {"tasks": row.tasks}, unpack(row.durations))
    return parts


def differences(session: Session) -> list[str]:
    """Rows where the summary disagrees with a recount (none, unless something bypassed the ORM)."""
    expected, found = recount(session), stored(session)
    out = []
    for key in sorted(set(expected) | set(found)):
        want, have = expected.get(key, Part()), found.get(key, Part())
        want_counts, have_counts = _nonzero(want.counts), _nonzero(have.counts)
        if want_counts != have_counts or sorted(want.durations) != sorted(have.durations):
            out.append(f"{key}: expected {want_counts} {sorted(want.durations)}, "
                       f"stored {have_counts} {sorted(have.durations)}")
    return out


def _nonzero(counts: dict[str, int]) -> dict[str, int]:
    return {name: n for name, n in counts.items() if n}


# -- reading the summary -------------------------------------------------------------------------

def case_days(session: Session, first: date, last: date) -> dict[str, Part]:
    """Sums per matter (and ``TOTAL``) of the days ``first`` … ``last``, durations included."""
    table = CaseDay.__table__
    sums: dict[str, list[int]] = {}
    blobs: dict[str, list[bytes]] = defaultdict(list)
    for matter, blob, *counts in session.execute(select(table.c.matter_code, table.c.durations, *(
            table.c[c] for c in CASE_COUNTS)).where(table.c.day >= first, table.c.day <= last)).all():
        found = sums.get(matter)
        sums[matter] = counts if found is None else [a + b for a, b in zip(found, counts)]
        blobs[matter].append(blob)
    return {matter: Part(dict(zip(CASE_COUNTS, counts)), unpack(b"".join(blobs[matter])))
            for matter, counts in sums.items()}


@dataclass
class TaskSums:
    """Steps completed in a period: per (matter, step) the least title and every duration; per person
    the number completed."""
    titles: dict[tuple[str, str], str] = field(default_factory=dict)
    durations: dict[tuple[str, str], array] = field(default_factory=dict)
    done: dict[int, int] = field(default_factory=lambda: defaultdict(int))


def task_days(session: Session, first: date, last: date) -> TaskSums:
    """What the steps completed on the days ``first`` … ``last`` add up to."""
    table, sums = TaskDay.__table__, TaskSums()
    blobs: dict[tuple[str, str], list[bytes]] = defaultdict(list)
    for matter, bpmn_id, person, title, count, blob in session.execute(select(
            table.c.matter_code, table.c.bpmn_id, table.c.completed_by, table.c.title, table.c.tasks,
            table.c.durations).where(table.c.day >= first, table.c.day <= last)).all():
        key = (matter, bpmn_id)
        sums.titles[key] = min(sums.titles.get(key, title), title)
        sums.done[person] += count
        blobs[key].append(blob)
    sums.durations = {key: unpack(b"".join(parts)) for key, parts in blobs.items()}
    return sums


def monthly(session: Session, since: date) -> dict[str, tuple[int, int]]:
    """Office month -> (cases received, cases finished), from ``since`` on."""
    out: dict[str, tuple[int, int]] = {}
    for day, received, finished in session.execute(select(CaseDay.day, CaseDay.received, CaseDay.finished).where(
            CaseDay.matter_code == TOTAL, CaseDay.day >= since)):
        month = day.strftime("%Y-%m")
        before = out.get(month, (0, 0))
        out[month] = (before[0] + received, before[1] + finished)
    return out


def finished_by_status(session: Session) -> dict[str, int]:
    """Every completed and withdrawn case there is (the dashboard's status counts)."""
    completed, withdrawn = session.execute(select(func.coalesce(func.sum(CaseDay.completed), 0),
                                                  func.coalesce(func.sum(CaseDay.withdrawn), 0))
                                           .where(CaseDay.matter_code == TOTAL)).one()
    return {status: n for status, n in ((v.COMPLETED, completed), (v.WITHDRAWN, withdrawn)) if n}
