"""Inbox queries: SQL over the human-task projection, never deserializing a workflow.

Every query is served by one of the composite indexes on ``human_tasks``
(queue, assignee, due), so its cost stays flat as instances grow.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import aliased

from workflow.db import Database, utcnow
from workflow.models import HumanTask

MAX_PER_PAGE = 100
VIEWS = ("mine", "claimable", "all", "overdue")


@dataclass(frozen=True)
class Page:
    items: list[HumanTask]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass(frozen=True)
class Filters:
    view: str = "all"
    matter: str | None = None
    light: str | None = None
    case_id: int | None = None
    page: int = 1
    per_page: int = 20


def _queue_condition(actor):
    """Tasks of the actor's role that fit their department or organisation."""
    if actor.role == "applicant":
        return and_(HumanTask.role == "applicant", HumanTask.organisation_id == actor.organisation_id)
    return and_(HumanTask.role == actor.role,
                or_(HumanTask.department_code.is_(None), HumanTask.department_code == actor.department_code))


def _not_excluded(actor):
    """Hide a step whose sibling instance the actor already took (two-person review)."""
    sibling = aliased(HumanTask)
    return ~and_(HumanTask.distinct_assignees, exists().where(
        sibling.instance_id == HumanTask.instance_id, sibling.bpmn_id == HumanTask.bpmn_id,
        sibling.id != HumanTask.id,
        or_(sibling.assignee_id == actor.id, sibling.completed_by == actor.id)))


def query(actor, filters: Filters, now: datetime | None = None) -> Select:
    base = select(HumanTask).where(HumanTask.state == "open")
    if filters.view == "mine":
        base = base.where(HumanTask.assignee_id == actor.id)
    elif filters.view == "claimable":
        base = base.where(_queue_condition(actor), HumanTask.assignee_id.is_(None),
                          HumanTask.hold.is_(None), _not_excluded(actor))
    elif filters.view == "overdue":
        base = base.where(or_(HumanTask.assignee_id == actor.id, and_(_queue_condition(actor), _not_excluded(actor))),
                          HumanTask.due_at < (now or utcnow()))
    else:
        base = base.where(or_(HumanTask.assignee_id == actor.id,
                              and_(_queue_condition(actor), HumanTask.assignee_id.is_(None), _not_excluded(actor))))
    if filters.matter:
        base = base.where(HumanTask.matter_code == filters.matter)
    if filters.light:
        base = base.where(HumanTask.light == filters.light)
    if filters.case_id:
        base = base.where(HumanTask.case_id == filters.case_id)
    return base


def list_tasks(db: Database, actor, filters: Filters) -> Page:
    per_page = max(1, min(int(filters.per_page), MAX_PER_PAGE))
    page = max(1, int(filters.page))
    base = query(actor, filters)
    with db.reading() as session:
        total = session.scalar(select(func.count()).select_from(base.order_by(None).subquery()))
        items = session.scalars(
            base.order_by(HumanTask.green_channel.desc(), HumanTask.created_at, HumanTask.id)
            .offset((page - 1) * per_page).limit(per_page)
        ).all()
    return Page(list(items), total, page, per_page)


def counts(db: Database, actor) -> dict[str, int]:
    """Badge counts for the inbox tabs."""
    with db.reading() as session:
        return {view: session.scalar(select(func.count()).select_from(
            query(actor, Filters(view=view)).subquery())) for view in ("mine", "claimable", "overdue")}
