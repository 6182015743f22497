"""Public pages, login, language switch, error pages, CSRF."""
from __future__ import annotations

from sqlalchemy import update

from tests.web.conftest import csrf_token, make_app, text
from tests.web.flows import granted, issue_certificate
from workflow.domain.matters import MATTERS
from workflow.storage.models import Case


def test_home_guide_and_every_matter_page_render_in_chinese(client):
    home = client.get("/")
    assert home.status_code == 200
    assert "行政许可" in text(home) and 'lang="zh-CN"' in text(home)
    guide = client.get("/guide")
    assert guide.status_code == 200
    for code, matter in MATTERS.items():
        assert matter.title_zh in text(guide)
        page = client.get(f"/guide/{code}")
        assert page.status_code == 200, code
        body = text(page)
        assert matter.title_zh in body
        for _kind, zh, _en in matter.attachments:
            assert zh in body
        for step in matter.steps_zh:
            assert step in body
        if matter.statutory_days:
            assert f"{matter.statutory_days} 个工作日" in body


def test_apply_online_is_offered_to_those_who_may_file(client, login):
    """Staff reading the guide met "apply online" buttons that led to a 403."""
    apply = 'href="/my/cases/new?matters=food_license"'
    assert apply in text(client.get("/guide")) and apply in text(client.get("/guide/food_license"))
    assert apply in text(login("applicant_a").get("/guide"))
    for who in ("window", "reviewer1", "supervisor", "admin"):
        staff = login(who)
        assert apply not in text(staff.get("/guide")), who
        assert apply not in text(staff.get("/guide/food_license")), who


def test_unknown_matter_is_an_html_404(client):
    response = client.get("/guide/nothing")
    assert response.status_code == 404
    assert "text/html" in response.content_type and "未找到" in text(response)


def test_language_switch_to_english_and_back(client):
    response = client.post("/lang/en", data={"next": "/guide"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/guide")
    english = text(client.get("/guide"))
    assert "Service guide" in english and 'lang="en"' in english
    assert "Food production license (SC)" in english
    client.post("/lang/zh", data={"next": "/guide"})
    assert "办事指南" in text(client.get("/guide"))
    assert client.get("/lang/xx").status_code == 404


def test_language_switch_refuses_foreign_redirects(client):
    response = client.post("/lang/en", data={"next": "https://evil.example/"})
    assert response.headers["Location"].endswith("/")
    assert "evil" not in response.headers["Location"]


def test_login_wrong_password_and_success_redirects_by_role(client, login):
    bad = client.post("/login", data={"username": "reviewer1", "password": "nope"})
    assert bad.status_code == 401 and "用户名或密码错误" in text(bad)
    for username, target in [("applicant_a", "/my/cases"), ("window", "/window/"), ("reviewer1", "/inbox"),
                             ("supervisor", "/supervisor/"), ("auditor", "/audit/"), ("admin", "/admin/users")]:
        c = login(username)
        assert c.get("/").headers["Location"].endswith(target), username


def test_login_next_must_be_local(client):
    response = client.post("/login?next=//evil.example/x", data={"username": "admin", "password": "secret-pass-1"})
    assert "evil" not in response.headers["Location"]
    response = client.post("/login?next=/admin/matters", data={"username": "admin", "password": "secret-pass-1"})
    assert response.headers["Location"].endswith("/admin/matters")


def test_logout(login):
    c = login("reviewer1")
    assert c.post("/logout").status_code == 302
    assert c.get("/inbox").status_code == 302  # back to the login page


def test_anonymous_is_sent_to_login(client):
    for path in ("/my/cases", "/inbox", "/window/", "/supervisor/", "/audit/", "/admin/users", "/cases/1"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path


def test_verify_certificate_by_number_and_token_shows_only_public_facts(db, people, client):
    case = granted(db, people)
    cert = issue_certificate(db, case.id)
    page = client.get(f"/verify?number={cert.number}")
    body = text(page)
    assert page.status_code == 200 and "证书有效" in body
    assert cert.holder in body and "糕点" in body and cert.valid_until.isoformat() in body
    assert cert.holder_code not in body and case.number not in body
    by_token = client.get(f"/v/{cert.token}")
    assert by_token.status_code == 200 and cert.number in text(by_token)
    assert client.get("/v/not-a-token").status_code == 404
    missing = client.get("/verify?number=SC000")
    assert missing.status_code == 404 and "未找到" in text(missing)
    assert client.get("/verify").status_code == 200


def test_verify_ignores_letter_case_spaces_and_full_width(db, people, client):
    cert = issue_certificate(db, granted(db, people).id)
    typed = " " + cert.number[:4].lower() + " " + "".join(chr(ord(c) + 0xFEE0) for c in cert.number[4:]) + " "
    page = client.get("/verify", query_string={"number": typed})
    assert page.status_code == 200 and "证书有效" in text(page) and cert.number in text(page)


def test_overdue_is_said_in_words_not_as_negative_days(db, people, login):
    case = granted(db, people)
    with db.transaction() as s:
        s.execute(update(Case).where(Case.id == case.id).values(status="in_progress", remaining_days=-2, light="red"))
    for who, path in (("applicant_a", "/my/cases"), ("window", "/cases"), ("applicant_a", f"/cases/{case.id}")):
        page = text(login(who).get(path))
        assert "超期 2 个工作日" in page and "-2" not in page, path


def test_empty_database_pages_do_not_break(client, login):
    assert client.get("/verify?number=").status_code == 200
    assert login("supervisor").get("/supervisor/").status_code == 200


def test_csrf_is_enforced_when_enabled(db, tmp_path):
    app = make_app(db, tmp_path, WTF_CSRF_ENABLED=True)
    c = app.test_client()
    refused = c.post("/login", data={"username": "admin", "password": "secret-pass-1"})
    assert refused.status_code == 400 and "表单已过期" in text(refused)
    token = csrf_token(text(c.get("/login")))
    ok = c.post("/login", data={"username": "admin", "password": "secret-pass-1", "csrf_token": token})
    assert ok.status_code == 302
    # a logged-in state change without the token is refused too
    assert c.post("/logout").status_code == 400


def test_static_files_are_local(client):
    home = text(client.get("/"))
    assert "http://" not in home.replace("http://localhost", "") and "https://" not in home
    assert client.get("/static/style.css").status_code == 200
    assert client.get("/static/app.js").status_code == 200


def test_english_singular_day(client):
    client.post("/lang/en")
    page = text(client.get("/guide"))
    assert ">1 working day<" in page and "1 working days" not in page and "20 working days" in page


def test_security_headers(client):
    response = client.get("/")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff" and response.headers["X-Frame-Options"] == "DENY"
