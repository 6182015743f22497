"""Tokens: log in, use, expire, revoke; refusals in the common error shape; 429 on the token endpoint."""
from __future__ import annotations

from datetime import timedelta

from tests.api.conftest import error_of, make_app
from tests.helpers import PASSWORD
from workflow.services import users


def test_login_gives_a_token_that_works(api, people):
    response = api.client.post("/api/v1/auth/token", json={"username": "reviewer1", "password": PASSWORD})
    assert response.status_code == 201
    body = response.get_json()
    assert body["token"] and body["expires_at"].endswith("Z") or "+00:00" in body["expires_at"]
    assert body["user"]["username"] == "reviewer1" and body["user"]["role"] == "reviewer"
    assert body["user"]["department_code"] == "production"
    ok = api.client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {body['token']}"})
    assert ok.status_code == 200


def test_wrong_password_and_unknown_user_are_401(client, people):
    for name, password in (("reviewer1", "wrong-password"), ("nobody", PASSWORD)):
        response = client.post("/api/v1/auth/token", json={"username": name, "password": password})
        assert response.status_code == 401
        assert error_of(response)["code"] == "unauthorized"


def test_token_request_validation_is_422_with_fields(client, people):
    response = client.post("/api/v1/auth/token", json={"username": "reviewer1", "extra": 1})
    assert response.status_code == 422
    fields = error_of(response)["fields"]
    assert "password" in fields and "extra" in fields


def test_malformed_json_is_400(client, people):
    response = client.post("/api/v1/auth/token", data='{"username": "x",', content_type="application/json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "bad_request"


def test_calls_without_token_or_with_a_bad_one_are_401(api, people):
    for headers in ({}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer "},
                    {"Authorization": "Bearer not-a-token"}, {"Authorization": "Bearer 令牌"}):
        response = api.client.get("/api/v1/cases", headers=headers)
        assert response.status_code == 401, headers
        assert error_of(response)["code"] == "unauthorized"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_expired_token_is_401(db, api, people):
    token, _expires = users.issue_token(db, people["reviewer1"].id, lifetime=timedelta(seconds=-1))
    response = api.client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert "invalid_token" in response.headers["WWW-Authenticate"]


def test_revoked_token_is_401_and_other_tokens_keep_working(api, people):
    first = api.token("window")
    second = api.client.post("/api/v1/auth/token", json={"username": "window", "password": PASSWORD}).get_json()["token"]
    response = api.client.delete("/api/v1/auth/token", headers={"Authorization": f"Bearer {first}"})
    assert response.status_code == 204
    assert api.client.get("/api/v1/cases", headers={"Authorization": f"Bearer {first}"}).status_code == 401
    assert api.client.delete("/api/v1/auth/token", headers={"Authorization": f"Bearer {first}"}).status_code == 401
    assert api.client.get("/api/v1/cases", headers={"Authorization": f"Bearer {second}"}).status_code == 200


def test_deactivated_user_token_is_401(db, api, people):
    token = api.token("reviewer2")
    from workflow.storage.models import User
    with db.transaction() as session:
        session.get(User, people["reviewer2"].id).active = False
    assert api.get("/api/v1/tasks", as_="reviewer2").status_code == 401
    assert api.client.post("/api/v1/auth/token", json={"username": "reviewer2", "password": PASSWORD}).status_code == 401
    assert token


def test_token_endpoint_is_rate_limited_per_client(db, people):
    app = make_app(db, API_RATE_LIMIT_ENABLED=True, API_TOKEN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    statuses = [client.post("/api/v1/auth/token", json={"username": "window", "password": "wrong-password"},
                            environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    limited = client.post("/api/v1/auth/token", json={"username": "window", "password": PASSWORD},
                          environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert limited.status_code == 429
    assert error_of(limited)["code"] == "too_many_requests"
    assert limited.headers.get("Retry-After")
    other = client.post("/api/v1/auth/token", json={"username": "window", "password": PASSWORD},
                        environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert other.status_code == 201
    # Only the token endpoint is limited; logging out and other calls are not.
    headers = {"Authorization": f"Bearer {other.get_json()['token']}"}
    for _ in range(5):
        assert client.get("/api/v1/cases", headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code == 200
