"""Defect 5 of issue 11: a retried filing returns the first case, never a second one.

``POST /api/v1/cases`` with an ``Idempotency-Key`` (per user) and the web filing form's one-time
token both go through ``workflow.services.filing_keys``: one unique row per key, inserted first
in the filing's transaction.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests import helpers
from tests.api.conftest import Api, error_of, make_app
from tests.reliability.races import race, statuses
from tests.web.conftest import make_app as make_web_app
from workflow.storage.models import AuditEvent, Case, FilingKey

FILING = {"matters": ["bench"], "data": {"title": "幂等件"}}


@pytest.fixture
def api(db, tmp_path):
    return Api(make_app(db, ATTACHMENTS_DIR=str(tmp_path / "attachments")).test_client())


def counts(db) -> tuple[int, int]:
    """Cases and ``submit`` events stored."""
    with db.reading() as s:
        return (s.scalar(select(func.count()).select_from(Case)),
                s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "submit")))


def file(api, key: str | None, who: str = "applicant_a", body: dict = FILING):
    headers = {**api.headers(who), **({"Idempotency-Key": key} if key is not None else {})}
    return api.client.post("/api/v1/cases", json=body, headers=headers)


def test_a_retry_with_the_same_key_returns_the_first_case(db, api):
    first, again = file(api, "k-1"), file(api, "k-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.get_json() == first.get_json()
    assert counts(db) == (1, 1)


def test_keys_belong_to_their_user_and_no_key_files_every_time(db, api):
    mine, colleague = file(api, "shared"), file(api, "shared", "applicant_a2")
    assert mine.get_json()["id"] != colleague.get_json()["id"]
    assert file(api, None).status_code == file(api, None).status_code == 201
    assert counts(db) == (4, 4)


def test_the_key_with_another_filing_is_refused_and_writes_nothing(db, api):
    assert file(api, "k-2").status_code == 201
    other = file(api, "k-2", body={"matters": ["bench"], "data": {"title": "另一件"}})
    assert other.status_code == 422
    assert list(error_of(other)["fields"]) == ["Idempotency-Key"]
    assert counts(db) == (1, 1)


def test_a_refused_filing_does_not_use_up_its_key(db, api):
    bad = file(api, "k-3", body={"matters": ["bench"], "data": {"title": 5}})
    assert bad.status_code == 422
    assert file(api, "k-3").status_code == 201
    assert counts(db) == (1, 1)


@pytest.mark.parametrize("key", ["", "x" * 201, "含中文", "a b"])
def test_a_malformed_key_is_a_400_with_the_error_shape(db, api, key):
    response = file(api, key)
    assert response.status_code == 400, response.get_json()
    assert list(error_of(response)["fields"]) == ["Idempotency-Key"]
    assert counts(db) == (0, 0)


def test_thirty_simultaneous_retries_file_one_case(pg, pg_api):
    pg_api.token("applicant_a")
    responses = race([lambda: file(pg_api, "burst")] * 30)
    assert statuses(responses) == {201: 30}
    assert len({r.get_data() for r in responses}) == 1
    assert counts(pg) == (1, 1)
    with pg.reading() as s:
        assert s.scalar(select(func.count()).select_from(FilingKey)) == 1


def test_the_web_form_token_makes_a_double_submit_one_case(db, tmp_path):
    client = make_web_app(db, tmp_path).test_client()
    assert client.post("/login", data={"username": "applicant_a", "password": helpers.PASSWORD}).status_code == 302
    page = client.get("/my/cases/new?matters=bench").get_data(as_text=True)
    token = re.search(r'name="filing_token" value="([0-9a-f]{32})"', page).group(1)
    form = {"matters": "bench", "title": "网页件", "filing_token": token}
    first, second = client.post("/my/cases/new", data=form), client.post("/my/cases/new", data=form)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert counts(db) == (1, 1)
    fresh = client.get("/my/cases/new?matters=bench").get_data(as_text=True)
    assert token not in fresh


def test_upgrade_reaches_the_head_with_the_filing_keys_table(db):
    """Migrations run to the single head (the template every test starts from was built by them)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import inspect

    from workflow.storage.schema import alembic_config
    head = ScriptDirectory.from_config(alembic_config(db)).get_current_head()
    with db.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == head
        columns = {c["name"] for c in inspect(conn).get_columns("filing_keys")}
    assert {"user_id", "key", "request_hash", "case_id"} <= columns
