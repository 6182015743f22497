"""SQL the period figures need on both backends: durations in days, office months, percentiles.

Reports aggregate in the database so their cost follows the period asked for, not the Python
loop over its rows: counts with ``GROUP BY``, months in the office's time zone, and on
PostgreSQL the percentiles with ``percentile_cont`` (the same linear interpolation as
:func:`workflow.services.reports.percentile`). SQLite, the embedded single-office default, has
no percentile aggregate: there the durations of the period are read and ranked in Python.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

from sqlalchemy import Float, func, literal_column, select, tuple_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from workflow.timekeeping.workdays import OFFICE_TZ

# China keeps one offset all year (no daylight saving), so months can be cut with a fixed one.
OFFICE_OFFSET_HOURS = 8


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
    return f"strftime('%Y-%m', {compiler.process(element.clauses, **kw)}, '+{OFFICE_OFFSET_HOURS} hours')"


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
