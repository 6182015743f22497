"""What every command shares: fetching rows visibly, locking in one order, asking the policy.

Lock order (docs/decisions.md "Locking"): the **case** row first, then its process
**instance** rows in id order, then counters (certificate and case numbers) as the
engine needs them, and the **audit head** last, at commit. Every command and every
sweep follows it, so two of them can wait for each other but never deadlock.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from workflow.domain import policy
from workflow.domain.permissions import Actor, can_see_case, can_work_on, require_case_visible
from workflow.errors import NotFound, ValidationError, msg
from workflow.runtime import instances, projection
from workflow.runtime.command import Command
from workflow.storage import audit
from workflow.storage.db import Database
from workflow.storage.models import Case, HumanTask, ProcessInstance, TaskSigner, User


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or not user.active:
        raise NotFound("User not found.")
    return user


def lock_case(session: Session, case_id: int, skip_locked: bool = False) -> Case | None:
    """The first locks of every command: the case row, then its process instances in id order.

    Taken once per transaction; rows the session read before are re-read under the lock. With
    ``skip_locked`` (the sweeps) a case someone holds is skipped (None) instead of waited for.
    """
    locked = session.info.setdefault(instances.LOCKED_CASES, {})
    if case_id in locked:
        return locked[case_id]
    return _lock_case_with(session, _LOCK_CASE_SKIP if skip_locked else _LOCK_CASE, {"case_id": case_id})


# Built once: a statement object memoizes its cache key, so the hot path skips building and keying it.
_LOCK_CASE = (select(Case).where(Case.id == bindparam("case_id")).with_for_update()
              .execution_options(populate_existing=True))
_LOCK_CASE_SKIP = _LOCK_CASE.with_for_update(skip_locked=True)
_LOCK_TASK_CASE = (select(Case).where(Case.id == select(HumanTask.case_id).where(HumanTask.id == bindparam("task_id"))
                                      .scalar_subquery()).with_for_update().execution_options(populate_existing=True))


def lock_task_case(session: Session, task_id: int) -> Case | None:
    """:func:`lock_case` for the case of a task, found and locked in one statement (a task's case
    never changes, so the subquery needs no lock of its own); None when there is no such task."""
    return _lock_case_with(session, _LOCK_TASK_CASE, {"task_id": task_id})


def _lock_case_with(session: Session, statement, params: dict) -> Case | None:
    case = session.scalars(statement, params).first()
    if case is not None:
        hold_locked_cases(session, [case])
    return case


def hold_locked_cases(session: Session, cases: list[Case]) -> list[ProcessInstance]:
    """Record cases the caller has just locked (one by :func:`lock_case`, a batch by the timer
    sweep's ``SKIP LOCKED`` claim) and take the next lock of the order: their instances, in id order.
    The rows are held for the transaction because the identity map keeps them only weakly."""
    session.info.setdefault(instances.LOCKED_CASES, {}).update((case.id, case) for case in cases)
    return instances.lock_cases_rows(session, [case.id for case in cases])


def visible_case(session: Session, actor: Actor, case_id: int) -> Case:
    case = session.get(Case, case_id)
    require_case_visible(actor, case)
    return case


def may_see_task(session: Session, actor: Actor, task: HumanTask) -> bool:
    """A task its actor may see: one they hold, handed over, completed or were asked to sign,
    one of their queue, or one of a case they may open. An expert sees only the scoring steps
    assigned to them: no queue, no colleague's step, no other nomination (docs/decisions.md)."""
    if actor.id in (task.assignee_id, task.handed_over_by, task.completed_by):
        return True
    if actor.role == "expert":
        return False
    if can_work_on(actor, task):
        return True
    if actor.role == "applicant":     # the office's own steps are not the applicant's business
        return False
    if session.scalar(select(TaskSigner.id).where(TaskSigner.task_id == task.id,
                                                  TaskSigner.user_id == actor.id)) is not None:
        return True
    case = session.get(Case, task.case_id)
    return case is not None and can_see_case(actor, case)


def visible_task(session: Session, actor: Actor, task_id: int) -> HumanTask:
    """The task, or "not found" when the actor may not see it (ids reveal nothing)."""
    task = session.get(HumanTask, task_id)
    if task is None or not may_see_task(session, actor, task):
        raise NotFound("Task not found.")
    return task


def record(cmd: Command, action: str, task: HumanTask | None = None, **kwargs) -> None:
    audit.record(cmd.session, action=action, actor=cmd.actor, case=cmd.case, task=task, at=cmd.now, **kwargs)


@contextmanager
def case_command(db: Database, actor: Actor, case_id: int) -> Iterator[Command]:
    """A command on a case: its row locked, the actor allowed to see it."""
    with db.transaction() as session:
        case = lock_case(session, case_id)
        require_case_visible(actor, case)
        yield Command(session, actor, case=case)


@contextmanager
def task_command(db: Database, actor: Actor, task_id: int) -> Iterator[tuple[Command, HumanTask]]:
    """A command on a task: its case, then its instances locked (in that order), then the task read.

    The task is read after the locks, so every command sees it as the previous one left it
    (under PostgreSQL's READ COMMITTED a task read first could be stale, and two claims
    would both see it unclaimed).
    """
    with db.transaction() as session:
        case = lock_task_case(session, task_id)
        if case is None:
            raise NotFound("Task not found.")
        projection.load_case_tasks(session, case.id, task_id)
        task = visible_task(session, actor, task_id)
        yield Command(session, actor, case=case), task


@dataclass
class TaskOp:
    """A task command that the policy allowed: its command, task, the offered action and the live
    workflow when the command changes the process."""
    cmd: Command
    task: HumanTask
    action: policy.Action
    running: instances.Running | None


@contextmanager
def task_op(db: Database, actor: Actor, task_id: int, op: str, expected_version: int | None = None,
            load: bool = False) -> Iterator[TaskOp]:
    """Open a task command for ``op``: locks, the caller's version, and the policy's offer."""
    with task_command(db, actor, task_id) as (cmd, task):
        row = instances.lock_row(cmd.session, task.instance_id)
        running = instances.lock(cmd, task.instance_id) if load else None
        ctx = policy.TaskContext(cmd.session, actor, task, cmd.case, cmd.now,
                                 workflow=running.workflow if running else None)
        action = policy.require_task(ctx, op)        # who is asking before how fresh their copy is
        instances.require_version(row, expected_version)
        yield TaskOp(cmd, task, action, running)


@contextmanager
def case_op(db: Database, actor: Actor, case_id: int, op: str) -> Iterator[tuple[Command, policy.Action]]:
    with case_command(db, actor, case_id) as cmd:
        yield cmd, policy.require_case(policy.CaseContext(cmd.session, actor, cmd.case, cmd.now), op)


def task_actions(session: Session, actor: Actor, task: HumanTask, case: Case, now) -> list[policy.Action]:
    return policy.task_actions(policy.TaskContext(session, actor, task, case, now))


def case_actions(session: Session, actor: Actor, case: Case, now) -> list[policy.Action]:
    return policy.case_actions(policy.CaseContext(session, actor, case, now))


MESSAGE_MAX = 2000     # an opinion, a note, a reason: what a written decision or notice can carry


def text(value: str | None, field: str, required: bool = True) -> str | None:
    """A free-text entry (opinion, note, reason) trimmed, or a field error: never silently cut."""
    value = (value or "").strip() if isinstance(value, str) or value is None else None
    if value is None:
        raise ValidationError({field: [msg("Not a valid string.")]})
    if required and not value:
        raise ValidationError({field: [msg("This field is required.")]})
    if len(value) > MESSAGE_MAX:
        raise ValidationError({field: [msg("Longer than maximum length {max}.", max=MESSAGE_MAX)]})
    return value or None
