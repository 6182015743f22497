"""Figures for ``/metrics``: counters of committed actions, and gauges read from the database.

Counters live in the process that commits (web workers; timer workers too when they share
``PROMETHEUS_MULTIPROC_DIR``) and count only committed events: the audit chain hands over the
actions it chained, and a rollback drops them. Gauges that must agree across processes (open
tasks, overdue cases, timers, workers, the audit head) are read from the database at scrape
time, each with one indexed query.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from prometheus_client import Counter
from sqlalchemy import event as sa_event
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workflow import vocabulary as v
from workflow.services.health import FORGET
from workflow.storage.audit import CHAINED
from workflow.storage.db import Database, utcnow
from workflow.storage.models import AuditEvent, AuditHead, Case, HumanTask, ProcessInstance, WorkerHeartbeat

EVENTS = Counter("licensing_events", "Committed audit events by action", ["action"])
COMPLETIONS = Counter("licensing_task_completions", "Committed task completions")
LAG_WINDOW = timedelta(minutes=15)


@sa_event.listens_for(Session, "after_commit")
def _count_committed(session: Session) -> None:
    for action in session.info.pop(CHAINED, ()):
        EVENTS.labels(action).inc()
        if action == "complete":
            COMPLETIONS.inc()


@dataclass
class Snapshot:
    open_tasks: dict[tuple[str, str], int] = field(default_factory=dict)
    overdue_cases: int = 0
    timers_due: int = 0
    oldest_due_timer_seconds: float = 0.0
    timer_lag_max_seconds: float = 0.0
    workers: dict[str, tuple[float, int]] = field(default_factory=dict)   # worker -> (age s, failures)
    audit_head_age_seconds: float | None = None


def snapshot(db: Database, now: datetime | None = None) -> Snapshot:
    now = now or utcnow()
    shot = Snapshot()
    with db.reading() as s:
        shot.open_tasks = {(m, light): n for m, light, n in s.execute(
            select(HumanTask.matter_code, HumanTask.light, func.count()).where(HumanTask.state == "open")
            .group_by(HumanTask.matter_code, HumanTask.light))}
        shot.overdue_cases = s.scalar(select(func.count()).select_from(Case).where(
            Case.status.in_(v.RUNNING), Case.decision_due_at < now)) or 0
        oldest = s.scalar(select(func.min(ProcessInstance.next_timer_at)).where(
            ProcessInstance.status == v.INSTANCE_RUNNING, ProcessInstance.next_timer_at <= now))
        shot.timers_due = s.scalar(select(func.count()).select_from(ProcessInstance).where(
            ProcessInstance.status == v.INSTANCE_RUNNING, ProcessInstance.next_timer_at <= now)) or 0
        shot.oldest_due_timer_seconds = (now - oldest).total_seconds() if oldest else 0.0
        shot.timer_lag_max_seconds = _timer_lag(s, now)
        shot.workers = {w.worker: ((now - w.last_sweep_at).total_seconds(), w.failures)
                        for w in s.scalars(select(WorkerHeartbeat).where(WorkerHeartbeat.last_sweep_at > now - FORGET))}
        head = s.get(AuditHead, 1)
        last = s.get(AuditEvent, head.seq) if head and head.seq else None
        shot.audit_head_age_seconds = (now - last.at).total_seconds() if last else None
    return shot


def _timer_lag(session: Session, now: datetime) -> float:
    """The longest due → fired delay of the timers fired in the last 15 minutes."""
    rows = session.execute(select(AuditEvent.at, AuditEvent.data).where(
        AuditEvent.action == "timer", AuditEvent.at > now - LAG_WINDOW).order_by(AuditEvent.at.desc()).limit(1000))
    lags = [(at - datetime.fromisoformat(data["due"])).total_seconds()
            for at, data in rows if isinstance(data, dict) and data.get("due")]
    return max(lags, default=0.0)
