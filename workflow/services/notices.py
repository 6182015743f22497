"""Notices to people (in-app): copies, reminders, signature requests, and what applicants are told.

One place writes them, inside the command's transaction, so a notice exists exactly when the
event it reports does.
"""
from __future__ import annotations

from sqlalchemy import select

from workflow.runtime.command import Command
from workflow.storage.models import HumanTask, Notification, User


def notify(cmd: Command, user_ids: list[int], kind: str, message: str, task: HumanTask | None = None) -> list[Notification]:
    notices = [Notification(user_id=uid, case_id=cmd.case.id if cmd.case else None, task_id=task.id if task else None,
                            kind=kind, message=message, sender_id=getattr(cmd.actor, "id", None), created_at=cmd.now)
               for uid in dict.fromkeys(user_ids)]
    cmd.session.add_all(notices)
    return notices


def notify_applicants(cmd: Command, kind: str, message: str, task: HumanTask | None = None) -> list[Notification]:
    """Every active applicant account of the case's enterprise."""
    ids = list(cmd.session.scalars(select(User.id).where(
        User.organisation_id == cmd.case.organisation_id, User.role == "applicant", User.active.is_(True))))
    return notify(cmd, ids, kind, message, task)
