"""Schema management through Alembic, callable from the CLI, the web app and tests."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from workflow.storage.db import Database

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(db: Database) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    return config


def upgrade(db: Database) -> None:
    """Bring the database to the newest schema; an up-to-date database is left alone."""
    with db.engine.begin() as connection:
        config = alembic_config(db)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def revision(db: Database, message: str) -> None:
    """Developer helper: autogenerate a migration from the models."""
    config = alembic_config(db)
    command.revision(config, message=message, autogenerate=True)
