"""Noting, while a transaction flushes, what it changes that the report sees; applying the
difference when it commits (the audit hook, before the audit head)."""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import chain
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session
from sqlalchemy.orm.base import NO_VALUE

from workflow import vocabulary as v
from workflow.runtime import instances
from workflow.storage import audit
from workflow.storage.models import Case, HumanTask, ProcessInstance
from workflow.services.report_summary.shares import (CASE_FIELDS, INSTANCE_FIELDS, PENDING, TASK_FIELDS, CaseFacts,
                                                     Parts, case_parts, case_rows, merge, task_parts)
from workflow.services.report_summary.store import apply

# -- noting changes while the transaction flushes ----------------------------------------------

@dataclass
class _Pending:
    before: dict[int, Parts] = field(default_factory=dict)        # case id -> its share before
    new_cases: list[Case] = field(default_factory=list)
    tasks: dict[int, tuple[HumanTask, Parts]] = field(default_factory=dict)   # id(obj) -> (task, before)


def _changed(obj: Any, fields: tuple[str, ...]) -> bool:
    """A reported column really changed (set to another value) since the last flush."""
    state = inspect(obj)
    touched = state.committed_state.keys() & set(fields)          # cheap: what was set at all
    return any(state.attrs[name].history.has_changes() for name in touched)


def _committed(session: Session, obj: HumanTask) -> Parts:
    """The task's share as committed: from the values the flush is about to overwrite, or, when
    one of them was never loaded, from its row (an open task shares nothing, the usual case)."""
    state = inspect(obj)
    values = [state.committed_state.get(name, state.dict.get(name, NO_VALUE)) for name in TASK_FIELDS]
    if values[0] not in (NO_VALUE, v.TASK_CLOSED):
        return {}
    if NO_VALUE in values:
        with session.no_autoflush:
            values = session.execute(select(*(getattr(HumanTask, name) for name in TASK_FIELDS))
                                     .where(HumanTask.id == obj.id)).one()
    return task_parts(*values)


@sa_event.listens_for(Session, "before_flush")
def _note(session: Session, _context, _instances) -> None:
    pending: _Pending | None = session.info.get(PENDING)
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, HumanTask):
            if obj in session.new or _changed(obj, TASK_FIELDS) or obj in session.deleted:
                pending = pending or session.info.setdefault(PENDING, _Pending())
                if id(obj) not in pending.tasks:
                    pending.tasks[id(obj)] = (obj, {} if obj in session.new else _committed(session, obj))
            continue
        if isinstance(obj, Case) and obj in session.new:
            pending = pending or session.info.setdefault(PENDING, _Pending())
            pending.new_cases.append(obj)
            continue
        case_id = _touched_case(session, obj)
        if case_id is not None:
            pending = pending or session.info.setdefault(PENDING, _Pending())
            if case_id not in pending.before and not any(c.id == case_id for c in pending.new_cases):
                pending.before[case_id] = _before(session, case_id)


def _before(session: Session, case_id: int) -> Parts:
    """The case's share as committed: from the rows the command holds when it can, else read."""
    share = held_share(session, instances.held_case(session, case_id), before=True)
    if share is None:
        with session.no_autoflush:
            share = dict(case_rows(session, [case_id])).get(case_id, {})
    return share


def _value(state: Any, name: str, before: bool) -> Any:
    if before and name in state.committed_state:
        return state.committed_state[name]      # what the pending flush is about to overwrite
    return state.dict.get(name, NO_VALUE)


def held_share(session: Session, case: Case | None, before: bool) -> Parts | None:
    """A case's share from the case row and instance rows the command locked and holds, without a
    query: as committed (``before``, in a flush: the values it is about to overwrite, without rows
    it is about to insert) or as written (at commit, after the last flush). Every command locks its
    case and all its instances first and only the ORM writes these columns, so the held rows are
    the database's; None when a row or a column is not held (then the caller reads the rows)."""
    rows = instances.of_case(session, case.id) if case is not None else None
    if rows is None:
        return None
    state = inspect(case)
    *facts, data = [_value(state, name, before) for name in CASE_FIELDS]     # CaseFacts' fields, then data
    shares = []
    for row in rows:
        row_state = inspect(row)
        if (before and row_state.pending) or row_state.was_deleted or row in session.deleted:
            continue
        shares.append((_value(row_state, "matter_code", before), _value(row_state, "outcome", before), data))
    if NO_VALUE in facts or any(NO_VALUE in share for share in shares):
        return None
    return case_parts(CaseFacts(*facts), shares)


def _touched_case(session: Session, obj: Any) -> int | None:
    """The case whose share this flush changes, if any (a new instance belongs to its case)."""
    if isinstance(obj, Case) and (obj in session.deleted or _changed(obj, CASE_FIELDS)):
        return obj.id
    if isinstance(obj, ProcessInstance) and (obj in session.new or obj in session.deleted
                                             or _changed(obj, INSTANCE_FIELDS)):
        return obj.case_id
    return None


@sa_event.listens_for(Session, "after_rollback")
def _drop(session: Session) -> None:
    session.info.pop(PENDING, None)


def _on_commit(session: Session, _events: list[dict]) -> None:
    """Add what the transaction changed to the summary rows (runs before the audit head's lock)."""
    pending: _Pending | None = session.info.pop(PENDING, None)
    if pending is None:
        return
    before: Parts = {}
    after: Parts = {}
    for share in pending.before.values():
        merge(before, share)
    held = {c.id: c for c in pending.new_cases if c.id is not None}
    held.update((case_id, instances.held_case(session, case_id)) for case_id in pending.before)
    unread = set()
    for case_id, case in held.items():
        share = held_share(session, case, before=False)
        if share is None:
            unread.add(case_id)
        else:
            merge(after, share)
    for _case_id, share in case_rows(session, unread) if unread else ():
        merge(after, share)
    for task, share in pending.tasks.values():
        merge(before, share)
        gone = inspect(task).was_deleted or task in session.deleted
        merge(after, {} if gone else task_parts(*(getattr(task, name) for name in TASK_FIELDS)))
    apply(session, before, after)


audit.EVENT_HOOKS.append(_on_commit)


