"""What a transaction did that people must be told of, gathered while it flushes.

Some events are audit events (a suspension, an extension decision, a transfer); others are
rows the engine wrote without an event of their own: a case accepted or decided, a step
opened for the applicant or for a named person, a certificate issued. This listener notes
those rows as they are flushed, whatever path wrote them (a clerk's command, a timer, the
clock sweep), so the rules see both in one place at commit.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from workflow.storage.models import Case, Certificate, HumanTask

FACTS = "notice_facts"


@dataclass(frozen=True)
class Fact:
    """``kind``: accepted, outcome, task_opened, certificate; ``row`` is the flushed object."""
    kind: str
    row: Any


def _changed(obj: Any, attribute: str) -> bool:
    """The attribute went from nothing to a value in this flush."""
    history = inspect(obj).attrs[attribute].history
    return bool(history.added) and history.added[0] is not None and not any(history.deleted)


def _facts_of(session: Session) -> list[Fact]:
    facts = [Fact("task_opened", obj) for obj in session.new if isinstance(obj, HumanTask)]
    facts += [Fact("certificate", obj) for obj in session.new if isinstance(obj, Certificate)]
    for obj in session.dirty:
        if isinstance(obj, Case):
            facts += [Fact(kind, obj) for kind, attribute in (("accepted", "accepted_at"), ("outcome", "outcome"))
                      if _changed(obj, attribute)]
    return facts


@sa_event.listens_for(Session, "after_flush")
def _note(session: Session, _context) -> None:
    facts = _facts_of(session)
    if facts:
        session.info.setdefault(FACTS, []).extend(facts)


@sa_event.listens_for(Session, "after_rollback")
def _drop(session: Session) -> None:
    session.info.pop(FACTS, None)


def take(session: Session) -> list[Fact]:
    return session.info.pop(FACTS, None) or []
