"""The tamper-evident decision history.

Each event's hash is an HMAC-SHA256, keyed with ``AUDIT_KEY`` (which the database never
holds), of the previous hash and a canonical JSON form of the event, so editing, deleting
or forging any row (which the database triggers already refuse) breaks a link that only the
key holder could recompute, and :func:`verify` names the first broken one. Truncating the
tail is caught against the signed checkpoints kept outside the database
(:mod:`workflow.storage.audit_checkpoints`).

A history started before the chain was keyed (migration 0010) keeps its plain SHA-256
links up to a ``SEAL`` event, which the migration appends keyed: its HMAC covers the last
unkeyed hash, so the older prefix cannot be rewritten either.
Appends lock the single ``audit_head`` row, which serialises writers across
processes without a lock of our own.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable

from sqlalchemy import event as sa_event
from sqlalchemy import bindparam, insert, select, text, update
from sqlalchemy.orm import Session

from workflow.storage.audit_key import same, sign
from workflow.storage.db import utcnow
from workflow.storage.models import AuditEvent, AuditHead

GENESIS = "0" * 64
SEAL = "audit_keyed"
HASHED_FIELDS = ("seq", "at", "actor_id", "actor_name", "role", "case_id", "case_number", "instance_id",
                 "task_id", "task_title", "action", "decision", "opinion", "data")


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, UTF-8 text kept as is: one byte form per event."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _timestamp(at: datetime) -> str:
    if at.tzinfo is None:  # SQLite returns naive datetimes; they were stored as UTC
        at = at.replace(tzinfo=timezone.utc)
    return at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(prev_hash: str, fields: dict[str, Any], *, keyed: bool = True) -> str:
    """The link of one event: keyed HMAC, or plain SHA-256 for events before the seal."""
    body = {name: fields[name] for name in HASHED_FIELDS}
    body["at"] = _timestamp(body["at"])
    message = prev_hash + canonical_json(body)
    return sign(message) if keyed else hashlib.sha256(message.encode("utf-8")).hexdigest()


PENDING = "audit_pending"
CHAINED = "audit_chained"     # actions chained in this transaction, counted after commit


def record(session: Session, *, action: str, actor: Any = None, case: Any = None, instance_id: int | None = None,
           task: Any = None, decision: str | None = None, opinion: str | None = None,
           data: dict | None = None, at: datetime | None = None) -> None:
    """Add one event to the command's history; it joins the chain when the transaction commits.

    Chaining locks the single head row, so it happens last (``before_commit``), after every
    other lock the command took: the documented lock order ends with the audit head, and two
    commands can never hold it while waiting for each other's case or counter. Rows the
    command created get their ids by then, and a rolled-back command leaves no event.
    """
    session.info.setdefault(PENDING, []).append(
        {"action": action, "actor": actor, "case": case, "instance_id": instance_id, "task": task,
         "decision": decision, "opinion": opinion, "data": data, "at": at or utcnow()})


def _fields(item: dict, seq: int) -> dict:
    actor, case, task = item["actor"], item["case"], item["task"]
    data = dict(item["data"] or {})
    if getattr(task, "matter_code", None) and case is not None and len(getattr(case, "matters", None) or ()) > 1:
        data.setdefault("matter", task.matter_code)   # a joint filing's events say which matter they concern
    return {
        "seq": seq,
        "at": item["at"],
        "actor_id": getattr(actor, "id", None),
        "actor_name": getattr(actor, "display_name", None) or "系统",
        "role": getattr(actor, "role", None) or "system",
        "case_id": getattr(case, "id", None),
        "case_number": getattr(case, "number", None),
        "instance_id": item["instance_id"] if item["instance_id"] is not None else getattr(task, "instance_id", None),
        "task_id": getattr(task, "id", None),
        "task_title": getattr(task, "title", None),
        "action": item["action"],
        "decision": item["decision"],
        "opinion": item["opinion"],
        "data": json.loads(canonical_json(data)),
    }


# Called at commit with the command's events, before the head is locked: what the events
# imply (notices, outbox messages) is written in the same transaction, in one place.
EVENT_HOOKS: list[Callable[[Session, list[dict]], None]] = []


@sa_event.listens_for(Session, "before_commit")
def _chain_pending(session: Session) -> None:
    pending = session.info.pop(PENDING, None) or []
    session.flush()
    for hook in EVENT_HOOKS:
        hook(session, pending)
    if not pending:
        return
    session.flush()     # every other row is written (and locked) first: the head is the last lock taken
    seq, prev = _lock_head(session)
    rows = []
    for item in pending:
        fields = _fields(item, seq + 1)
        digest = event_hash(prev, fields)
        rows.append({**fields, "prev_hash": prev, "hash": digest})
        seq, prev = fields["seq"], digest
    # Core statements: the events are never read back in this transaction, so the ORM's unit of
    # work (an object per event, a flush) would only add cost to every command.
    session.execute(_INSERT_EVENTS, rows)
    session.execute(_ADVANCE_HEAD, {"new_seq": seq, "new_hash": prev})
    session.info.setdefault(CHAINED, []).extend(item["action"] for item in pending)


@sa_event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(PENDING, None)
    session.info.pop(CHAINED, None)


_EVENTS = AuditEvent.__table__
_HEAD = AuditHead.__table__
_LOCK_HEAD = select(_HEAD.c.seq, _HEAD.c.hash).where(_HEAD.c.id == 1).with_for_update()
# Built once, like the lock: a statement object memoizes its cache key, so every commit skips building
# and keying them.
_INSERT_EVENTS = insert(_EVENTS)
_ADVANCE_HEAD = update(_HEAD).where(_HEAD.c.id == 1).values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))


def _lock_head(session: Session) -> tuple[int, str]:
    """The head's (seq, hash), its row locked until commit; an empty chain starts at genesis."""
    head = session.execute(_LOCK_HEAD).first()
    if head is None:
        session.execute(insert(_HEAD).values(id=1, seq=0, hash=GENESIS))
        return 0, GENESIS
    return head.seq, head.hash


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str | None = None


