"""Inbox queries: SQL over the human-task projection, never deserializing a workflow.

Every query is served by one of the composite indexes on ``human_tasks``
(queue, assignee, due), so its cost stays flat as instances grow.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, func, or_, select, union_all
from sqlalchemy.orm import aliased

from workflow.domain.permissions import DEPARTMENTAL_ROLES, Actor
from workflow.domain.policy import two_person
from workflow.services.paging import Page, PageRequest, clamp
from workflow.storage.db import Database, utcnow
from workflow.storage.models import HumanTask

VIEWS = ("mine", "claimable", "all", "overdue")


@dataclass(frozen=True)
class Filters(PageRequest):
    view: str = "all"
    matter: str | None = None
    light: str | None = None
    case_id: int | None = None


def _queue_condition(actor: Actor):
    """Tasks of the actor's role that fit their department or organisation.

    One equality per column (never ``IS NULL OR =``) so ``ix_tasks_queue``
    serves it: departmental roles' tasks always carry a department, the
    others' never do (``permissions.task_department``).
    """
    if actor.role == "applicant":
        return and_(HumanTask.role == "applicant", HumanTask.organisation_id == actor.organisation_id)
    department = (HumanTask.department_code == actor.department_code if actor.role in DEPARTMENTAL_ROLES
                  else HumanTask.department_code.is_(None))
    return and_(HumanTask.role == actor.role, department)


def _not_excluded(actor: Actor):
    """Hide a step whose sibling instance the actor already took (two-person review, Art. 34)."""
    return ~two_person.sibling_taken(HumanTask, actor.id)


def _pieces(actor: Actor, view: str, now: datetime) -> list[list]:
    """A view as disjoint pieces, each served by one index, so no query scans all open tasks."""
    mine = [HumanTask.assignee_id == actor.id]
    queue = [_queue_condition(actor), _not_excluded(actor)]
    if view == "mine":
        return [mine]
    if view == "claimable":
        return [[*queue, HumanTask.assignee_id.is_(None), HumanTask.hold.is_(None)]]
    if view == "overdue":
        late = HumanTask.due_at < now
        others = or_(HumanTask.assignee_id.is_(None), HumanTask.assignee_id != actor.id)
        return [[*mine, late], [*queue, late, others]]
    return [mine, [*queue, HumanTask.assignee_id.is_(None)]]


def _filters(filters: Filters) -> list:
    conditions = [HumanTask.state == "open"]
    if filters.matter:
        conditions.append(HumanTask.matter_code == filters.matter)
    if filters.light:
        conditions.append(HumanTask.light == filters.light)
    if filters.case_id:
        conditions.append(HumanTask.case_id == filters.case_id)
    return conditions


def view_queries(actor: Actor, filters: Filters, now: datetime | None = None) -> list[Select]:
    """The SELECTs whose union is the view (public so the benchmark can EXPLAIN them)."""
    common = _filters(filters)
    return [select(HumanTask).where(*common, *piece) for piece in _pieces(actor, filters.view, now or utcnow())]


def list_tasks(db: Database, actor: Actor, filters: Filters) -> Page:
    page, per_page = clamp(filters.page, filters.per_page)
    selects = view_queries(actor, filters)
    rows = aliased(HumanTask, union_all(*selects).subquery()) if len(selects) > 1 else HumanTask
    query = selects[0] if len(selects) == 1 else select(rows)
    with db.reading() as session:
        total = sum(_count(session, q) for q in selects)
        items = session.scalars(
            query.order_by(rows.green_channel.desc(), rows.created_at, rows.id)
            .offset((page - 1) * per_page).limit(per_page)
        ).all()
    return Page(list(items), total, page, per_page)


def _count(session, query: Select) -> int:
    return session.scalar(select(func.count()).select_from(query.with_only_columns(HumanTask.id).subquery()))


def counts(db: Database, actor: Actor) -> dict[str, int]:
    """Badge counts for the inbox tabs."""
    with db.reading() as session:
        return {view: sum(_count(session, q) for q in view_queries(actor, Filters(view=view)))
                for view in ("mine", "claimable", "overdue")}
