"""The API inside the real app factory: CSRF does not block it, the web UI keeps HTML errors."""
from __future__ import annotations

import pytest
from sqlalchemy import event

from tests.api.conftest import error_of
from tests.helpers import PASSWORD
from webapp import create_app


@pytest.fixture
def full_app(db, tmp_path):
    return create_app({"TESTING": True, "API_RATE_LIMIT_ENABLED": False, "WTF_CSRF_ENABLED": True,
                       "ATTACHMENTS_DIR": str(tmp_path / "files")}, db=db)


def test_api_works_inside_create_app(full_app, people):
    client = full_app.test_client()
    assert client.get("/api/v1/openapi.json").get_json()["info"]["version"] == "1.0"
    login = client.post("/api/v1/auth/token", json={"username": "applicant_a", "password": PASSWORD})
    assert login.status_code == 201, login.get_data(as_text=True)[:300]   # no CSRF token needed
    headers = {"Authorization": f"Bearer {login.get_json()['token']}"}
    filed = client.post("/api/v1/cases", headers=headers, json={"matters": ["bench"], "data": {}})
    assert filed.status_code == 201
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204


def test_api_errors_are_json_and_page_errors_stay_html(full_app, people):
    client = full_app.test_client()
    for path in ("/api/v1/no-such-thing", "/api/v1/cases/1"):
        response = client.get(path)
        assert response.is_json and error_of(response)["code"] in ("not_found", "unauthorized")
    wrong_method = client.put("/api/v1/cases")
    assert wrong_method.status_code == 405 and error_of(wrong_method)["code"] == "method_not_allowed"
    assert set(wrong_method.headers["Allow"].split(", ")) == {"GET", "HEAD", "POST", "OPTIONS"}
    page = client.get("/no-such-page")
    assert page.status_code == 404 and page.mimetype == "text/html"


def test_web_forms_still_need_their_csrf_token(full_app, people):
    response = full_app.test_client().post("/login", data={"username": "window", "password": PASSWORD})
    assert response.status_code == 400 and response.mimetype == "text/html"


def test_docs_page_needs_no_external_assets(full_app):
    client = full_app.test_client()
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "/api/v1/openapi.json" in html and "http://" not in html and "https://" not in html
    script = client.get("/api/v1/docs/docs.js")
    assert script.status_code == 200 and "openapi.json" in script.get_data(as_text=True)
    assert "https://" not in script.get_data(as_text=True)
    assert client.get("/api/v1/docs/docs.css").mimetype == "text/css"


def test_queries_per_request_are_counted_when_asked(db, people, tmp_path):
    counted = create_app({"TESTING": True, "API_RATE_LIMIT_ENABLED": False, "COUNT_QUERIES": True,
                          "ATTACHMENTS_DIR": str(tmp_path / "files")}, db=db).test_client()
    token = counted.post("/api/v1/auth/token", json={"username": "reviewer1", "password": PASSWORD}).get_json()
    sent = []

    def note(*args) -> None:
        sent.append(args[2])

    for engine in db.engines:
        event.listen(engine, "before_cursor_execute", note)
    try:
        inbox = counted.get("/api/v1/tasks?view=claimable", headers={"Authorization": f"Bearer {token['token']}"})
    finally:
        for engine in db.engines:
            event.remove(engine, "before_cursor_execute", note)
    assert inbox.status_code == 200 and len(sent) >= 2      # the token, the inbox
    assert int(inbox.headers["X-Query-Count"]) == len(sent)  # each statement counted once
    assert int(counted.get("/api/v1/matters").headers["X-Query-Count"]) >= 0
    plain = create_app({"TESTING": True, "ATTACHMENTS_DIR": str(tmp_path / "files")}, db=db).test_client()
    assert "X-Query-Count" not in plain.get("/api/v1/matters").headers
