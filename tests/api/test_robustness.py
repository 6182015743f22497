"""Whatever a client sends gets a 4xx in the error shape, never a 500."""
from __future__ import annotations

from io import BytesIO

import pytest

from tests.api.conftest import error_of, make_app

NASTY_BODIES = [
    ("[" * 100_000, 400),                                     # deeper than the JSON decoder goes
    ('{"a":' * 50_000 + "1" + "}" * 50_000, 400),
    (b'{"matters": ["\xff"]}', 400),                           # not UTF-8
    ('{"matters": ["bench"]}'.encode("utf-16"), 400),
    ('{"matters": ["bench"], "data": {"title": "\\ud800"}}', 422),   # lone surrogate cannot be stored
    ('{"matters": ["bench"], "data": {"title": "a\\u0000b"}}', 422),  # NUL cannot be stored
    ('{"matters": ["bench"], "data": {"n": 1e400}}', 422),     # infinity
    ('{"matters": ["bench"], "data": {"n": 123456789012345678901234567890}}', 422),
    ('{"matters": ["bench"], "green_channel": 1}', 422),
    ('"just a string"', 422),
    ("null", 422),
]


@pytest.mark.parametrize("body,status", NASTY_BODIES, ids=range(len(NASTY_BODIES)))
def test_nasty_json_bodies(api, people, body, status):
    response = api.post("/api/v1/cases", as_="applicant_a", data=body, content_type="application/json")
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    error_of(response)


def test_nasty_parameters(api, people, bench_case):
    for path, status in (("/api/v1/cases?status=%00", 400), ("/api/v1/cases?page=99999", 200),
                         ("/api/v1/cases?page=100001", 400), ("/api/v1/tasks/2147483648", 404),
                         ("/api/v1/tasks/99999999999999999999999", 404), ("/api/v1/cases/0", 404),
                         ("/api/v1/certificates/%ff%fe", 404), ("/api/v1/%ff", 404),
                         ("/api/v1/calendar/add-workdays?start=2199-12-31&days=3660", 200),
                         ("/api/v1/calendar/add-workdays?start=1900-01-01&days=-3660", 200)):
        response = api.get(path, as_="window")
        assert response.status_code == status, path
        if status >= 400:
            error_of(response)


def test_oversized_upload_is_413(db, people, bench_case):
    from tests.api.conftest import Api
    api = Api(make_app(db, MAX_CONTENT_LENGTH=1024).test_client())
    response = api.post(f"/api/v1/cases/{bench_case.id}/attachments", as_="applicant_a",
                        content_type="multipart/form-data",
                        data={"kind": "business_license", "file": (BytesIO(b"%PDF-" + b"0" * 4096), "a.pdf")})
    assert response.status_code == 413 and error_of(response)["code"] == "too_large"


def test_unknown_paths_and_methods(api, people):
    assert error_of(api.get("/api/v1/nothing/here"))["code"] == "not_found"
    response = api.client.patch("/api/v1/tasks/1/claim")
    assert response.status_code == 405 and set(response.headers["Allow"].split(", ")) == {"POST", "OPTIONS"}
    options = api.client.options("/api/v1/cases/1")
    assert set(options.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert api.client.get("/api/v1/").get_json()["openapi"] == "/api/v1/openapi.json"


def test_error_messages_in_chinese_on_request(api, people, bench_case):
    headers = {**api.headers("applicant_a"), "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}
    missing = api.client.post(f"/api/v1/cases/{bench_case.id}/rating", headers=headers, json={})
    error = error_of(missing)
    assert missing.headers["Content-Language"] == "zh"
    assert error["code"] == "validation_error" and error["message"] == "部分内容填写有误。"
    assert error["fields"] == {"level": ["此项为必填项。"]}
    hidden = api.client.get("/api/v1/cases/999", headers=headers)
    assert error_of(hidden)["message"] == "未找到该办件。" and error_of(hidden)["code"] == "not_found"
    english = api.post(f"/api/v1/cases/{bench_case.id}/rating", as_="applicant_a", json={})
    assert english.headers["Content-Language"] == "en"
    assert error_of(english)["fields"] == {"level": ["Missing data for required field."]}
