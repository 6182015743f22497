"""Supervisor figures (效能督查): counts, red/yellow lists, processing times, rates, workload, trend.

The period's counts, medians and percentiles of cases and steps are read from the summary
(``report_summary``: a row per office day and matter, and per day and step, kept in the
transaction of every command), so a page costs what its days hold, not what the tables hold;
what the clock decides (overdue cases, open and overdue tasks, red and yellow lists) is read
live from indexes that hold only running cases and open tasks. Definitions (also shown on the pages):

- processing time of a case: ``completed_at - created_at``; of a step:
  ``closed_at - created_at`` of human tasks closed as completed; in days;
- on-time rate: completed cases finished within their limit (``on_time``) over
  completed cases whose limit was known;
- completion rate (办结率): completed cases over cases received in the period,
  withdrawn ones left out of both;
- satisfaction rate (满意率): ratings of level 4 or 5 over all ratings.

A joint filing counts once under each of its matters, and once in the total (the total counts
cases, not matters: 38 filings are 38 received even when two of them carry two matters each).
Satisfaction is ratings of level 4 or 5 over ratings, each rating counted once. Beside filings
the bureaus count what they issue and register: certificates, equipment units and vehicles
(a CNG filing is as many vehicles as it lists, an installation notice as many units).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import case as sql_case
from sqlalchemy import func, select

from workflow.domain.matters import MATTERS
from workflow.domain.permissions import Actor, require_role
from workflow.domain.policy.case_rules import BAD_LEVELS
from workflow.errors import ValidationError
from workflow.services import report_summary
from workflow.storage.db import Database, utcnow
from workflow.storage.models import (
    Case,
    Certificate,
    HumanTask,
    ProcessInstance,
    Rating,
    User,
)
from workflow.storage.models.report import TOTAL
from workflow.timekeeping.workdays import OFFICE_TZ, local_date
from workflow.vocabulary import FINISHED

REPORT_ROLES = ("supervisor", "admin")
LIST_LIMIT = 50
SATISFIED = (4, 5)
REVERSED = "The end date must not be before the start date."


def percentile(values: list[float], p: float) -> float | None:
    """Linear-interpolated percentile (p in 0..100) of the values; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def rate(part: int, whole: int) -> float | None:
    return None if not whole else part / whole


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, OFFICE_TZ)


@dataclass(frozen=True)
class Timing:
    count: int
    median: float | None
    p90: float | None


NO_TIMING = Timing(0, None, None)


@dataclass
class MatterRow:
    matter: str
    received: int = 0
    in_progress: int = 0
    correction: int = 0
    completed: int = 0
    granted: int = 0
    not_granted: int = 0
    withdrawn: int = 0
    on_time: int = 0
    timed: int = 0
    overdue_open: int = 0
    ratings: int = 0
    satisfied: int = 0
    items: int = 0
    certificates: int = 0
    bad: int = 0
    rectified: int = 0
    time: Timing = field(default=NO_TIMING)

    @property
    def on_time_rate(self) -> float | None:
        return rate(self.on_time, self.timed)

    @property
    def completion_rate(self) -> float | None:
        return rate(self.completed, self.received - self.withdrawn)

    @property
    def satisfaction_rate(self) -> float | None:
        return rate(self.satisfied, self.ratings)


    @property
    def rectification_rate(self) -> float | None:
        """差评整改率: bad ratings the supervisor has answered over bad ratings."""
        return rate(self.rectified, self.bad)

@dataclass
class StepRow:
    matter: str
    bpmn_id: str
    title: str
    timing: Timing


@dataclass
class Workload:
    user_id: int
    name: str
    role: str
    department: str | None
    open_tasks: int
    completed: int
    overdue: int


@dataclass
class Dashboard:
    period_from: date
    period_to: date
    rows: list[MatterRow]
    total: MatterRow
    by_status: dict[str, int]
    red: list[Case]
    yellow: list[Case]
    red_tasks: list[HumanTask]
    steps: list[StepRow]
    workload: list[Workload]
    trend: list[tuple[str, int, int]]
    unanswered: list[tuple[Rating, str]] = field(default_factory=list)


def _count(condition) -> object:
    return func.coalesce(func.sum(sql_case((condition, 1), else_=0)), 0)


