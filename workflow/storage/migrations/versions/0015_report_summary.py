"""report summary: the dashboard and the period report read a row per day and matter

- report_case_days: per office day a case was received and per matter ('' = each case once),
  its counts by status now and the durations of the completed ones; report_task_days: per day
  a step was completed, per matter, step, person and title, its count and durations. Kept in
  the transaction of every command (workflow/services/report_summary.py); filled here from the
  existing rows;
- ix_report_case_days_total: the rows that count each case once (trend, finished cases);
- ix_cases_running (partial: running cases only): the live overdue counts;
- ix_ratings_rated, ix_certificates_issued: the period's ratings and certificates by range.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 17:00:00
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

from workflow.services.report_summary import CASE_COUNTS, rebuild

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

RUNNING = "status NOT IN ('completed', 'withdrawn')"


def upgrade() -> None:
    op.create_table(
        "report_case_days",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("matter_code", sa.String(32), primary_key=True),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in CASE_COUNTS),
        sa.Column("durations", sa.LargeBinary(), nullable=False),
    )
    op.create_index("ix_report_case_days_total", "report_case_days", ["matter_code", "day"],
                    postgresql_include=["received", "finished", "completed", "withdrawn"])
    op.create_table(
        "report_task_days",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("matter_code", sa.String(32), primary_key=True),
        sa.Column("bpmn_id", sa.String(100), primary_key=True),
        sa.Column("completed_by", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("title", sa.String(200), primary_key=True),
        sa.Column("tasks", sa.Integer(), nullable=False),
        sa.Column("durations", sa.LargeBinary(), nullable=False),
    )
    op.create_index("ix_cases_running", "cases", ["created_at"], postgresql_where=sa.text(RUNNING),
                    sqlite_where=sa.text(RUNNING))
    op.create_index("ix_ratings_rated", "ratings", ["rated_at"])
    op.create_index("ix_certificates_issued", "certificates", ["issued_on"])
    session = Session(bind=op.get_bind())
    rebuild(session)
    session.flush()


def downgrade() -> None:
    op.drop_index("ix_certificates_issued", "certificates")
    op.drop_index("ix_ratings_rated", "ratings")
    op.drop_index("ix_cases_running", "cases")
    op.drop_table("report_task_days")
    op.drop_index("ix_report_case_days_total", "report_case_days")
    op.drop_table("report_case_days")
