"""Notices: in-app messages and their e-mail / SMS copies, written with the event they report.

One hook on the audit path (``audit.EVENT_HOOKS``) runs at commit, inside the command's
transaction: the rules (``rules.py``) turn the command's events and the rows it wrote
(``facts.py``) into notices; each becomes a ``notifications`` row per person and an
``outbox`` row per address the person gave. A rolled-back command leaves none; the delivery
worker (``outbox.py``) sends them later, so a slow mail server never holds a clerk's click.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.services.notifications import facts, rules
from workflow.storage import audit
from workflow.storage.db import utcnow
from workflow.storage.models import Notification, OutboxMessage, User

# Applicants get SMS for what the law makes the office tell them; staff read e-mail and the app.
SMS_KINDS = frozenset({"accepted", "correction", "refused", "suspension", "extension", "decision",
                       "certificate", "rectification"})
SUBJECT = "行政许可通知"


APPLICANTS = "notice_applicants"    # session.info: organisation id -> its active applicant accounts


def _applicants(session: Session, organisation_id: int | None) -> list[User]:
    """An enterprise's active accounts, read once per command however many notices it sends them."""
    held = session.info.setdefault(APPLICANTS, {})
    if organisation_id not in held:
        held[organisation_id] = list(session.scalars(select(User).where(
            User.organisation_id == organisation_id, User.role == "applicant", User.active.is_(True))
            .order_by(User.id)))
    return held[organisation_id]


def _recipients(session: Session, notice: rules.Notice) -> list[User]:
    """The notice's people, each once, in the order the rule named them (active accounts only)."""
    if notice.to == rules.APPLICANT:
        return _applicants(session, notice.case.organisation_id)
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(notice.to), User.active.is_(True)))}
    return [users[uid] for uid in dict.fromkeys(notice.to) if uid in users]


def _outbox(user: User, note: Notification) -> list[OutboxMessage]:
    subject = f"【{SUBJECT}】{note.message[:60]}"
    rows = []
    if user.email:
        rows.append(OutboxMessage(channel="email", address=user.email, subject=subject, body=note.message))
    if user.phone and note.kind in SMS_KINDS:
        rows.append(OutboxMessage(channel="sms", address=user.phone, subject=subject, body=note.message))
    for row in rows:
        row.notification = note
        row.next_attempt_at = row.created_at = note.created_at
    return rows


def write(session: Session, notice: rules.Notice, sender_id: int | None, at) -> list[Notification]:
    """One notification per person (each once), with its outbox messages."""
    written = []
    for user in _recipients(session, notice):
        note = Notification(user_id=user.id, case_id=getattr(notice.case, "id", None), task_id=notice.task_id,
                            kind=notice.kind, message=notice.message[:2000], sender_id=sender_id, created_at=at)
        session.add(note)
        session.add_all(_outbox(user, note))
        written.append(note)
    return written


def _on_commit(session: Session, events: list[dict]) -> None:
    found = facts.take(session)
    if not events and not found:
        return
    sender = getattr(events[0]["actor"], "id", None) if events else None
    at = events[0]["at"] if events else utcnow()
    for notice in rules.notices(session, events, found):
        write(session, notice, sender, at)


audit.EVENT_HOOKS.append(_on_commit)
