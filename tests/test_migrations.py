"""Alembic: one head, and ``upgrade`` reaches it with every model's columns in place."""
from __future__ import annotations

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from workflow.storage.models import Base
from workflow.storage.schema import alembic_config


def test_upgrade_reaches_the_single_head(db):
    heads = ScriptDirectory.from_config(alembic_config(db)).get_heads()
    assert len(heads) == 1
    with db.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_heads() == tuple(heads)
        found = inspect(connection)
        for table in Base.metadata.sorted_tables:
            columns = {c["name"] for c in found.get_columns(table.name)}
            assert {c.name for c in table.columns} <= columns, table.name
