"""inbox indexes in page order

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 11:30:00

The inbox views are unions of pieces that each read one index in page order
(green channel first, then oldest); see workflow/services/inbox.py.
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_tasks_queue", table_name="human_tasks")
    op.drop_index("ix_tasks_assignee", table_name="human_tasks")
    op.create_index("ix_tasks_queue", "human_tasks", ["state", "role", "department_code", "assignee_id",
                                                      sa.text("green_channel DESC"), "created_at", "hold",
                                                      "distinct_assignees"])
    op.create_index("ix_tasks_queue_due", "human_tasks", ["state", "role", "department_code", "due_at",
                                                          "assignee_id", "distinct_assignees"])
    op.create_index("ix_tasks_assignee", "human_tasks", ["state", "assignee_id", sa.text("green_channel DESC"),
                                                         "created_at", "due_at"])


def downgrade() -> None:
    op.drop_index("ix_tasks_assignee", table_name="human_tasks")
    op.drop_index("ix_tasks_queue_due", table_name="human_tasks")
    op.drop_index("ix_tasks_queue", table_name="human_tasks")
    op.create_index("ix_tasks_assignee", "human_tasks", ["state", "assignee_id", "created_at"])
    op.create_index("ix_tasks_queue", "human_tasks", ["state", "role", "department_code", "green_channel",
                                                      "created_at"])
