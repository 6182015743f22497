"""The period figures counted directly from cases, instances and tasks: the queries the dashboard
and the period report ran before the summary (``workflow/services/report_summary.py``) replaced
them, kept here as the oracle the summary-backed figures are compared with, on both backends
(percentiles with ``percentile_cont`` on PostgreSQL, ranked in Python on SQLite)."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date, datetime

from sqlalchemy import Float, func, literal_column, select, true, tuple_
from sqlalchemy import case as sql_case
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from workflow.services.report_summary import items_of, unit_matters
from workflow.vocabulary import REPORTED_GRANTED
from workflow.services.reports import (
    MatterRow,
    Timing,
    _certificates,
    _month_start,
    _ratings,
    _start,
    percentile,
)
from workflow.storage.models import Case, HumanTask, ProcessInstance
from workflow.timekeeping.workdays import OFFICE_TZ


class days_between(FunctionElement):
    """``end - start`` in days (fractional), never negative."""
    type = Float()
    inherit_cache = True


@compiles(days_between, "postgresql")
def _days_pg(element, compiler, **kw):
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"GREATEST(0, EXTRACT(EPOCH FROM ({end} - {start})) / 86400.0)"


@compiles(days_between)
def _days_sqlite(element, compiler, **kw):
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"MAX(0, julianday({end}) - julianday({start}))"


class office_month(FunctionElement):
    """``YYYY-MM`` of a UTC timestamp in the office's time zone."""
    inherit_cache = True


@compiles(office_month, "postgresql")
def _month_pg(element, compiler, **kw):
    return f"to_char({compiler.process(element.clauses, **kw)} AT TIME ZONE '{OFFICE_TZ.key}', 'YYYY-MM')"


@compiles(office_month)
def _month_sqlite(element, compiler, **kw):
    return f"strftime('%Y-%m', {compiler.process(element.clauses, **kw)}, '+8 hours')"


Key = tuple
Stats = tuple[int, float | None, float | None]       # count, median, 90th percentile


def timings(session: Session, keys: Sequence[ColumnElement], days: ColumnElement, where: Sequence,
            percentile: Callable[[list[float], float], float | None],
            joins: Callable = lambda query: query) -> dict[Key, Stats]:
    """Count, median and p90 of ``days`` per ``keys`` value and, under the key ``()``, over all rows."""
    if session.bind.dialect.name == "postgresql":
        return _timings_pg(session, keys, days, where, joins)
    groups: dict[Key, list[float]] = defaultdict(list)
    for *key, value in session.execute(joins(select(*keys, days)).where(*where)):
        if key:
            groups[tuple(key)].append(value)
        groups[()].append(value)
    return {key: (len(values), percentile(values, 50), percentile(values, 90)) for key, values in groups.items()}


def _timings_pg(session, keys, days, where, joins) -> dict[Key, Stats]:
    median = func.percentile_cont(0.5).within_group(days)
    p90 = func.percentile_cont(0.9).within_group(days)
    query = joins(select(*keys, func.count(), median, p90)).where(*where)
    if keys:        # each key, and () for the total, in one pass
        query = query.group_by(func.grouping_sets(tuple_(*keys), tuple_())).add_columns(func.grouping(*keys))
    else:
        query = query.add_columns(literal_column("1"))
    out = {}
    for row in session.execute(query):
        *key, count, mid, high, total = row
        out[() if keys and total else tuple(key)] = (count, mid, high)
    return out


def _count(condition) -> object:
    return func.coalesce(func.sum(sql_case((condition, 1), else_=0)), 0)


def _counts(outcome, now: datetime) -> tuple:
    status = Case.status
    done, running = status == "completed", status.not_in(("completed", "withdrawn"))
    return (func.count(), _count(running & (status != "correction")), _count(status == "correction"),
            _count(done), _count(done & outcome.in_(REPORTED_GRANTED)), _count(status == "withdrawn"),
            _count(done & (Case.on_time == true())), _count(done & Case.on_time.is_not(None)),
            _count(running & ((Case.light == "red") | (Case.decision_due_at < now))))


def _row(matter: str, received, in_progress, correction, completed, granted, withdrawn, on_time, timed,
         overdue) -> MatterRow:
    return MatterRow(matter, received, in_progress, correction, completed, granted, completed - granted,
                     withdrawn, on_time, timed, overdue)


def matter_rows(session, start: datetime, end: datetime, now: datetime) -> tuple[dict[str, MatterRow], MatterRow]:
    in_period = (Case.created_at >= start, Case.created_at < end)
    joined = lambda query: query.select_from(ProcessInstance).join(Case, Case.id == ProcessInstance.case_id)
    per_matter = joined(select(ProcessInstance.matter_code,
                               *_counts(func.coalesce(ProcessInstance.outcome, Case.outcome), now)))
    rows = {matter: _row(matter, *counts)
            for matter, *counts in session.execute(per_matter.where(*in_period).group_by(ProcessInstance.matter_code))}
    total = _row("total", *session.execute(select(*_counts(Case.outcome, now)).where(*in_period)).one())
    for row in rows.values():
        row.items = 0 if row.matter in unit_matters() else row.received
    units = joined(select(ProcessInstance.matter_code, Case.data)).where(
        *in_period, ProcessInstance.matter_code.in_(unit_matters()))
    for matter, data in session.execute(units):
        rows[matter].items += items_of(matter, data)
    total.items = sum(row.items for row in rows.values())
    done = [*in_period, Case.status == "completed", Case.completed_at.is_not(None)]
    days = days_between(Case.created_at, Case.completed_at)
    for key, stats in timings(session, [ProcessInstance.matter_code], days, done, percentile, joined).items():
        if key:
            rows[key[0]].time = Timing(*stats)
    total.time = Timing(*timings(session, [], days, done, percentile).get((), (0, None, None)))
    _ratings(session, start, end, rows, total)
    _certificates(session, start, end, rows, total)
    return rows, total


def steps(session, start: datetime, end: datetime) -> dict[tuple[str, str], tuple[str, Timing]]:
    where = (HumanTask.state == "closed", HumanTask.close_reason == "completed", HumanTask.closed_at >= start,
             HumanTask.closed_at < end)
    keys = (HumanTask.matter_code, HumanTask.bpmn_id)
    titles = {tuple(k): t for *k, t in session.execute(
        select(*keys, func.min(HumanTask.title)).where(*where).group_by(*keys))}
    stats = timings(session, keys, days_between(HumanTask.created_at, HumanTask.closed_at), where, percentile)
    return {key: (title, Timing(*stats[key])) for key, title in titles.items()}


def done_by(session, start: datetime, end: datetime) -> dict[int, int]:
    return dict(session.execute(select(HumanTask.completed_by, func.count()).where(
        HumanTask.close_reason == "completed", HumanTask.closed_at >= start, HumanTask.closed_at < end)
        .group_by(HumanTask.completed_by)).all())


def trend(session, today: date, months: int = 12) -> list[tuple[str, int, int]]:
    since = _start(_month_start(today, months - 1))
    counts = []
    for column in (Case.created_at, Case.completed_at):
        month = office_month(column)
        counts.append(dict(session.execute(select(month, func.count()).where(column >= since).group_by(month)).all()))
    keys = [_month_start(today, back).strftime("%Y-%m") for back in range(months - 1, -1, -1)]
    return [(k, counts[0].get(k, 0), counts[1].get(k, 0)) for k in keys]


def by_status(session) -> dict[str, int]:
    return dict(session.execute(select(Case.status, func.count()).group_by(Case.status)).all())
