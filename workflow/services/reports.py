"""Supervisor figures (效能督查): counts, red/yellow lists, processing times, rates, workload, trend.

All figures come from SQL over ``cases``, ``process_instances``, ``human_tasks``
and ``ratings``, aggregated in the database (``GROUP BY``; percentiles with
``percentile_cont`` on PostgreSQL, see ``report_sql``), so a page costs what its
period holds, not what the tables hold. Definitions (also shown on the pages):

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
from sqlalchemy import func, select, true

from workflow.domain.matters import MATTERS
from workflow.domain.permissions import require_role
from workflow.services.report_sql import days_between, office_month, timings
from workflow.domain.policy.case_rules import BAD_LEVELS
from workflow.errors import ValidationError
from workflow.storage.db import Database, utcnow
from workflow.storage.models import Case, Certificate, HumanTask, ProcessInstance, Rating, User
from workflow.timekeeping.workdays import OFFICE_TZ, local_date

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


GRANTED = {"granted", "registered", "filed", "awarded", "deemed_granted", "partly_granted"}


def _count(condition) -> object:
    return func.coalesce(func.sum(sql_case((condition, 1), else_=0)), 0)


def _counts(outcome, now: datetime) -> tuple:
    """MatterRow's counts from ``received`` to ``overdue_open`` as aggregates over case rows."""
    status = Case.status
    done, running = status == "completed", status.not_in(("completed", "withdrawn"))
    return (func.count(), _count(running & (status != "correction")), _count(status == "correction"),
            _count(done), _count(done & outcome.in_(GRANTED)), _count(status == "withdrawn"),
            _count(done & (Case.on_time == true())), _count(done & Case.on_time.is_not(None)),
            _count(running & ((Case.light == "red") | (Case.decision_due_at < now))))


def _row(matter: str, received, in_progress, correction, completed, granted, withdrawn, on_time, timed,
         overdue) -> MatterRow:
    return MatterRow(matter, received, in_progress, correction, completed, granted, completed - granted,
                     withdrawn, on_time, timed, overdue)


def _matter_rows(session, start: datetime, end: datetime, now: datetime) -> tuple[dict[str, MatterRow], MatterRow]:
    """One row per matter (a joint filing under each of its matters) and the total over cases.

    Counted in SQL (GROUP BY), so the cost follows the period, not a Python loop over its cases.
    """
    in_period = (Case.created_at >= start, Case.created_at < end)
    joined = lambda query: query.select_from(ProcessInstance).join(Case, Case.id == ProcessInstance.case_id)  # noqa: E731
    per_matter = joined(select(ProcessInstance.matter_code,
                               *_counts(func.coalesce(ProcessInstance.outcome, Case.outcome), now)))
    rows = {matter: _row(matter, *counts)
            for matter, *counts in session.execute(per_matter.where(*in_period).group_by(ProcessInstance.matter_code))}
    total = _row("total", *session.execute(select(*_counts(Case.outcome, now)).where(*in_period)).one())
    counted = [code for code, matter in MATTERS.items() if matter.units]     # units per filing, from the catalogue
    for row in rows.values():
        row.items = 0 if row.matter in counted else row.received
    units = joined(select(ProcessInstance.matter_code, Case.data)).where(
        *in_period, ProcessInstance.matter_code.in_(counted))
    for matter, data in session.execute(units):
        rows[matter].items += MATTERS[matter].units_of(data)
    total.items = sum(row.items for row in rows.values())
    done = [*in_period, Case.status == "completed", Case.completed_at.is_not(None)]
    days = days_between(Case.created_at, Case.completed_at)
    per_matter_days = timings(session, [ProcessInstance.matter_code], days, done, percentile, joined)
    for key, stats in per_matter_days.items():
        if key:                                   # () is the total over instances; cases count below
            rows[key[0]].time = Timing(*stats)
    total.time = Timing(*timings(session, [], days, done, percentile).get((), (0, None, None)))
    _ratings(session, start, end, rows, total)
    _certificates(session, start, end, rows, total)
    return rows, total


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


