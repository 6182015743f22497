"""production at scale: failed instances, search and report indexes

- process_instances.failed_at / error: the last engine step or service task that failed in a
  timer sweep, so an administrator can list such instances and retry them;
- ix_cases_created, ix_tasks_closed: the period report and dashboard read one period of cases
  and of completed steps by range, not the whole table;
- PostgreSQL only: pg_trgm GIN indexes on case numbers and titles and on enterprise names and
  credit codes, so the staff case search (a substring of any of them) stays flat as cases grow.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 14:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

TRIGRAM = (("ix_cases_number_trgm", "cases", "number"), ("ix_cases_title_trgm", "cases", "title"),
           ("ix_orgs_name_trgm", "organisations", "name"), ("ix_orgs_code_trgm", "organisations", "credit_code"))


def upgrade() -> None:
    with op.batch_alter_table("process_instances") as batch:
        batch.add_column(sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("error", sa.Text(), nullable=True))
        batch.create_index("ix_instances_failed", ["failed_at"])
    op.create_index("ix_cases_created", "cases", ["created_at"])
    op.create_index("ix_tasks_closed", "human_tasks", ["closed_at"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, table, column in TRIGRAM:
            op.execute(f"CREATE INDEX {name} ON {table} USING gin ({column} gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, _table, _column in TRIGRAM:
            op.execute(f"DROP INDEX IF EXISTS {name}")
    op.drop_index("ix_tasks_closed", "human_tasks")
    op.drop_index("ix_cases_created", "cases")
    with op.batch_alter_table("process_instances") as batch:
        batch.drop_index("ix_instances_failed")
        batch.drop_column("error")
        batch.drop_column("failed_at")
