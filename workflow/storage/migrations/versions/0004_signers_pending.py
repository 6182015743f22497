"""pending added signers counted on the task

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 11:20:00

Completing a task checks for added signers who have not signed; a counter on
the task row answers that without a query on every completion.
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("human_tasks") as batch:
        batch.add_column(sa.Column("signers_pending", sa.Integer(), nullable=False, server_default="0"))
    op.execute("UPDATE human_tasks SET signers_pending = (SELECT count(*) FROM task_signers "
               "WHERE task_signers.task_id = human_tasks.id AND task_signers.signed_at IS NULL)")


def downgrade() -> None:
    with op.batch_alter_table("human_tasks") as batch:
        batch.drop_column("signers_pending")
