"""The message centre: each person's own notices, unread count, mark read.

Only the person a notice is addressed to may list or mark it; another person's notice id is
"not found". Marking read changes the reader's own list only (not audited, docs/decisions.md).
"""
from __future__ import annotations

from sqlalchemy import func, select, update

from workflow.domain.permissions import Actor
from workflow.errors import NotFound
from workflow.services.paging import Page, clamp
from workflow.storage.db import Database, utcnow
from workflow.storage.models import Notification


def _mine(actor: Actor, unread: bool = False):
    query = select(Notification).where(Notification.user_id == actor.id)
    return query.where(Notification.read_at.is_(None)) if unread else query


def page(db: Database, actor: Actor, page_no: int = 1, per_page: int = 20, unread: bool = False) -> Page[Notification]:
    """Newest first; ``unread`` keeps only those not read yet."""
    page_no, per_page = clamp(page_no, per_page)
    query = _mine(actor, unread)
    with db.reading() as session:
        total = session.scalar(select(func.count()).select_from(query.subquery()))
        items = list(session.scalars(query.order_by(Notification.id.desc())
                                     .offset((page_no - 1) * per_page).limit(per_page)))
    return Page(items, total, page_no, per_page)


def unread_count(db: Database, actor: Actor) -> int:
    """Read on every page header: one count over the (user_id, read_at) index."""
    with db.reading() as session:
        return session.scalar(select(func.count()).select_from(_mine(actor, unread=True).subquery()))


def mark_read(db: Database, actor: Actor, notification_id: int) -> Notification:
    """Mark one of the actor's notices read (again: no change)."""
    with db.transaction() as session:
        note = session.get(Notification, notification_id)
        if note is None or note.user_id != actor.id:
            raise NotFound("Notice not found.")
        note.read_at = note.read_at or utcnow()
        session.flush()
        return note


def mark_all_read(db: Database, actor: Actor) -> int:
    """Mark every unread notice of the actor read; returns how many were unread."""
    with db.transaction() as session:
        return session.execute(update(Notification).where(
            Notification.user_id == actor.id, Notification.read_at.is_(None)).values(read_at=utcnow())).rowcount