def verify(session: Session, batch: int = 5000) -> VerifyResult:
    """Walk the chain in order; report the first event whose link does not hold."""
    result, checked_seq, prev = verify_since(session, 0, GENESIS, batch)
    if not result.ok:
        return result
    head = session.get(AuditHead, 1)
    if head is not None and (head.seq != checked_seq or head.hash != prev):
        return VerifyResult(False, checked_seq, checked_seq + 1, "events after the last stored one are missing")
    return result


def seal_seq(session: Session) -> int:
    """The sequence number of the seal event; events before it are unkeyed (0: none are)."""
    found = session.scalar(select(AuditEvent.seq).where(AuditEvent.action == SEAL).order_by(AuditEvent.seq).limit(1))
    return found or 0


def verify_since(session: Session, after_seq: int, prev_hash: str,
                 batch: int = 5000) -> tuple[VerifyResult, int, str]:
    """Verify the events after ``after_seq`` (whose hash was ``prev_hash``): the result, and the
    sequence number and hash reached, so a caller can keep checking a growing chain cheaply."""
    prev, expected_seq, checked, last_seq = prev_hash, after_seq + 1, 0, after_seq
    sealed_at = seal_seq(session)
    while True:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.seq > last_seq).order_by(AuditEvent.seq).limit(batch)
        ).all()
        if not rows:
            return VerifyResult(True, checked), last_seq, prev
        for event in rows:
            reason = _link_problem(event, prev, expected_seq, keyed=event.seq >= sealed_at)
            if reason:
                return VerifyResult(False, checked, event.seq, reason), last_seq, prev
            prev, expected_seq, checked = event.hash, event.seq + 1, checked + 1
        last_seq = rows[-1].seq


def _link_problem(event: AuditEvent, prev: str, expected_seq: int, *, keyed: bool) -> str | None:
    if event.seq != expected_seq:
        return f"event {expected_seq} is missing"
    if event.prev_hash != prev:
        return "previous-hash link does not match"
    fields = {name: getattr(event, name) for name in HASHED_FIELDS}
    if not same(event_hash(prev, fields, keyed=keyed), event.hash):
        return "content does not match its hash (edited, forged, or chained with another key)"
    return None


def case_history(session: Session, case_id: int) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.seq)))


# -- append-only enforcement ------------------------------------------------

SQLITE_TRIGGERS = (
    "CREATE TRIGGER IF NOT EXISTS audit_events_no_update BEFORE UPDATE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_events_no_delete BEFORE DELETE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
)
POSTGRES_TRIGGERS = (
    "CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'audit_events is append-only'; END; $$ LANGUAGE plpgsql",
    "DROP TRIGGER IF EXISTS audit_events_no_change ON audit_events",
    "CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events "
    "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
    "DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events",
    "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()",
)


# The head may only move forward (an append); rewinding it would hide a truncated tail.
SQLITE_HEAD_TRIGGERS = (
    "CREATE TRIGGER IF NOT EXISTS audit_head_forward_only BEFORE UPDATE ON audit_head "
    "WHEN NEW.seq <= OLD.seq OR NEW.id != OLD.id "
    "BEGIN SELECT RAISE(ABORT, 'audit_head only moves forward'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_head_no_delete BEFORE DELETE ON audit_head "
    "BEGIN SELECT RAISE(ABORT, 'audit_head only moves forward'); END",
)
POSTGRES_HEAD_TRIGGERS = (
    "CREATE OR REPLACE FUNCTION audit_head_forward_only() RETURNS trigger AS $$ "
    "BEGIN IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.seq > OLD.seq THEN RETURN NEW; END IF; "
    "RAISE EXCEPTION 'audit_head only moves forward'; END; $$ LANGUAGE plpgsql",
    "DROP TRIGGER IF EXISTS audit_head_forward_only ON audit_head",
    "CREATE TRIGGER audit_head_forward_only BEFORE UPDATE OR DELETE ON audit_head "
    "FOR EACH ROW EXECUTE FUNCTION audit_head_forward_only()",
    "DROP TRIGGER IF EXISTS audit_head_no_truncate ON audit_head",
    "CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_head_forward_only()",
)


def install_triggers(connection) -> None:
    statements = POSTGRES_TRIGGERS if connection.dialect.name == "postgresql" else SQLITE_TRIGGERS
    for statement in statements:
        connection.execute(text(statement))


def install_head_triggers(connection) -> None:
    postgres = connection.dialect.name == "postgresql"
    for statement in POSTGRES_HEAD_TRIGGERS if postgres else SQLITE_HEAD_TRIGGERS:
        connection.execute(text(statement))
