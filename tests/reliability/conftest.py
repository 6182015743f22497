"""Reliability tests: the whole app (pages and API) as an attacker meets it, on a fresh database.

Reuses the web tests' app factory settings and the API tests' bearer-token client; rate limits
are off except where a test turns them on to measure them.
"""
from __future__ import annotations

import pytest

from tests.api.conftest import Api
from tests.conftest import fresh_database
from tests.helpers import PASSWORD
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
