"""Reliability fixtures: a seeded PostgreSQL database per test, and the API on it.

Races need a server that locks rows (SQLite serialises every writer, so nothing races there).
These tests are skipped only when ``TEST_DATABASE_URL`` is unset; ``.ci/run`` sets it.
"""
from __future__ import annotations

import pytest

from tests.api.conftest import Api, make_app
from tests.conftest import PG_URL, fresh_database
from tests.helpers import load_people


@pytest.fixture
def pg(request, tmp_path, sqlite_template):
    """A fresh, seeded PostgreSQL database (the projection invariant is checked afterwards)."""
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    yield from fresh_database(request, tmp_path, sqlite_template, "postgresql")


@pytest.fixture
def pg_people(pg):
    return load_people(pg)


@pytest.fixture
def pg_api(pg, tmp_path):
    """The API on the PostgreSQL database; its Flask test client is safe to share across threads."""
    return Api(make_app(pg, ATTACHMENTS_DIR=str(tmp_path / "attachments")).test_client())
