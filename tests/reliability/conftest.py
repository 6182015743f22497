"""Reliability fixtures: the whole app (pages and API) as an attacker meets it on a fresh SQLite
database, and a seeded PostgreSQL database per test with the API on it for races.

Rate limits are off except where a test turns them on to measure them. Races need a server that
locks rows (SQLite serialises every writer, so nothing races there): those tests are skipped only
when ``TEST_DATABASE_URL`` is unset; ``.ci/run`` sets it.
"""
from __future__ import annotations

import pytest

from tests.api.conftest import Api
from tests.api.conftest import make_app as make_api_app
from tests.conftest import PG_URL, fresh_database
from tests.helpers import PASSWORD, load_people
from tests.web.conftest import make_app


@pytest.fixture
def db(request, tmp_path, sqlite_template):
    """SQLite: these are HTTP-level checks; the engine tests cover PostgreSQL."""
    yield from fresh_database(request, tmp_path, sqlite_template)


@pytest.fixture
def app(db, tmp_path):
    return make_app(db, tmp_path, API_RATE_LIMIT_ENABLED=False, LOGIN_RATE_LIMIT_ENABLED=False)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def api(client):
    return Api(client)


@pytest.fixture
def login(app):
    """``login("reviewer1")`` → a test client with that account's session cookie."""
    def log_in(username: str, password: str = PASSWORD):
        c = app.test_client()
        response = c.post("/login", data={"username": username, "password": password})
        assert response.status_code == 302, response.status_code
        return c
    return log_in


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
    return Api(make_api_app(pg, ATTACHMENTS_DIR=str(tmp_path / "attachments")).test_client())