def _matter_rows(session, start: datetime, end: datetime, now: datetime) -> tuple[dict[str, MatterRow], MatterRow]:
    """One row per matter (a joint filing under each of its matters) and the total over cases.

    Read from the summary (a row per day and matter, ``report_summary``), so the cost follows
    the days of the period, not its cases; only what the clock decides (overdue) is counted live.
    """
    sums = report_summary.case_days(session, local_date(start), local_date(end) - timedelta(days=1))
    rows, total = {}, MatterRow("total")
    counted_in_units = report_summary.unit_matters()
    for matter, part in sums.items():
        if matter == TOTAL or part.counts["received"]:
            row = total if matter == TOTAL else rows.setdefault(matter, MatterRow(matter))
            for name in ROW_COUNTS:
                setattr(row, name, part.counts[name])
            row.not_granted = row.completed - row.granted
            row.items = part.counts["items"] if matter in counted_in_units else row.received
            row.time = _timing(part.durations)
    total.items = sum(row.items for row in rows.values())
    _overdue(session, start, end, now, rows, total)
    _ratings(session, start, end, rows, total)
    _certificates(session, start, end, rows, total)
    return rows, total


ROW_COUNTS = ("received", "in_progress", "correction", "completed", "granted", "withdrawn", "on_time", "timed")


def _overdue(session, start: datetime, end: datetime, now: datetime, rows: dict[str, MatterRow],
             total: MatterRow) -> None:
    """Running cases of the period past their decision date or marked red: the clock decides, so
    this is counted now, from the running cases only (``ix_cases_running``), and their matters by
    case id (``ix_process_instances_case_id``; a join let PostgreSQL scan every instance)."""
    ids = list(session.scalars(select(Case.id).where(
        Case.created_at >= start, Case.created_at < end, Case.status.not_in(FINISHED),
        (Case.light == "red") | (Case.decision_due_at < now))))
    total.overdue_open = len(ids)
    for first in range(0, len(ids), ID_BATCH):
        for matter, count in session.execute(select(ProcessInstance.matter_code, func.count()).where(
                ProcessInstance.case_id.in_(ids[first:first + ID_BATCH])).group_by(ProcessInstance.matter_code)):
            rows[matter].overdue_open += count


ID_BATCH = 10_000           # ids per IN list: SQLite takes at most 32,766 parameters


def _ratings(session, start: datetime, end: datetime, rows: dict[str, MatterRow], total: MatterRow) -> None:
    """满意率 per rating: each rating once under the matter it rates and once in the total."""
    bad = Rating.level.in_(BAD_LEVELS)
    query = (select(Rating.matter_code, func.count(), _count(Rating.level.in_(SATISFIED)), _count(bad),
                    _count(bad & Rating.replied_at.is_not(None)))
             .where(Rating.rated_at >= start, Rating.rated_at < end).group_by(Rating.matter_code))
    for matter, count, satisfied, bad_count, rectified in session.execute(query):
        for row in (rows.setdefault(matter, MatterRow(matter)), total):
            row.ratings += count
            row.satisfied += satisfied
            row.bad += bad_count
            row.rectified += rectified


def _certificates(session, start: datetime, end: datetime, rows: dict[str, MatterRow], total: MatterRow) -> None:
    query = (select(Certificate.matter_code, func.count()).where(
        Certificate.issued_on >= local_date(start), Certificate.issued_on < local_date(end))
        .group_by(Certificate.matter_code))
    for matter, count in session.execute(query):
        rows.setdefault(matter, MatterRow(matter)).certificates += count
        total.certificates += count


def _ordered(rows: dict[str, MatterRow]) -> list[MatterRow]:
    order = {code: i for i, code in enumerate(MATTERS)}
    return sorted(rows.values(), key=lambda r: (order.get(r.matter, len(order)), r.matter))


def _steps(tasks: report_summary.TaskSums) -> list[StepRow]:
    """Count, median and p90 of each step's days (``closed_at - created_at``) of the period."""
    order = {code: i for i, code in enumerate(MATTERS)}
    return [StepRow(m, b, tasks.titles[(m, b)], _timing(tasks.durations[(m, b)]))
            for m, b in sorted(tasks.titles, key=lambda key: (order.get(key[0], 99), key))]


def _timing(values) -> Timing:
    ordered = sorted(values)        # once: percentile() then copies an ordered list in one pass
    return Timing(len(ordered), percentile(ordered, 50), percentile(ordered, 90)) if ordered else NO_TIMING


