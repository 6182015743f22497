"""Idempotent filing: one key, one case, however many times (and however simultaneously) it is sent.

The key row is inserted first in the filing's transaction (``INSERT … ON CONFLICT DO NOTHING``):
the first request inserts it and files the case; a retry's insert waits on the unique index
until the first commits, then finds the row and returns that case. If the first rolled back,
the retry's insert goes through and it files the case itself.
"""
from __future__ import annotations

import hashlib
import json

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from workflow.errors import ValidationError
from workflow.storage.db import utcnow
from workflow.storage.models import FilingKey

KEY_FIELD = "Idempotency-Key"
REUSED = "This key was already used for a different filing; use a new key for a new filing."


def fingerprint(matters: list[str], data: dict, green_channel: bool, uploads) -> str:
    """What was asked for, so a key sent again with a different filing is refused, not replayed."""
    request = {"matters": matters, "data": data, "green_channel": green_channel,
               "files": [(u.kind, hashlib.sha256(u.content).hexdigest()) for u in uploads]}
    return hashlib.sha256(json.dumps(request, sort_keys=True, ensure_ascii=False, default=str)
                          .encode("utf-8")).hexdigest()


def claim(session: Session, user_id: int, key: str, request_hash: str) -> int | None:
    """Take the key for this filing (None: go on and file), or the id of the case it already filed."""
    dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    inserted = session.execute(dialect.insert(FilingKey).values(
        user_id=user_id, key=key, request_hash=request_hash, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["user_id", "key"]).returning(FilingKey.id)).first()
    if inserted is not None:
        return None
    earlier = session.scalars(select(FilingKey).where(FilingKey.user_id == user_id, FilingKey.key == key)).one()
    if earlier.request_hash != request_hash:
        raise ValidationError({KEY_FIELD: [REUSED]})
    return earlier.case_id


def bind(session: Session, user_id: int, key: str, case_id: int) -> None:
    """Record the case the key filed (same transaction as the case)."""
    row = session.scalars(select(FilingKey).where(FilingKey.user_id == user_id, FilingKey.key == key)).one()
    row.case_id = case_id
