"""An in-process cache of live workflows, checked against the instance row's version.

Deserializing an instance is the largest engine cost of a command that the row itself does
not need: when this process saved the instance last, the workflow it left behind is exactly
what the row holds. Entries are keyed by (database, instance id) and carry the row version
(and process version) they match:

- a command *takes* the entry (it is removed while the command mutates the workflow), so
  two threads never share one workflow object and a rolled-back command leaves nothing;
- the entry comes back only when the command's transaction **commits** (``after_commit``),
  with the version the row was saved at; any rollback discards it;
- a row whose version, process version or stored state differs from the entry's is
  deserialized again: another process, a version migration or a manual fix changed it (the
  state comparison is a byte compare of a few KiB, and catches a fix that kept the version).

The cache is bounded (``WORKFLOW_CACHE_SIZE``, default 256 workflows, least recently used
first out) and per process, so it needs no coordination between gunicorn workers.
"""
from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from SpiffWorkflow.bpmn import BpmnWorkflow
from sqlalchemy import event
from sqlalchemy.orm import Session

from workflow.runtime.spiff_runtime import SafeScriptEngine

PENDING = "live_workflows"


@dataclass(frozen=True)
class Entry:
    version: int
    process_version_id: int
    state: bytes
    workflow: BpmnWorkflow

    def matches(self, row) -> bool:
        return (self.version, self.process_version_id, self.state) == (row.version, row.process_version_id,
                                                                       row.state)


class LiveWorkflows:
    """A bounded LRU map (database, instance id) -> the workflow saved at a row version."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[str, int], Entry] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def take(self, database: str, row) -> BpmnWorkflow | None:
        """The cached workflow if it matches the instance row; removed from the cache either way."""
        entry = self.take_entry(database, row)
        return entry.workflow if entry is not None else None

    def take_entry(self, database: str, row) -> Entry | None:
        with self._lock:
            entry = self._entries.pop((database, row.id), None)
            fresh = entry is not None and entry.matches(row)
            if fresh:
                self.hits += 1
            else:
                self.misses += 1
        return entry if fresh else None

    def put(self, database: str, instance_id: int, entry: Entry) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self.put_locked(database, instance_id, entry)

    def give_back(self, database: str, instance_id: int, entry: Entry) -> None:
        """Return a lent entry unless a command published another meanwhile (that one is newer)."""
        with self._lock:
            if (database, instance_id) not in self._entries:
                self.put_locked(database, instance_id, entry)

    def put_locked(self, database: str, instance_id: int, entry: Entry) -> None:
        self._entries[(database, instance_id)] = entry
        self._entries.move_to_end((database, instance_id))
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def drop(self, database: str, instance_id: int) -> None:
        with self._lock:
            self._entries.pop((database, instance_id), None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)


_IDLE_ENGINE = SafeScriptEngine()
CACHE = LiveWorkflows(int(os.environ.get("WORKFLOW_CACHE_SIZE", "256")))


def take(session: Session, row) -> BpmnWorkflow | None:
    return CACHE.take(str(session.bind.url), row)


_LENT: ContextVar[list | None] = ContextVar("live_workflows_lent", default=None)


@contextmanager
def lending() -> Iterator[None]:
    """Within this block, :func:`borrow` may lend cached workflows for reading; they go back at its end.

    A read model that asks the policy what may be done (return targets, recall) reads the workflow
    a command just left in the cache instead of deserializing the row. While lent, the entry is out
    of the cache, so no command can change the workflow under the reader (a command meanwhile
    simply deserializes the row); it goes back only into an empty slot, and a stale entry is never
    used because :meth:`LiveWorkflows.take` checks it against the row.
    """
    lent: list = []
    token = _LENT.set(lent)
    try:
        yield
    finally:
        _LENT.reset(token)
        for database, instance_id, entry in lent:
            CACHE.give_back(database, instance_id, entry)


def borrow(session: Session, row) -> BpmnWorkflow | None:
    """The cached workflow of ``row`` to read (never to change) inside :func:`lending`, else None."""
    lent = _LENT.get()
    if lent is None:
        return None
    database = str(session.bind.url)
    entry = CACHE.take_entry(database, row)
    if entry is None:
        return None
    lent.append((database, row.id, entry))
    return entry.workflow


def saved(session: Session, instance_id: int, entry: Entry) -> None:
    """Remember the workflow this transaction saved; it enters the cache only if the commit succeeds."""
    session.info.setdefault(PENDING, {})[instance_id] = entry


def forget(session: Session, instance_id: int) -> None:
    """The row was changed without its workflow (version migration): no entry may survive the commit."""
    session.info.setdefault(PENDING, {})[instance_id] = None
    CACHE.drop(str(session.bind.url), instance_id)


@event.listens_for(Session, "after_commit")
def _publish(session: Session) -> None:
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    database = str(session.bind.url)
    for instance_id, entry in pending.items():
        if entry is None:
            CACHE.drop(database, instance_id)
        else:
            # The saving command's engine holds its session and rows; a cached workflow must not.
            entry.workflow.script_engine = _IDLE_ENGINE
            CACHE.put(database, instance_id, entry)


@event.listens_for(Session, "after_rollback")
def _discard(session: Session) -> None:
    session.info.pop(PENDING, None)
