"""Server-side session revocation and production settings (defect 8).

A session remembers its user's ``session_epoch``; logging out, a password change and
deactivation move the epoch on (and revoke the user's API tokens), so a copied cookie or a
token stops working at once. Production mode needs SECRET_KEY and sends secure cookies and HSTS.
"""
from __future__ import annotations

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import select, text

from tests.helpers import PASSWORD
from tests.web.conftest import make_app
from workflow.services import users
from workflow.storage.models import AuditEvent
from workflow.storage.schema import alembic_config

NEW_PASSWORD = "青山-tiger-窗口-2026"


def _copy(app, client):
    """Another browser holding the same session cookie (a stolen or forgotten one)."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value, domain="localhost")
    return other


def _opens_my_cases(client) -> bool:
    return client.get("/my/cases").status_code == 200


def test_a_cookie_captured_before_logout_is_dead_after_it(app, login):
    mine = login("applicant_a")
    copied = _copy(app, mine)
    assert _opens_my_cases(copied)
    assert mine.post("/logout").status_code == 302
    assert not _opens_my_cases(copied) and not _opens_my_cases(mine)
    assert _opens_my_cases(login("applicant_a"))


def test_logout_ends_the_accounts_tokens_too(api, login):
    token = api.token("applicant_a")
    assert api.get("/api/v1/cases", as_="applicant_a").status_code == 200
    login("applicant_a").post("/logout")
    response = api.client.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_a_password_change_ends_every_other_session(db, app, api, login):
    token = api.token("window")
    here, elsewhere = login("window"), login("window")
    weak = here.post("/account/password", data={"current_password": PASSWORD, "new_password": "password1"})
    assert weak.status_code == 422 and "密码太容易被猜到" in weak.get_data(as_text=True)
    wrong = here.post("/account/password", data={"current_password": "nope", "new_password": NEW_PASSWORD})
    assert wrong.status_code == 422 and "密码错误" in wrong.get_data(as_text=True)
    done = here.post("/account/password", data={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert done.status_code == 302
    assert here.get("/window/").status_code == 200               # the session that changed it goes on
    assert elsewhere.get("/window/").status_code == 302          # every other one is over
    assert api.client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert users.authenticate(db, "window", PASSWORD) is None
    assert users.authenticate(db, "window", NEW_PASSWORD) is not None


def test_deactivation_ends_sessions_and_tokens_and_is_audited(db, people, api, login):
    token = api.token("reviewer1")
    session = login("reviewer1")
    assert session.get("/inbox").status_code == 200
    admin = login("admin")
    assert admin.post(f"/admin/users/{people['reviewer1'].id}/active", data={"active": "0"}).status_code == 302
    assert session.get("/inbox").status_code == 302
    assert api.client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert admin.post(f"/admin/users/{people['admin'].id}/active", data={"active": "0"}).status_code == 409
    with db.reading() as s:
        actions = list(s.scalars(select(AuditEvent.action).where(AuditEvent.action.in_(
            ("user_deactivated", "logged_out", "password_changed")))))
    assert actions == ["user_deactivated"]


def test_only_admins_deactivate(people, login):
    assert login("supervisor").post(f"/admin/users/{people['window'].id}/active",
                                    data={"active": "0"}).status_code == 403


def test_logged_in_pages_are_not_stored_public_ones_may_be(client, login):
    assert login("applicant_a").get("/my/cases").headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/guide").headers.get("Cache-Control", "")


def test_production_refuses_to_start_without_a_secret_key(db, tmp_path):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        make_app(db, tmp_path, APP_ENV="production", SECRET_KEY=None)


def test_production_cookies_and_hsts(db, tmp_path):
    app = make_app(db, tmp_path, APP_ENV="production", SECRET_KEY="production-test-key",
                   LOGIN_RATE_LIMIT_ENABLED=False)
    client = app.test_client()
    assert client.get("/guide").status_code in (301, 302)                 # plain HTTP goes to HTTPS
    secure = app.test_client()
    response = secure.post("/login", data={"username": "applicant_a", "password": PASSWORD},
                           base_url="https://localhost")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    page = secure.get("/my/cases", base_url="https://localhost")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"


def test_upgrade_reaches_the_newest_revision(db):
    head = ScriptDirectory.from_config(alembic_config(db)).get_current_head()
    with db.reading() as s:
        assert s.scalar(text("SELECT version_num FROM alembic_version")) == head
        assert s.scalar(text("SELECT count(*) FROM users WHERE session_epoch = 0")) > 0


def test_login_starts_a_fresh_session_that_keeps_the_language(app):
    client = app.test_client()
    client.post("/lang/en")
    client.post("/login", data={"username": "applicant_a", "password": PASSWORD})
    page = client.get("/my/cases")
    assert page.status_code == 200 and '<html lang="en">' in page.get_data(as_text=True)
