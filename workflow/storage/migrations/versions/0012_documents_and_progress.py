"""office settings for written documents, and the query code of the public progress lookup

- office_settings: the issuing authority's full name, document number prefix and the seal
  image an administrator uploads (written documents, issue 13);
- cases.query_code: printed on the acceptance notice; with the case number it opens the
  public progress lookup (办件查询) without a login. Existing cases get one here.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 14:00:00
"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "office_settings",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("blob", sa.LargeBinary(), nullable=True),
        sa.Column("updated_by", sa.Integer(), sa.ForeignKey("users.id", name="fk_office_settings_updated_by"),
                  nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("query_code", sa.String(16), nullable=True))
    cases = sa.table("cases", sa.column("id", sa.Integer), sa.column("query_code", sa.String))
    connection = op.get_bind()
    for (case_id,) in connection.execute(sa.select(cases.c.id)).all():
        connection.execute(cases.update().where(cases.c.id == case_id).values(query_code=_code()))


def _code() -> str:
    return "".join(secrets.choice("23456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(8))


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("query_code")
    op.drop_table("office_settings")
