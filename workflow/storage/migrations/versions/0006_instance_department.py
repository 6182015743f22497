"""process instances carry their department

The BPMN runtime opens tasks in the instance's department; keeping it on the
row means the runtime never has to consult the licensing catalogue.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 11:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

# The catalogue's departments when this migration was written (matter code -> department).
DEPARTMENTS = {
    "industrial_license": "production", "food_license": "food", "food_license_change": "food",
    "equipment_notice": "equipment", "equipment_registration": "equipment", "cng_cylinder": "equipment",
    "quality_award": "quality", "bench": "production",
}


def upgrade() -> None:
    with op.batch_alter_table("process_instances") as batch:
        batch.add_column(sa.Column("department_code", sa.String(32), nullable=True))
    instances = sa.table("process_instances", sa.column("matter_code", sa.String),
                         sa.column("department_code", sa.String))
    for matter, department in DEPARTMENTS.items():
        op.execute(instances.update().where(instances.c.matter_code == matter).values(department_code=department))


def downgrade() -> None:
    with op.batch_alter_table("process_instances") as batch:
        batch.drop_column("department_code")
