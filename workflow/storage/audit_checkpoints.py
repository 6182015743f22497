"""Signed checkpoints of the audit chain, kept outside the database.

A keyed chain stops anyone without ``AUDIT_KEY`` from rewriting or forging events, but a
valid prefix is still a valid chain: deleting the newest events and moving the head back
would verify. A checkpoint (sequence number and head hash, signed with the key) written to
a file the operator ships elsewhere (another host, write-once storage) pins the chain's
length and content at that moment; :func:`verify_against` then detects a truncated or
rewritten history even by someone who also holds the key but not the shipped files.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.storage.audit import GENESIS, VerifyResult
from workflow.storage.audit_key import same, sign
from workflow.storage.db import utcnow
from workflow.storage.models import AuditEvent, AuditHead

PREFIX = "audit-checkpoint-"


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: str
    hmac: str
    path: Path

    def signed(self) -> bool:
        return same(sign(_message(self.seq, self.hash, self.at)), self.hmac)


def _message(seq: int, digest: str, at: str) -> str:
    return f"audit-checkpoint|{seq}|{digest}|{at}"


def write_checkpoint(session: Session, out_dir: Path) -> Checkpoint:
    """Sign the current head into ``out_dir/audit-checkpoint-<seq>.json`` (written atomically)."""
    head = session.get(AuditHead, 1)
    seq, digest = (head.seq, head.hash) if head else (0, GENESIS)
    at = utcnow().isoformat()
    body = {"seq": seq, "hash": digest, "at": at, "hmac": sign(_message(seq, digest, at))}
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{PREFIX}{seq:012d}.json"
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps(body, indent=1) + "\n", encoding="utf-8")
    os.replace(partial, path)
    return Checkpoint(seq, digest, at, body["hmac"], path)


def load_checkpoints(directory: Path) -> list[Checkpoint]:
    """Every checkpoint file in ``directory``, oldest first; unreadable files are unsigned ones."""
    found = []
    for path in sorted(directory.glob(f"{PREFIX}*.json")):
        try:
            body = json.loads(path.read_text(encoding="utf-8"))
            found.append(Checkpoint(int(body["seq"]), str(body["hash"]), str(body["at"]), str(body["hmac"]), path))
        except (ValueError, KeyError, TypeError):
            found.append(Checkpoint(-1, "", "", "", path))
    return sorted(found, key=lambda c: c.seq)


def verify_against(session: Session, checkpoints: list[Checkpoint]) -> VerifyResult:
    """Does the stored chain still contain every checkpointed head? Names the first that is not."""
    head = session.get(AuditHead, 1)
    head_seq = head.seq if head else 0
    for checked, point in enumerate(checkpoints):
        if not point.signed():
            return VerifyResult(False, checked, None, f"checkpoint {point.path.name} is not signed with this key")
        if point.seq == 0:
            continue
        if point.seq > head_seq:
            return VerifyResult(False, checked, head_seq + 1,
                                f"history truncated: checkpoint {point.path.name} has event {point.seq}, "
                                f"the chain ends at {head_seq}")
        stored = session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == point.seq))
        if stored is None or not same(stored, point.hash):
            return VerifyResult(False, checked, point.seq,
                                f"event {point.seq} differs from checkpoint {point.path.name} (history rewritten)")
    return VerifyResult(True, len(checkpoints))
