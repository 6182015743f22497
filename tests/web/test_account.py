"""The person's own account page: the contact addresses notices are copied to, beside the password
change; bad input is shown beside its field with what was typed, and the header links the page."""
from __future__ import annotations

from sqlalchemy import select

from tests.helpers import PASSWORD
from tests.web.conftest import text
from workflow.storage.models import AuditEvent, User


def contact(db, username: str) -> tuple[str | None, str | None]:
    with db.reading() as s:
        user = s.scalars(select(User).where(User.username == username)).one()
        return user.email, user.phone


def test_own_contact_on_the_account_page(db, people, login):
    c = login("applicant_a")
    assert 'href="/account"' in text(c.get("/my/cases"))                          # the header's 我的账户
    page = text(c.get("/account"))
    assert "我的账户" in page and "接收通知的联系方式" in page and 'name="email"' in page
    assert 'name="current_password"' in page                                    # the password change is here too
    bad = c.post("/account", data={"email": "qiye@", "phone": "1234"})
    assert bad.status_code == 422
    page = text(bad)
    assert "不是有效的电子邮箱地址" in page and "不是有效的手机号" in page
    assert 'value="qiye@"' in page and 'value="1234"' in page                  # what was typed stays
    assert contact(db, "applicant_a") == (None, None)
    ok = c.post("/account", data={"email": "qiye@example.cn", "phone": "13800138000"})
    assert ok.status_code == 302 and ok.headers["Location"].endswith("/account")
    page = text(c.get("/account"))
    assert "您的联系方式已保存" in page and 'value="qiye@example.cn"' in page and 'value="13800138000"' in page
    assert contact(db, "applicant_a") == ("qiye@example.cn", "13800138000")
    with db.reading() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "contact_changed")).one()
    assert event.actor_id == people["applicant_a"].id and event.data["fields"] == ["email", "phone"]


def test_a_refused_password_change_keeps_the_account_page(db, people, login):
    c = login("food_reviewer")
    c.post("/account", data={"email": "shencha@scjg.gov.cn", "phone": ""})
    wrong = c.post("/account/password", data={"current_password": "nope", "new_password": "青山-tiger-窗口-2026"})
    assert wrong.status_code == 422
    page = text(wrong)
    assert "密码错误" in page and 'value="shencha@scjg.gov.cn"' in page      # the contact form shows the stored one
    assert 'value="nope"' not in page                                          # a password is never echoed
    done = c.post("/account/password", data={"current_password": PASSWORD, "new_password": "青山-tiger-窗口-2026"})
    assert done.status_code == 302


def test_english_account_page(db, people, login):
    c = login("applicant_a")
    page = text(c.get("/account?lang=en"))
    assert "My account" in page and "Contact details for notices" in page and "Change password" in page
