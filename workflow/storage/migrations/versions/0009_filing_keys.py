"""filing keys: a retried filing (Idempotency-Key, the form's one-time token) returns the first case

The unique (user_id, key) pair is what makes 30 simultaneous retries one case: the second
insert waits for the first transaction and then finds its row.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 14:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "filing_keys",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("key", sa.String(210), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("user_id", "key", name="uq_filing_keys_user_key"),
    )


def downgrade() -> None:
    op.drop_table("filing_keys")
