"""what the action policy and the lawful paths need

- human_tasks.activation: the multi-instance activation a task belongs to, so the
  two-person rule compares a reviewer with the siblings of *this* round only;
- human_tasks.handed_over_by / handover: who transferred or delegated the task (拿回, 委派);
- clock_segments.task_id: a pause belongs to the step that opened it and ends with it;
- certificates.reissued_on: a licence change reissues the certificate;
- award_rounds: each round's quota, ranked by score when the round closes.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 12:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("human_tasks") as batch:
        batch.add_column(sa.Column("activation", sa.String(64), nullable=True))
        batch.add_column(sa.Column("handed_over_by", sa.Integer(), sa.ForeignKey("users.id", name="fk_human_tasks_handed_over_by"),
                                    nullable=True))
        batch.add_column(sa.Column("handover", sa.String(16), nullable=True))
    with op.batch_alter_table("clock_segments") as batch:
        batch.add_column(sa.Column("task_id", sa.Integer(), nullable=True))
        batch.create_index("ix_clock_segments_task", ["task_id", "status"])
    with op.batch_alter_table("certificates") as batch:
        batch.add_column(sa.Column("reissued_on", sa.Date(), nullable=True))
    op.create_table(
        "award_rounds",
        sa.Column("code", sa.String(20), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("quota", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="open"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("award_rounds")
    with op.batch_alter_table("certificates") as batch:
        batch.drop_column("reissued_on")
    with op.batch_alter_table("clock_segments") as batch:
        batch.drop_index("ix_clock_segments_task")
        batch.drop_column("task_id")
    with op.batch_alter_table("human_tasks") as batch:
        batch.drop_column("handover")
        batch.drop_column("handed_over_by")
        batch.drop_column("activation")
