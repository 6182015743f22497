"""Administrators edit, disable and reset accounts; each change audited, bad input shown on the form."""
from __future__ import annotations

from sqlalchemy import select

from tests.helpers import PASSWORD
from tests.web.conftest import text
from workflow.storage.models import AuditEvent, User


def audit_actions(db) -> list[str]:
    with db.reading() as s:
        return list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


def account(db, username: str) -> User:
    with db.reading() as s:
        return s.scalars(select(User).where(User.username == username)).one()


def test_admin_sets_contact_addresses_for_notices(db, people, login):
    admin = login("admin")
    target = people["applicant_a"].id
    assert "applicant_a" in text(admin.get("/admin/users")) and f"/admin/users/{target}" in text(admin.get("/admin/users"))
    bad = admin.post(f"/admin/users/{target}", data={"display_name": "", "email": "not-an-address", "phone": "12345"})
    page = text(bad)
    assert bad.status_code == 422
    assert "不是有效的电子邮箱地址" in page and "不是有效的手机号" in page and "请填写不超过 100 字的名称" in page
    assert 'value="not-an-address"' in page                        # what was typed stays on the form
    assert account(db, "applicant_a").email is None
    ok = admin.post(f"/admin/users/{target}", data={"display_name": "张三", "email": "qiye@example.cn",
                                                    "phone": "13800000000", "department": ""})
    assert ok.status_code == 302
    saved = account(db, "applicant_a")
    assert (saved.display_name, saved.email, saved.phone) == ("张三", "qiye@example.cn", "13800000000")
    assert audit_actions(db)[-1] == "user_updated"


def test_disable_enable_and_reset_password(db, people, login, app):
    admin = login("admin")
    target = people["reviewer1"].id
    reviewer = login("reviewer1")
    assert admin.post(f"/admin/users/{target}/active", data={"active": "0"}).status_code == 302
    assert reviewer.get("/inbox").status_code == 302                 # signed out: the account is disabled
    assert app.test_client().post("/login", data={"username": "reviewer1", "password": PASSWORD}).status_code != 302
    assert admin.post(f"/admin/users/{target}/active", data={"active": "1"}).status_code == 302
    short = admin.post(f"/admin/users/{target}/password", data={"password": "short"})
    assert short.status_code == 422 and "8" in text(short)
    assert admin.post(f"/admin/users/{target}/password", data={"password": "n3w-passw0rd"}).status_code == 302
    assert login("reviewer1", "n3w-passw0rd").get("/inbox").status_code == 200
    assert audit_actions(db)[-3:] == ["user_disabled", "user_enabled", "password_reset"]
    assert admin.post(f"/admin/users/{people['admin'].id}/active", data={"active": "0"}).status_code == 409


def test_only_admins(db, people, login):
    assert login("supervisor").get(f"/admin/users/{people['reviewer1'].id}").status_code == 403
    assert login("admin").get("/admin/users/999999").status_code == 404