def _steps(session, start: datetime, end: datetime) -> list[StepRow]:
    where = (HumanTask.state == "closed", HumanTask.close_reason == "completed", HumanTask.closed_at >= start,
             HumanTask.closed_at < end)
    keys = (HumanTask.matter_code, HumanTask.bpmn_id)
    titles = dict((tuple(k), t) for *k, t in session.execute(
        select(*keys, func.min(HumanTask.title)).where(*where).group_by(*keys)))
    stats = timings(session, keys, days_between(HumanTask.created_at, HumanTask.closed_at), where, percentile)
    order = {code: i for i, code in enumerate(MATTERS)}
    return [StepRow(m, b, titles[(m, b)], Timing(*stats[(m, b)]))
            for m, b in sorted(titles, key=lambda key: (order.get(key[0], 99), key))]


def _workload(session, start: datetime, end: datetime, now: datetime) -> list[Workload]:
    staff = session.scalars(select(User).where(User.role.in_(("window", "reviewer", "inspector", "approver",
                                                                "expert")), User.active.is_(True))
                            .order_by(User.role, User.username)).all()
    open_counts = dict(session.execute(select(HumanTask.assignee_id, func.count()).where(
        HumanTask.state == "open", HumanTask.assignee_id.is_not(None)).group_by(HumanTask.assignee_id)).all())
    overdue = dict(session.execute(select(HumanTask.assignee_id, func.count()).where(
        HumanTask.state == "open", HumanTask.assignee_id.is_not(None), HumanTask.due_at < now)
        .group_by(HumanTask.assignee_id)).all())
    done = dict(session.execute(select(HumanTask.completed_by, func.count()).where(
        HumanTask.close_reason == "completed", HumanTask.closed_at >= start, HumanTask.closed_at < end)
        .group_by(HumanTask.completed_by)).all())
    return [Workload(u.id, u.display_name, u.role, u.department_code, open_counts.get(u.id, 0), done.get(u.id, 0),
                     overdue.get(u.id, 0)) for u in staff]


def _month_start(day: date, back: int) -> date:
    month = day.year * 12 + day.month - 1 - back
    return date(month // 12, month % 12 + 1, 1)


def _trend(session, today: date, months: int = 12) -> list[tuple[str, int, int]]:
    since = _start(_month_start(today, months - 1))
    counts = []
    for column in (Case.created_at, Case.completed_at):
        month = office_month(column)
        counts.append(dict(session.execute(select(month, func.count()).where(column >= since).group_by(month)).all()))
    keys = [_month_start(today, back).strftime("%Y-%m") for back in range(months - 1, -1, -1)]
    return [(k, counts[0].get(k, 0), counts[1].get(k, 0)) for k in keys]


def dashboard(db: Database, actor, date_from: date | None = None, date_to: date | None = None,
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
        by_status = dict(session.execute(select(Case.status, func.count()).group_by(Case.status)).all())
        running = Case.status.in_(("submitted", "correction", "in_progress"))
        red = list(session.scalars(select(Case).where(running, Case.light == "red")
                                   .order_by(Case.decision_due_at).limit(LIST_LIMIT)))
        yellow = list(session.scalars(select(Case).where(running, Case.light == "yellow")
                                      .order_by(Case.decision_due_at).limit(LIST_LIMIT)))
        red_tasks = list(session.scalars(select(HumanTask).where(HumanTask.state == "open", HumanTask.light == "red")
                                         .order_by(HumanTask.due_at).limit(LIST_LIMIT)))
        return Dashboard(date_from, date_to, rows, total, by_status, red, yellow, red_tasks,
                         _steps(session, start, end), _workload(session, start, end, now), _trend(session, today),
                         _unanswered(session))


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


def period_report(db: Database, actor, date_from: date, date_to: date, now: datetime | None = None) -> PeriodReport:
    """The period's figures; a range that ends before it starts is a field error, not a guess."""
    require_role(actor, *REPORT_ROLES)
    if date_to < date_from:
        raise ValidationError({"date_to": [REVERSED]})
    now = now or utcnow()
    start, end = _start(date_from), _start(date_to + timedelta(days=1))
    with db.reading() as session:
        rows, total = _matter_rows(session, start, end, now)
        return PeriodReport(date_from, date_to, _ordered(rows), total, _steps(session, start, end))