def _workload(session, tasks: report_summary.TaskSums, now: datetime) -> list[Workload]:
    staff = session.scalars(select(User).where(User.role.in_(("window", "reviewer", "inspector", "approver",
                                                                "expert")), User.active.is_(True))
                            .order_by(User.role, User.username)).all()
    open_counts = dict(session.execute(select(HumanTask.assignee_id, func.count()).where(
        HumanTask.state == "open", HumanTask.assignee_id.is_not(None)).group_by(HumanTask.assignee_id)).all())
    overdue = dict(session.execute(select(HumanTask.assignee_id, func.count()).where(
        HumanTask.state == "open", HumanTask.assignee_id.is_not(None), HumanTask.due_at < now)
        .group_by(HumanTask.assignee_id)).all())
    return [Workload(u.id, u.display_name, u.role, u.department_code, open_counts.get(u.id, 0),
                     tasks.done.get(u.id, 0), overdue.get(u.id, 0)) for u in staff]


def _month_start(day: date, back: int) -> date:
    month = day.year * 12 + day.month - 1 - back
    return date(month // 12, month % 12 + 1, 1)


def _trend(session, today: date, months: int = 12) -> list[tuple[str, int, int]]:
    counts = report_summary.monthly(session, _month_start(today, months - 1))
    keys = [_month_start(today, back).strftime("%Y-%m") for back in range(months - 1, -1, -1)]
    return [(k, *counts.get(k, (0, 0))) for k in keys]


def _by_status(session) -> dict[str, int]:
    """Cases by status now: the running ones counted live (a few thousand, ``ix_cases_running``),
    the finished ones (nearly all of them) from the summary."""
    running = dict(session.execute(select(Case.status, func.count()).where(Case.status.not_in(FINISHED))
                                   .group_by(Case.status)).all())
    return {**running, **report_summary.finished_by_status(session)}


def _period_tasks(session, start: datetime, end: datetime) -> report_summary.TaskSums:
    return report_summary.task_days(session, local_date(start), local_date(end) - timedelta(days=1))


def dashboard(db: Database, actor: Actor, date_from: date | None = None, date_to: date | None = None,
              now: datetime | None = None) -> Dashboard:
    """The supervisor's overview; the period defaults to the current year."""
    require_role(actor, *REPORT_ROLES)
    now = now or utcnow()
    today = local_date(now)
    date_from = date_from or date(today.year, 1, 1)
    date_to = date_to or today
    start, end = _start(date_from), _start(date_to + timedelta(days=1))
    with db.reading() as session:
        found, total = _matter_rows(session, start, end, now)
        rows = _ordered(found)
        by_status = _by_status(session)
        running = Case.status.in_(("submitted", "correction", "in_progress"))
        red = list(session.scalars(select(Case).where(running, Case.light == "red")
                                   .order_by(Case.decision_due_at).limit(LIST_LIMIT)))
        yellow = list(session.scalars(select(Case).where(running, Case.light == "yellow")
                                      .order_by(Case.decision_due_at).limit(LIST_LIMIT)))
        red_tasks = list(session.scalars(select(HumanTask).where(HumanTask.state == "open", HumanTask.light == "red")
                                         .order_by(HumanTask.due_at).limit(LIST_LIMIT)))
        tasks = _period_tasks(session, start, end)
        return Dashboard(date_from, date_to, rows, total, by_status, red, yellow, red_tasks,
                         _steps(tasks), _workload(session, tasks, now), _trend(session, today), _unanswered(session))


def _unanswered(session) -> list[tuple[Rating, str]]:
    """Bad ratings still waiting for the supervisor's answer (差评整改), oldest first."""
    query = (select(Rating, Case.number).join(Case, Case.id == Rating.case_id)
             .where(Rating.replied_at.is_(None), Rating.level.in_(BAD_LEVELS)).order_by(Rating.rated_at)
             .limit(LIST_LIMIT))
    return [(r, n) for r, n in session.execute(query)]


@dataclass
class PeriodReport:
    date_from: date
    date_to: date
    rows: list[MatterRow]
    total: MatterRow
    steps: list[StepRow]


def period_report(db: Database, actor: Actor, date_from: date, date_to: date, now: datetime | None = None) -> PeriodReport:
    """The period's figures; a range that ends before it starts is a field error, not a guess."""
    require_role(actor, *REPORT_ROLES)
    if date_to < date_from:
        raise ValidationError({"date_to": [REVERSED]})
    now = now or utcnow()
    start, end = _start(date_from), _start(date_to + timedelta(days=1))
    with db.reading() as session:
        rows, total = _matter_rows(session, start, end, now)
        return PeriodReport(date_from, date_to, _ordered(rows), total, _steps(_period_tasks(session, start, end)))
