"""Web tests: the Flask app on a fresh seeded SQLite database per test (Flask test client)."""
from __future__ import annotations

import re

import pytest

from tests import helpers
from tests.conftest import fresh_database
from webapp import create_app


@pytest.fixture
def db(request, tmp_path, sqlite_template):
    """SQLite only: the pages are the same on every backend; engine tests cover PostgreSQL."""
    yield from fresh_database(request, tmp_path, sqlite_template)


def make_app(db, tmp_path, **config):
    settings = {"TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "web-tests",
                "ATTACHMENTS_DIR": str(tmp_path / "attachments"), "SERVER_NAME": "localhost"}
    settings.update(config)
    return create_app(settings, db=db)


@pytest.fixture
def app(db, tmp_path):
    return make_app(db, tmp_path)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def login(app):
    """``login("reviewer1")`` → a test client logged in as that seeded account."""
    def log_in(username: str, password: str = helpers.PASSWORD):
        c = app.test_client()
        response = c.post("/login", data={"username": username, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return c
    return log_in


def text(response) -> str:
    return response.get_data(as_text=True)


def pdf_links(page: str) -> dict[str, str]:
    """The case page's documents: key (``acceptance-12``) -> PDF address."""
    return {key: link for link, key in re.findall(r'href="(/cases/\d+/pdf/([^"]+)\.pdf)"', page)}


def document(client, case_id: int, kind: str) -> str:
    """The text of the case's first document of ``kind`` (acceptance, correction, …), read from its PDF."""
    links = pdf_links(text(client.get(f"/cases/{case_id}")))
    link = next(link for key, link in links.items() if key.startswith(f"{kind}-") or key == kind)
    response = client.get(link)
    assert response.status_code == 200 and response.mimetype == "application/pdf", link
    return helpers.pdf_text(response.data)


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)
