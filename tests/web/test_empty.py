"""A freshly migrated database with nothing in it: no users, no processes, no holidays."""
from __future__ import annotations

from tests.web.conftest import text
from webapp import create_app
from workflow.storage.db import Database
from workflow.storage.schema import upgrade


def test_public_pages_and_login_on_an_empty_database(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'empty.db'}")
    upgrade(db)
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "x",
                      "ATTACHMENTS_DIR": str(tmp_path / "a")}, db=db)
    c = app.test_client()
    for path in ("/", "/guide", "/guide/food_license", "/verify", "/login", "/static/style.css"):
        assert c.get(path).status_code == 200, path
    assert c.get("/verify?number=SC11644200000389").status_code == 404
    assert c.get("/v/abc").status_code == 404
    response = c.post("/login", data={"username": "admin", "password": "whatever"})
    assert response.status_code == 401 and "用户名或密码错误" in text(response)
    assert c.get("/my/cases").status_code == 302
    db.dispose()
