"""The caller's own account through the API: read it, set the contact addresses, change the password."""
from __future__ import annotations

from sqlalchemy import select

from tests.helpers import PASSWORD
from workflow.storage.models import AuditEvent, User

NEW = "青山-tiger-窗口-2026"


def test_read_and_set_own_contact(db, people, api):
    mine = api.get("/api/v1/account", as_="applicant_a")
    assert mine.status_code == 200
    body = mine.get_json()
    assert (body["username"], body["role"], body["email"], body["phone"]) == ("applicant_a", "applicant", None, None)
    bad = api.client.put("/api/v1/account/contact", headers=api.headers("applicant_a"),
                         json={"email": "nope", "phone": "12345"})
    assert bad.status_code == 422 and set(bad.get_json()["error"]["fields"]) == {"email", "phone"}
    missing = api.client.put("/api/v1/account/contact", headers=api.headers("applicant_a"), json={"email": None})
    assert missing.status_code == 422 and "phone" in missing.get_json()["error"]["fields"]
    zh = api.client.put("/api/v1/account/contact", json={"email": "nope", "phone": None},
                        headers={**api.headers("applicant_a"), "Accept-Language": "zh"})
    assert zh.get_json()["error"]["fields"]["email"] == ["不是有效的电子邮箱地址。"]
    ok = api.client.put("/api/v1/account/contact", headers=api.headers("applicant_a"),
                        json={"email": "qiye@example.cn", "phone": "13800138000"})
    assert ok.status_code == 200 and (ok.get_json()["email"], ok.get_json()["phone"]) == ("qiye@example.cn",
                                                                                         "13800138000")
    with db.reading() as s:
        user = s.get(User, people["applicant_a"].id)
        assert (user.email, user.phone) == ("qiye@example.cn", "13800138000")
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "contact_changed")).one()
    assert event.data == {"user_id": user.id, "fields": ["email", "phone"]}
    cleared = api.client.put("/api/v1/account/contact", headers=api.headers("applicant_a"),
                             json={"email": "", "phone": None})
    assert cleared.status_code == 200 and cleared.get_json()["email"] is None
    assert api.client.put("/api/v1/account/contact", json={"email": None, "phone": None}).status_code == 401


def test_change_password_through_the_api(db, people, api):
    old = api.headers("applicant_a")
    wrong = api.post("/api/v1/account/password", as_="applicant_a",
                     json={"current_password": "nope", "new_password": NEW})
    assert wrong.status_code == 422 and "current_password" in wrong.get_json()["error"]["fields"]
    weak = api.post("/api/v1/account/password", as_="applicant_a",
                    json={"current_password": PASSWORD, "new_password": "password1"})
    assert weak.status_code == 422 and "new_password" in weak.get_json()["error"]["fields"]
    assert api.client.get("/api/v1/account", headers=old).status_code == 200       # refusals change nothing
    done = api.post("/api/v1/account/password", as_="applicant_a",
                    json={"current_password": PASSWORD, "new_password": NEW})
    assert done.status_code == 200 and done.headers["Cache-Control"] == "no-store"
    token = done.get_json()["token"]
    assert api.client.get("/api/v1/account", headers=old).status_code == 401        # every old token ended
    assert api.client.get("/api/v1/account", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert api.client.post("/api/v1/auth/token", json={"username": "applicant_a", "password": NEW}).status_code == 201
    with db.reading() as s:
        assert s.scalars(select(AuditEvent.action).where(AuditEvent.action == "password_changed")).all() == [
            "password_changed"]
