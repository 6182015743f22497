"""Shared fixtures: a migrated database per test, on SQLite and (when configured) PostgreSQL.

Each test gets its own database cloned from a template that is migrated,
seeded with the holiday calendar, the deployed processes and the staff and
applicant accounts below, so tests start in milliseconds and never share rows.
PostgreSQL runs when ``TEST_DATABASE_URL`` is set (``.ci/run`` sets it).
"""
from __future__ import annotations

import os
import shutil
import uuid
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests import helpers
from webapp.i18n_import import compile_stale
from workflow.runtime.deployment import deploy_directory, deploy_file
from workflow.storage.db import Database, normalise_url
from workflow.storage.schema import upgrade
from workflow.timekeeping.now import ManualClock
from workflow.timekeeping.now import use as use_clock
from workflow.timekeeping.workdays import OFFICE_TZ

PG_URL = os.environ.get("TEST_DATABASE_URL")


def pytest_sessionstart(session) -> None:
    """``make test`` compiles the catalogue; running pytest directly must find it compiled too."""
    compile_stale()


BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
TEST_BPMN = Path(__file__).parent / "bpmn"


def _seed(db: Database) -> None:
    upgrade(db)
    with db.transaction() as session:
        helpers.seed_calendar(session)
        deploy_directory(session)
        deploy_file(session, TEST_BPMN / "engine_bench.bpmn")
        helpers.create_people(session)
    db.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    _seed(Database(f"sqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def pg_template():
    if not PG_URL:
        return None
    name = f"lic_tmpl_{uuid.uuid4().hex[:8]}"
    admin = create_engine(normalise_url(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    _seed(Database(_pg_url(name)))
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _pg_url(name: str) -> str:
    base = normalise_url(PG_URL)
    return base.rsplit("/", 1)[0] + "/" + name


def fresh_database(request, tmp_path, sqlite_template, backend: str = "sqlite", check: bool = True):
    """Yield a fresh, seeded database cloned from the template; other conftests reuse this."""
    if backend == "sqlite":
        path = tmp_path / "test.db"
        shutil.copy(sqlite_template, path)
        database = Database(f"sqlite:///{path}")
        yield database
        if check:
            _check_invariant(request, database)
        database.dispose()
        return
    template = request.getfixturevalue("pg_template")
    name = f"lic_t_{uuid.uuid4().hex[:10]}"
    admin = create_engine(normalise_url(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    database = Database(_pg_url(name))
    yield database
    if check:
        _check_invariant(request, database)
    database.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def db(request, tmp_path, sqlite_template):
    """A fresh, seeded database for this test, on every configured backend."""
    yield from fresh_database(request, tmp_path, sqlite_template, request.param)


@pytest.fixture
def clock():
    """The engine's clock standing still at Monday 2 March 2026, 09:00 in the office, until moved."""
    manual = ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=OFFICE_TZ))
    with use_clock(manual):
        yield manual


@pytest.fixture
def people(db):
    """The seeded accounts, by username."""
    return helpers.load_people(db)


def _check_invariant(request, database: Database) -> None:
    """Every test ends with the projection equal to the engine's READY manual tasks."""
    if not request.node.get_closest_marker("no_invariant"):
        helpers.assert_projection_matches(database)


def pytest_configure(config):
    config.addinivalue_line("markers", "no_invariant: skip the end-of-test projection check")
