"""cases.applicant_id indexed: staff search by applicant reads the cases of the matching people
instead of scanning every case (services/queries._matching).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 15:10:00
"""
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_cases_applicant_id", "cases", ["applicant_id"])


def downgrade() -> None:
    op.drop_index("ix_cases_applicant_id", table_name="cases")
