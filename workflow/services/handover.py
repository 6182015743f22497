"""Passing a step between people: transfer, delegate and its answer, take back, signers, copies, reminders.

One command each, asking the action policy for its operation, so the people a page offers
are exactly the people a command accepts. The people concerned are told by the notice rules
(``services.notifications``) from each command's audit event.
"""
from __future__ import annotations

from sqlalchemy import select

from workflow.domain.permissions import Actor
from workflow.domain.policy import TaskContext
from workflow.errors import Conflict, ValidationError, msg
from workflow.services.common import TaskOp, get_user, record, task_op, text, visible_task
from workflow.storage.db import Database
from workflow.storage.models import HumanTask, TaskSigner


def _hand_over(op: TaskOp, to_user_id: int, kind: str, opinion: str | None) -> HumanTask:
    op.action.require_one("candidates", to_user_id, "to_user_id")
    target = get_user(op.cmd.session, to_user_id)
    task = op.task
    task.assignee_id, task.claimed_at = target.id, op.cmd.now
    task.handed_over_by, task.handover = op.cmd.actor.id, kind
    note = text(opinion, "opinion", required=False)
    record(op.cmd, kind, task, opinion=note, data={"to_user_id": target.id, "to": target.display_name})
    return task


def transfer(db: Database, actor: Actor, task_id: int, to_user_id: int, opinion: str | None = None) -> HumanTask:
    """转办: a colleague of the same role and department takes the task over."""
    with task_op(db, actor, task_id, "transfer") as op:
        return _hand_over(op, to_user_id, "transfer", opinion)


def delegate(db: Database, actor: Actor, task_id: int, to_user_id: int, opinion: str | None = None) -> HumanTask:
    """委派: a colleague works the task and answers; the task then comes back to decide."""
    with task_op(db, actor, task_id, "delegate") as op:
        return _hand_over(op, to_user_id, "delegate", opinion)


def resolve(db: Database, actor: Actor, task_id: int, opinion: str) -> HumanTask:
    """The delegate's answer: the task returns to the one who delegated it, with the opinion."""
    with task_op(db, actor, task_id, "resolve") as op:
        task, owner = op.task, op.task.handed_over_by
        answer = text(opinion, "opinion")
        task.assignee_id, task.claimed_at = owner, op.cmd.now
        task.handed_over_by = task.handover = None
        record(op.cmd, "resolve", task, opinion=answer, data={"to_user_id": owner})
        return task


def reclaim(db: Database, actor: Actor, task_id: int) -> HumanTask:
    """拿回: take back a task one transferred or delegated, while the colleague has not acted on it."""
    with task_op(db, actor, task_id, "reclaim") as op:
        task, previous = op.task, op.task.assignee_id
        task.assignee_id, task.claimed_at = actor.id, op.cmd.now
        task.handed_over_by = task.handover = None
        record(op.cmd, "reclaim", task, data={"from_user_id": previous})
        return task


def add_signer(db: Database, actor: Actor, task_id: int, user_id: int, message: str | None = None) -> TaskSigner:
    """加签: require a colleague's opinion before the task may complete."""
    with task_op(db, actor, task_id, "add_signer") as op:
        if _asked(op, user_id):      # a second click: the first asked them already
            raise Conflict("This colleague has already been asked for an opinion on this task.")
        op.action.require_one("candidates", user_id, "user_id")
        signer = get_user(op.cmd.session, user_id)
        row = TaskSigner(task_id=op.task.id, user_id=signer.id, requested_by=actor.id, requested_at=op.cmd.now)
        op.cmd.session.add(row)
        op.task.signers_pending += 1
        record(op.cmd, "add_signer", op.task, opinion=text(message, "message", required=False),
               data={"signer_id": signer.id, "signer": signer.display_name})
        return row


def _asked(op: TaskOp, user_id: object) -> bool:
    """Whether this person's opinion on the task is already asked for and not yet given."""
    if not isinstance(user_id, int) or isinstance(user_id, bool):
        return False
    return op.cmd.session.scalar(select(TaskSigner.id).where(
        TaskSigner.task_id == op.task.id, TaskSigner.user_id == user_id, TaskSigner.signed_at.is_(None))) is not None


def remove_signer(db: Database, actor: Actor, task_id: int, user_id: int) -> TaskSigner:
    """减签: withdraw a request for an opinion not yet given."""
    with task_op(db, actor, task_id, "remove_signer") as op:
        op.action.require_one("signers", user_id, "user_id")
        row = op.cmd.session.scalars(select(TaskSigner).where(
            TaskSigner.task_id == op.task.id, TaskSigner.user_id == user_id, TaskSigner.signed_at.is_(None))).first()
        op.cmd.session.delete(row)
        op.task.signers_pending -= 1
        record(op.cmd, "remove_signer", op.task, data={"signer_id": user_id})
        return row


def sign(db: Database, actor: Actor, task_id: int, opinion: str) -> TaskSigner:
    """An added signer gives their opinion."""
    with task_op(db, actor, task_id, "sign") as op:
        row = op.cmd.session.scalars(select(TaskSigner).where(
            TaskSigner.task_id == op.task.id, TaskSigner.user_id == actor.id, TaskSigner.signed_at.is_(None))).first()
        row.opinion, row.signed_at = text(opinion, "opinion"), op.cmd.now
        op.task.signers_pending -= 1
        record(op.cmd, "sign", op.task, opinion=row.opinion)
        return row


def copy_to(db: Database, actor: Actor, task_id: int, user_ids: list[int], message: str | None = None) -> list[int]:
    """抄送: let colleagues know about a task; they get a notice, not the task. Returns who is told."""
    with task_op(db, actor, task_id, "copy") as op:
        ids = list(dict.fromkeys(user_ids or []))
        if not ids:
            raise ValidationError({"user_ids": [msg("Choose at least one person.")]})
        op.action.require_all("candidates", ids, "user_ids")
        note = text(message, "message", required=False) or op.task.title
        record(op.cmd, "copy", op.task, opinion=note, data={"to": ids})
        return ids


def urge(db: Database, actor: Actor, task_id: int, message: str | None = None) -> list[int]:
    """催办: remind whoever holds the task, or everyone who may claim it. Returns who is told."""
    with task_op(db, actor, task_id, "urge") as op:
        note = text(message, "message", required=False) or f"请尽快办理：{op.task.title}"
        people = [op.task.assignee_id] if op.task.assignee_id else \
            [u.id for u in TaskContext(op.cmd.session, actor, op.task, op.cmd.case, op.cmd.now).people_of(op.task.role)]
        people = list(dict.fromkeys(people))
        record(op.cmd, "urge", op.task, opinion=note, data={"to": people})
        return people


def signers(db: Database, actor: Actor, task_id: int) -> list[TaskSigner]:
    with db.reading() as session:
        visible_task(session, actor, task_id)
        return list(session.scalars(select(TaskSigner).where(TaskSigner.task_id == task_id)))
