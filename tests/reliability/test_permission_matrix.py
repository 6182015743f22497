"""Every web route and API endpoint × every role against ``permission_matrix.txt`` (issue 11, deliver 6).

Each cell is one request with an empty body on the world of ``permission_world``: a page the
role may not open is 403 (anonymous: 302 to the login page, 401 on the API), an id the caller
may not see is 404 exactly as a missing one, and a permitted command without its fields is a
422/400. The test prints every differing cell, and a route without its lines fails it. To draft
lines for a new route: ``WRITE_PERMISSION_MATRIX=1`` writes the observed matrix (the test then
fails until the draft is reviewed against docs/design.md and committed).
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.api.conftest import Api
from tests.helpers import PASSWORD
from tests.reliability.fuzzing import NO_LIMITS
from tests.reliability.permission_world import ROLES, build, url
from tests.reliability.test_visibility import BODIES as TASK_BODIES
from tests.web.conftest import make_app

MATRIX = Path(__file__).with_name("permission_matrix.txt")
# Run last, in this order: a withdrawal ends the case the other cells probe; these end the session.
LAST = [("POST", "/api/v1/cases/<int:case_id>/withdraw"), ("POST", "/my/cases/<int:case_id>/withdraw"),
        ("DELETE", "/api/v1/auth/token"), ("POST", "/logout")]       # a web logout ends the tokens too
# A body that passes validation where an empty one would not, so the cell shows who may act on
# the id (404 hidden, 403 not theirs, 409 stale version) rather than a 422 that is the same for all.
BODIES = {**{f"/api/v1/tasks/<int:task_id>/{op}": body for op, body in TASK_BODIES.items()},
          "/api/v1/cases/<int:case_id>/rating": {"level": 5}, "/api/v1/cases/<int:case_id>/resubmit": {"data": {}},
          "/api/v1/cases/<int:case_id>/withdraw": {"reason": "不要了"}, "/my/cases/<int:case_id>/rate": {"level": "5"},
          "/tasks/<int:task_id>/<op>": {"expected_version": "999", "opinion": "x"},
          "/api/v1/cases/<int:case_id>/rating_reply": {"rating_id": 1, "reply": "已整改"},
          "/api/v1/extensions/<int:segment_id>/decide": {"approve": True, "opinion": "同意"}}


@pytest.fixture
def app(db, tmp_path):
    return make_app(db, tmp_path, **NO_LIMITS)


def routes(app) -> list[tuple[str, str]]:
    """(method, rule) of every route, the session-ending ones last."""
    found = {(m, r.rule) for r in app.url_map.iter_rules() for m in r.methods - {"HEAD", "OPTIONS"}}
    return sorted(found, key=lambda mr: (LAST.index(mr) if mr in LAST else -1, mr[1], mr[0]))


def expected() -> dict[tuple[str, str, str], int]:
    cells = {}
    for line in MATRIX.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            method, rest = line.split(None, 1)
            rule, role, status = rest.rsplit(None, 2)      # a rule may hold spaces: <any(csv, xlsx):fmt>
            cells[(method, rule, role)] = int(status)
    return cells


class Caller:
    """One role's web session (a cookie) and API token, made once."""

    def __init__(self, app, username: str | None) -> None:
        self.web, self.api = app.test_client(), Api(app.test_client())
        self.username = username
        if username:
            assert self.web.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302

    def send(self, method: str, path: str, body: dict) -> int:
        if path.startswith("/api/"):
            headers = self.api.headers(self.username)
            return self.api.client.open(path, method=method, headers=headers, json=body).status_code
        return self.web.open(path, method=method, data=body).status_code


def observe(app, db) -> dict[tuple[str, str, str], int]:
    values = build(db, app.config["ATTACHMENTS_DIR"])
    callers = {role: Caller(app, username) for role, username in ROLES.items()}
    return {(method, rule, role): callers[role].send(method, url(rule, values), BODIES.get(rule, {}))
            for method, rule in routes(app) for role in ROLES}


def test_every_route_and_role_answers_as_the_matrix_says(app, db):
    observed = observe(app, db)
    if os.environ.get("WRITE_PERMISSION_MATRIX"):
        MATRIX.write_text(draft(observed), encoding="utf-8")
        raise AssertionError("draft written: review every line against the rules, then commit")
    want = expected()
    missing = sorted({(m, r) for m, r, _ in observed} - {(m, r) for m, r, _ in want})
    assert not missing, f"routes without matrix lines: {missing}"
    differ = [f"{m} {r} {role}: expected {want.get((m, r, role))}, got {got}"
              for (m, r, role), got in observed.items() if want.get((m, r, role)) != got]
    print(f"{len(observed)} cells, {len(differ)} differ")
    assert not differ, "\n".join(differ)
    assert set(want) == set(observed), sorted(set(want) - set(observed))[:10]


def draft(observed: dict[tuple[str, str, str], int]) -> str:
    lines = MATRIX.read_text(encoding="utf-8").splitlines() if MATRIX.exists() else []
    header = "".join(line + "\n" for line in lines if line.startswith("#"))
    return header + "\n".join(f"{m} {r} {role} {status}" for (m, r, role), status in observed.items()) + "\n"


def test_who_is_asking_is_checked_before_the_version(app, db):
    """The window may open the reviewer's task but not complete it: 403 whatever version it sends,
    not a 409 that invites a retry; the reviewer with a stale version gets the 409."""
    values = build(db, app.config["ATTACHMENTS_DIR"])
    api = Api(app.test_client())
    path, body = f"/api/v1/tasks/{values['task_id']}/complete", {"data": {"opinion": "x"}, "version": 999}
    assert api.post(path, as_="window", json=body).status_code == 403
    assert api.post(path, as_="food_reviewer", json=body).status_code == 409
