"""users.session_epoch: server-side revocation of every session of a user

Logging out, changing the password and deactivation add one; a session remembers the
epoch it was opened in and ends when the user's epoch has moved on.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 14:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_epoch")
