"""Login throttling, constant-time refusal and the password policy (defect 7, deliver 8)."""
from __future__ import annotations

import os
import time
import uuid

import pytest

from tests.api.conftest import error_of
from tests.helpers import PASSWORD
from tests.web.conftest import make_app
from workflow.domain.passwords import policy_errors
from workflow.errors import ValidationError
from workflow.services import admin, users

LIMITS = {"LOGIN_RATE_LIMIT_ENABLED": True, "LOGIN_RATE_LIMIT_ACCOUNT": "3 per minute",
          "LOGIN_RATE_LIMIT_ADDRESS": "8 per minute", "API_RATE_LIMIT_ENABLED": False}


@pytest.fixture
def throttled(db, tmp_path):
    return make_app(db, tmp_path, **LIMITS).test_client()


def _web(client, username, password="wrong-password"):
    return client.post("/login", data={"username": username, "password": password})


def test_wrong_passwords_lock_the_account_even_for_the_right_one(throttled):
    assert [_web(throttled, "reviewer1").status_code for _ in range(3)] == [401, 401, 401]
    refused = _web(throttled, "reviewer1", PASSWORD)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert "登录失败次数过多" in refused.get_data(as_text=True)
    assert _web(throttled, " REVIEWER1 ", PASSWORD).status_code == 429   # one account, however spelt
    assert _web(throttled, "reviewer2", PASSWORD).status_code == 302     # other accounts are unaffected


def test_one_address_trying_many_names_is_stopped(throttled):
    codes = [_web(throttled, f"nobody{i}").status_code for i in range(8)]
    assert codes == [401] * 8
    assert _web(throttled, "reviewer1", PASSWORD).status_code == 429
    other = throttled.application.test_client()
    response = other.post("/login", data={"username": "reviewer1", "password": PASSWORD},
                          environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert response.status_code == 302


def test_successful_logins_are_not_counted(throttled):
    assert all(_web(throttled, "reviewer1", PASSWORD).status_code == 302 for _ in range(5))


def test_the_token_endpoint_shares_the_account_counter(throttled):
    for _ in range(2):
        _web(throttled, "approver")
    wrong = throttled.post("/api/v1/auth/token", json={"username": "approver", "password": "wrong-password"})
    assert wrong.status_code == 401
    refused = throttled.post("/api/v1/auth/token", json={"username": "approver", "password": PASSWORD})
    assert refused.status_code == 429 and refused.headers["Retry-After"]
    assert error_of(refused)["code"] == "too_many_requests"


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="TEST_REDIS_URL not set (.ci/run sets it)")
def test_with_redis_every_process_counts_the_same_attempts(db, tmp_path):
    """Two apps stand for two web processes: failures on one lock the account on the other."""
    settings = {**LIMITS, "REDIS_URL": os.environ["TEST_REDIS_URL"], "RATELIMIT_KEY_PREFIX": uuid.uuid4().hex}
    first, second = (make_app(db, tmp_path, **settings).test_client() for _ in range(2))
    assert [_web(first, "window").status_code for _ in range(2)] == [401, 401]
    assert _web(second, "window").status_code == 401
    assert _web(second, "window", PASSWORD).status_code == 429


def test_an_unknown_name_costs_as_long_as_a_wrong_password(db):
    """Both run scrypt (a dummy hash for unknown names), so timing does not reveal real accounts.
    Measured alternately, fastest of seven each, so a busy machine slows both alike."""
    def timed(username: str) -> float:
        start = time.perf_counter()
        assert users.authenticate(db, username, "wrong-password") is None
        return time.perf_counter() - start
    users.authenticate(db, "nobody", "x")   # the dummy hash is made once, outside the measurement
    pairs = [(timed("reviewer1"), timed("nobody-at-all")) for _ in range(7)]
    known, unknown = min(k for k, _ in pairs), min(u for _, u in pairs)
    assert unknown > known / 2, (known, unknown)


def test_an_over_long_password_is_refused_without_error(db):
    assert users.authenticate(db, "reviewer1", "x" * (1 << 20)) is None


@pytest.mark.parametrize("password, message", [
    ("1234567", "Shorter than minimum length 8."), ("12345678", "Too easy to guess"),
    ("password", "Too easy to guess"), ("Password1", "Too easy to guess"), (" " * 8, "May not be blank."),
    ("newclerk7", "Must not be the user name."), ("x" * (1 << 20), "Longer than maximum length 128."),
])
def test_weak_passwords_are_refused(password, message):
    assert policy_errors(password, "NewClerk7")[0].startswith(message)


def test_a_strong_password_passes():
    assert policy_errors("青山-tiger-窗口-2026", "newclerk") == []


def test_the_admin_page_refuses_a_weak_password_in_chinese(db, people, login):
    page = login("admin").post("/admin/users", data={"username": "newclerk", "password": "password",
                                                     "role": "window", "display_name": "新人"})
    assert page.status_code == 422 and "密码太容易被猜到" in page.get_data(as_text=True)
    with pytest.raises(ValidationError) as refused:
        admin.create_account(db, people["admin"], "newclerk", "newclerk", "window", "新人")
    assert refused.value.fields["password"] == ["Must not be the user name."]


def test_an_unreachable_counter_store_does_not_stop_logins(db, tmp_path, caplog):
    client = make_app(db, tmp_path, **LIMITS, REDIS_URL="redis://127.0.0.1:1/0").test_client()
    assert _web(client, "window", PASSWORD).status_code == 302
    assert _web(client, "window").status_code == 401
    assert "login throttle storage unavailable" in caplog.text


def test_wrong_current_passwords_count_as_failed_logins_of_the_account(throttled):
    """Whoever holds someone's session or token cannot try passwords faster than the login page lets
    them: a wrong current password (page or API) is a failed login of the account, and while the
    account's counter is exhausted even the right one is refused, at login too."""
    new = "青山-tiger-窗口-2026"
    page = throttled.application.test_client()
    assert _web(page, "reviewer1", PASSWORD).status_code == 302
    token = throttled.post("/api/v1/auth/token", json={"username": "reviewer1", "password": PASSWORD}).get_json()
    bearer = {"Authorization": f"Bearer {token['token']}"}
    assert page.post("/account/password", data={"current_password": "nope-1", "new_password": new}).status_code == 422
    api = throttled.post("/api/v1/account/password", json={"current_password": "nope-2", "new_password": new},
                         headers=bearer)
    assert api.status_code == 422
    assert page.post("/account/password", data={"current_password": "nope-3", "new_password": new}).status_code == 422
    refused_page = page.post("/account/password", data={"current_password": PASSWORD, "new_password": new})
    assert refused_page.status_code == 422 and "密码错误次数过多" in refused_page.get_data(as_text=True)
    refused_api = throttled.post("/api/v1/account/password", json={"current_password": PASSWORD, "new_password": new},
                                 headers=bearer)
    assert refused_api.status_code == 429 and int(refused_api.headers["Retry-After"]) >= 1
    assert _web(throttled.application.test_client(), "reviewer1", PASSWORD).status_code == 429
    assert throttled.get("/api/v1/account", headers=bearer).status_code == 200     # the password was not changed
