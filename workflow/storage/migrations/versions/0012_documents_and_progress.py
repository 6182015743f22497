"""office settings for written documents, and the query code of the public progress lookup

- office_settings: the issuing authority's full name, document number prefix and the seal
  image an administrator uploads (written documents, issue 13);
- cases.query_code: printed on the acceptance notice; with the case number it opens the
  public progress lookup (办件查询) without a login. Existing cases get one here;
- ratings: one per matter of a case (GB/T 39734-2020), with the supervisor's reply to a bad
  one (差评整改). The table is rebuilt (its unnamed UNIQUE(case_id) cannot be dropped on SQLite);
  an old case rating becomes the rating of each of the case's matters.

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
    _ratings_per_matter()


def _ratings_per_matter() -> None:
    op.create_table(
        "ratings_v2",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id", name="fk_ratings_case"), nullable=False),
        sa.Column("matter_code", sa.String(32), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("rated_by", sa.Integer(), sa.ForeignKey("users.id", name="fk_ratings_rated_by"), nullable=False),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.Column("replied_by", sa.Integer(), sa.ForeignKey("users.id", name="fk_ratings_replied_by"), nullable=True),
        sa.Column("replied_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("case_id", "matter_code", name="uq_ratings_case_matter"),
    )
    op.execute("INSERT INTO ratings_v2 (case_id, matter_code, level, comment, rated_by, rated_at) "
               "SELECT r.case_id, p.matter_code, r.level, r.comment, r.rated_by, r.rated_at "
               "FROM ratings r JOIN process_instances p ON p.case_id = r.case_id")
    op.drop_table("ratings")
    op.rename_table("ratings_v2", "ratings")
    op.create_index("ix_ratings_open", "ratings", ["replied_at", "level"])


def _code() -> str:
    return "".join(secrets.choice("23456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(8))


def downgrade() -> None:
    op.drop_index("ix_ratings_open", "ratings")
    op.rename_table("ratings", "ratings_v2")
    op.create_table(
        "ratings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False, unique=True),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("rated_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.execute("INSERT INTO ratings (case_id, level, comment, rated_by, rated_at) "
               "SELECT case_id, MIN(level), MIN(comment), MIN(rated_by), MIN(rated_at) FROM ratings_v2 GROUP BY case_id")
    op.drop_table("ratings_v2")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("query_code")
    op.drop_table("office_settings")
