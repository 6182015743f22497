"""Writing the summary rows (upserts in key order), rebuilding them, and reading them for the reports."""
from __future__ import annotations

import sys
from array import array
from collections import Counter as Multiset
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import LargeBinary, bindparam, delete, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import FunctionElement

from workflow import vocabulary as v
from workflow.storage.models import CaseDay, TaskDay
from workflow.storage.models.report import TOTAL
from workflow.services.report_summary.shares import BATCH, CASE_COUNTS, TASK_COUNTS, Key, Part, Parts, recount

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
    """Move the summary from ``before`` to ``after``: an upsert per changed row, in key order; the
    rows of one table go in one executemany (a completed case moves its matter's row and the total's)."""
    dialect = session.bind.dialect.name
    batch: list[dict] = []
    batch_table = None
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key, Part()), after.get(key, Part())
        counts = {c: new.counts.get(c, 0) - old.counts.get(c, 0) for c in set(new.counts) | set(old.counts)}
        added = list((Multiset(new.durations) - Multiset(old.durations)).elements())
        removed = list((Multiset(old.durations) - Multiset(new.durations)).elements())
        if not any(counts.values()) and not added and not removed:
            continue
        table, row, columns = _table(key)
        if table is not batch_table:
            _upsert_all(session, dialect, batch_table, batch)
            batch, batch_table = [], table
        batch.append({**row, **{c: counts.get(c, 0) for c in columns}, "durations": pack(added)})
        if removed:                    # after its row's upsert, which takes the row's lock
            _upsert_all(session, dialect, batch_table, batch)
            batch = []
            _remove(session, table, row, removed)
    _upsert_all(session, dialect, batch_table, batch)


def _upsert_all(session: Session, dialect: str, table: type | None, rows: list[dict]) -> None:
    if rows:
        session.execute(_upsert(dialect, table), rows if len(rows) > 1 else rows[0])


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
