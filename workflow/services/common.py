"""Small pieces every service needs: fetching rows visibly, finishing a command."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.domain.permissions import can_work_on, require_case_visible
from workflow.errors import Conflict, NotFound
from workflow.runtime import instances
from workflow.runtime.command import Command
from workflow.storage import audit
from workflow.storage.models import Case, HumanTask, ProcessInstance, User


def get_task(session: Session, task_id: int) -> HumanTask:
    task = session.get(HumanTask, task_id)
    if task is None:
        raise NotFound("Task not found.")
    return task


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or not user.active:
        raise NotFound("User not found.")
    return user


def visible_case(session: Session, actor, case_id: int) -> Case:
    """The case if the actor may see it; experts see cases where they hold a task."""
    case = session.get(Case, case_id)
    expert_task = case is not None and actor.role == "expert" and session.scalar(
        select(HumanTask.id).where(HumanTask.case_id == case_id, HumanTask.assignee_id == actor.id).limit(1)
    ) is not None
    require_case_visible(actor, case, expert_has_task=expert_task)
    return case


def visible_task(session: Session, actor, task_id: int) -> HumanTask:
    """A task its actor may see: their own, their queue's, or one of a case they can see."""
    task = get_task(session, task_id)
    if task.assignee_id == actor.id or can_work_on(actor, task):
        return task
    visible_case(session, actor, task.case_id)
    return task


def require_open(task: HumanTask) -> None:
    if task.state != "open":
        raise Conflict("This task is already closed.")


def instance_version(session: Session, instance_id: int) -> int:
    return session.scalar(select(ProcessInstance.version).where(ProcessInstance.id == instance_id))


def record(cmd: Command, action: str, task: HumanTask | None = None, **kwargs) -> None:
    audit.record(cmd.session, action=action, actor=cmd.actor, case=cmd.case, task=task, at=cmd.now, **kwargs)


@contextmanager
def task_command(db, actor, task_id: int) -> Iterator[tuple[Command, HumanTask]]:
    """Open a command's transaction on a task: the task, its case and the actor together.

    The task's instance row is locked *before* the task is read, so every
    command on an instance sees the task as the previous command left it
    (under PostgreSQL's READ COMMITTED a task read first could be stale, and
    two simultaneous claims would both see it unclaimed).
    """
    with db.transaction() as session:
        instance_id = session.scalar(select(HumanTask.instance_id).where(HumanTask.id == task_id))
        if instance_id is None:
            raise NotFound("Task not found.")
        instances.lock_row(session, instance_id)
        task = get_task(session, task_id)
        yield Command(session, actor, case=session.get(Case, task.case_id)), task
