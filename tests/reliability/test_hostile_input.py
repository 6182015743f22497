"""Hostile input answers 400/422 with the usual error shape, never 500 (defect 6).

NUL bytes cannot be stored (PostgreSQL refuses them in text) and a 4,301-digit integer trips
Python's int/str conversion limit; both are refused centrally, before any view runs.
"""
from __future__ import annotations

import pytest

from tests.api.conftest import error_of
from tests.conftest import BACKENDS, fresh_database

HUGE = "9" * 4301


@pytest.fixture(params=BACKENDS)
def db(request, tmp_path, sqlite_template):
    """PostgreSQL too: it is the backend that cannot store a NUL."""
    yield from fresh_database(request, tmp_path, sqlite_template, request.param)


@pytest.mark.parametrize("path", ["/verify?number=%00", "/v/%00", "/v/a%00b", "/cases?q=%00",
                                  "/login?next=%00", "/?lang=%00"])
def test_nul_in_a_page_query_or_path_is_400(client, path):
    response = client.get(path)
    assert response.status_code == 400, (path, response.status_code)


def test_nul_in_the_login_form_is_400_and_logs_nobody_in(client):
    response = client.post("/login", data={"username": "a\x00b", "password": "x"})
    assert response.status_code == 400
    assert client.get("/my/cases").status_code in (302, 401)


@pytest.mark.parametrize("path", ["/api/v1/certificates/%00", "/api/v1/calendar/add-workdays?start=%00&days=1",
                                  "/api/v1/tasks?view=%00", f"/api/v1/calendar/add-workdays?start=2026-03-02&days={HUGE}",
                                  f"/api/v1/tasks?page={HUGE}"])
def test_api_query_nul_and_huge_numbers_are_400(api, path):
    response = api.get(path, as_="reviewer1")
    assert response.status_code == 400, (path, response.status_code)
    assert error_of(response)["code"] == "bad_request"


@pytest.mark.parametrize("body", [
    {"matters": ["bench"], "data": {"title": "a\x00b"}},
    {"matters": ["bench\x00"], "data": {}},
])
def test_api_json_bodies_with_nul_or_huge_integers_are_refused(db, api, body):
    response = api.post("/api/v1/cases", as_="applicant_a", json=body)
    assert response.status_code in (400, 422), response.status_code
    assert error_of(response)["code"] in ("bad_request", "validation_error")


@pytest.mark.parametrize("where", ['"data": {"n": %s}', '"data": {}, "green_channel": %s'])
def test_a_huge_integer_in_a_json_body_is_refused(api, where):
    raw = '{"matters": ["bench"], ' + where % HUGE + "}"
    response = api.post("/api/v1/cases", as_="applicant_a", data=raw, content_type="application/json")
    assert response.status_code in (400, 422)
    error_of(response)


def test_api_login_with_nul_username_is_refused(client):
    response = client.post("/api/v1/auth/token", json={"username": "a\x00b", "password": "x"})
    assert response.status_code in (400, 401, 422)
    error_of(response)


def test_nul_in_a_staff_form_is_400(login):
    response = login("window").post("/tasks/1/urge", data={"message": "a\x00b"})
    assert response.status_code == 400


HOSTILE = [HUGE, "-" + HUGE, "1e999", "NaN", "%00", "%25%5F", "2147483648", "\u202e", "' OR 1=1 --", "9" * 19]
PAGES = ["/cases?q={v}&page={v}&status={v}&light={v}&matter={v}", "/inbox?page={v}&view={v}&matter={v}",
         "/audit/?case={v}&actor={v}&action={v}&from={v}&to={v}&text={v}&page={v}",
         "/supervisor/report?from={v}&to={v}", "/verify?number={v}", "/api/v1/cases?page={v}&per_page={v}&status={v}",
         "/api/v1/calendar/workdays?start={v}&end={v}", "/api/v1/reports/summary?from={v}&to={v}"]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_query_values_never_answer_500(db, app, login, api, value):
    pages = {"window": login("window"), "auditor": login("auditor"), "supervisor": login("supervisor")}
    for template in PAGES:
        path = template.format(v=value)
        who = "auditor" if path.startswith("/audit") else "supervisor" if "report" in path else "window"
        response = (api.get(path, as_=who) if path.startswith("/api/") else pages[who].get(path))
        assert response.status_code < 500, (path, response.status_code)
