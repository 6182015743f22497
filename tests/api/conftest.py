"""API test fixtures: a small Flask app with only the API on the seeded per-test database.

The app stores the database where ``webapp.create_app`` does (``app.extensions["db"]``) and
sets the API up with ``webapp.api.init_api``; ``test_integration.py`` checks the same API
inside the real app factory. The token rate limit is off except in the test of 429.
"""
from __future__ import annotations

import pytest
from flask import Flask

from tests.helpers import PASSWORD
from webapp.api import init_api
from workflow.services import cases


def make_app(db, **config) -> Flask:
    app = Flask("api_test")
    app.config.update({"TESTING": True, "API_RATE_LIMIT_ENABLED": False, **config})
    app.extensions["db"] = db
    init_api(app)
    return app


@pytest.fixture
def app(db, tmp_path):
    return make_app(db, ATTACHMENTS_DIR=str(tmp_path / "attachments"))


@pytest.fixture
def client(app):
    return app.test_client()


class Api:
    """A test client that logs people in once and sends their bearer token."""

    def __init__(self, client) -> None:
        self.client = client
        self.tokens: dict[str, str] = {}

    def token(self, username: str) -> str:
        if username not in self.tokens:
            response = self.client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
            assert response.status_code == 201, response.get_json()
            self.tokens[username] = response.get_json()["token"]
        return self.tokens[username]

    def headers(self, username: str | None) -> dict:
        return {"Authorization": f"Bearer {self.token(username)}"} if username else {}

    def get(self, path: str, as_: str | None = None, **kwargs):
        return self.client.get(path, headers=self.headers(as_), **kwargs)

    def post(self, path: str, as_: str | None = None, **kwargs):
        return self.client.post(path, headers=self.headers(as_), **kwargs)

    def delete(self, path: str, as_: str | None = None, **kwargs):
        return self.client.delete(path, headers=self.headers(as_), **kwargs)


@pytest.fixture
def api(client):
    return Api(client)


@pytest.fixture
def bench_case(db, people):
    """A filed case of the test matter ``bench`` (intake → check_a + check_b → decide)."""
    return cases.submit(db, people["applicant_a"], ["bench"], {"title": "接口测试件"})


def error_of(response) -> dict:
    """The error body, checked for the common shape."""
    body = response.get_json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "fields"}, body
    assert isinstance(body["error"]["fields"], dict)
    return body["error"]
