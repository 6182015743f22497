"""audit anchoring: the head row exists and only moves forward; an older history is sealed;
timer workers' heartbeats for /healthz

The chain is keyed from now on (HMAC-SHA256 with ``AUDIT_KEY``, see workflow/storage/audit.py).
Events written before this migration keep their plain SHA-256 links; a seal event, chained
with the key, covers the last of them, so the unkeyed prefix is anchored too. Run as the
database owner with the production ``AUDIT_KEY`` in the environment.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 14:00:00
"""
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

from workflow.storage.audit import GENESIS, SEAL, event_hash, install_head_triggers

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

EVENTS = sa.table(
    "audit_events", *(sa.column(name) for name in (
        "seq", "at", "actor_id", "actor_name", "role", "case_id", "case_number", "instance_id", "task_id",
        "task_title", "action", "decision", "opinion", "prev_hash", "hash")), sa.column("data", sa.JSON))
HEAD = sa.table("audit_head", sa.column("id"), sa.column("seq"), sa.column("hash"))


def upgrade() -> None:
    conn = op.get_bind()
    head = conn.execute(sa.select(HEAD.c.seq, HEAD.c.hash).where(HEAD.c.id == 1)).first()
    if head is None:
        conn.execute(HEAD.insert().values(id=1, seq=0, hash=GENESIS))
    elif head.seq > 0:
        _seal(conn, head.seq, head.hash)
    install_head_triggers(conn)
    op.create_table(
        "worker_heartbeats",
        sa.Column("worker", sa.String(120), primary_key=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_sweep_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("interval_seconds", sa.Float(), nullable=False),
        sa.Column("sweeps", sa.Integer(), nullable=False),
        sa.Column("woken", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failures", sa.Integer(), nullable=False),
    )


def _seal(conn, last_seq: int, last_hash: str) -> None:
    fields = {"seq": last_seq + 1, "at": datetime.now(timezone.utc), "actor_id": None, "actor_name": "系统",
              "role": "system", "case_id": None, "case_number": None, "instance_id": None, "task_id": None,
              "task_title": None, "action": SEAL, "decision": None,
              "opinion": "审计链自此以密钥签名（HMAC-SHA256）", "data": {"unkeyed_until": last_seq}}
    digest = event_hash(last_hash, fields)
    conn.execute(EVENTS.insert().values(**fields, prev_hash=last_hash, hash=digest))
    conn.execute(HEAD.update().where(HEAD.c.id == 1).values(seq=last_seq + 1, hash=digest))


POSTGRES_DROPS = ("DROP TRIGGER IF EXISTS audit_head_forward_only ON audit_head",
                  "DROP TRIGGER IF EXISTS audit_head_no_truncate ON audit_head",
                  "DROP FUNCTION IF EXISTS audit_head_forward_only()")
SQLITE_DROPS = ("DROP TRIGGER IF EXISTS audit_head_forward_only", "DROP TRIGGER IF EXISTS audit_head_no_delete")


def downgrade() -> None:
    """Drops the heartbeats and the head's triggers; a seal event stays (the history is append-only)."""
    op.drop_table("worker_heartbeats")
    for statement in POSTGRES_DROPS if op.get_bind().dialect.name == "postgresql" else SQLITE_DROPS:
        op.execute(statement)
