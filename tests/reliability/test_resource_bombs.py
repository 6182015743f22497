"""Resource bombs (defect 10): expressions, archives, chunked bodies, LIKE wildcards, file names."""
from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.api.conftest import error_of
from workflow.errors import ValidationError
from workflow.runtime import expressions
from workflow.runtime.deployment import deploy_xml
from workflow.services import attachments, cases, queries
from workflow.storage.models import ProcessVersion

BAD_CONDITION = Path(__file__).parents[1] / "bpmn" / "bad_condition.bpmn"


@pytest.mark.parametrize("expression", [
    "len('x' * 10000 * 10000) > 0", "len(str([[1] * 10000] * 10000)) > 0", "'%0999999999d' % 1",
    "sum([[1]] * 5000 + [[1]] * 5000, []) == []", "'ab' * 6000 + 'c'", "x" + " + x" * 400,
])
def test_expressions_that_would_build_too_much_are_refused_at_deployment(expression):
    with pytest.raises(expressions.ExpressionError):
        expressions.check(expression)


@pytest.mark.parametrize("expression", ["'a' * 3000", "len([0] * 100 + [1] * 100) == 200", "'PT5M'"])
def test_expressions_within_the_limits_deploy(expression):
    expressions.check(expression)


def test_a_bpmn_with_a_bomb_is_refused_and_nothing_is_stored(db):
    xml = BAD_CONDITION.read_text(encoding="utf-8").replace(
        "__import__('os').system('x') == 0", "len('x' * 10000 * 10000) &gt; 0")
    with db.transaction() as s:
        before = s.scalars(select(ProcessVersion.id)).all()
        with pytest.raises(ValidationError) as refused:
            deploy_xml(s, xml.encode(), "bomb.bpmn")
        assert "repetition too large" in " ".join(refused.value.fields["file"])
    with db.reading() as s:
        assert s.scalars(select(ProcessVersion.id)).all() == before


@pytest.mark.parametrize("expression, data", [
    ("len(x * 10000 * 10000) > 0", {"x": "abc"}),
    ("n * n * n * n * n * n * n * n * n * n * n * n * n * n * n > 0", {"n": 10 ** 300}),
    ("len(items + items) > 0", {"items": list(range(6000))}),
])
def test_data_driven_growth_is_bounded_at_run_time(expression, data):
    expressions.check(expression)
    with pytest.raises(expressions.ExpressionError, match="too large"):
        expressions.evaluate(expression, data)


def test_a_long_evaluation_is_stopped():
    data = {"x": [1] * 8_000_000}
    expression = " + ".join(["sum(x)"] * 50) + " > 0"   # about 2 s without the limit
    start = time.perf_counter()
    with pytest.raises(expressions.ExpressionError, match="longer than"):
        expressions.evaluate(expression, data)
    assert time.perf_counter() - start < expressions.MAX_SECONDS + 1.0


def test_task_data_itself_may_be_large():
    """Limits apply to values an expression builds; a large filing (a CNG batch) is still read."""
    vehicles = [{"plate_number": f"闽A{i:05d}", "decision": "register"} for i in range(3000)]
    assert expressions.evaluate("len(vehicles) == 3000", {"vehicles": vehicles}) is True


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_an_ofd_that_unpacks_to_gigabytes_is_refused():
    bomb = _zip({"OFD.xml": b"<ofd/>", "Doc_0/Res/pad.bin": b"\0" * (50 * 1024 * 1024)})
    assert len(bomb) < 200_000
    with pytest.raises(ValidationError) as refused:
        attachments.check(attachments.Upload("licence", "licence.ofd", bomb))
    assert refused.value.fields == {"file": ["The archive unpacks to far more data than it holds; it is refused."]}


def test_an_ordinary_ofd_is_accepted():
    ofd = _zip({"OFD.xml": b"<ofd:OFD/>" * 50, "Doc_0/Document.xml": bytes(range(256)) * 40})
    assert attachments.check(attachments.Upload("licence", "licence.ofd", ofd))[0] == "ofd"


@pytest.mark.parametrize("path, content_type", [
    ("/api/v1/auth/token", "application/json"), ("/login", "application/x-www-form-urlencoded"),
    ("/api/v1/cases/1/attachments", "multipart/form-data; boundary=x"),
])
def test_a_chunked_body_over_the_limit_is_413(db, tmp_path, path, content_type):
    from tests.web.conftest import make_app
    client = make_app(db, tmp_path, MAX_CONTENT_LENGTH=1000, API_RATE_LIMIT_ENABLED=False).test_client()
    response = client.post(path, input_stream=io.BytesIO(b"a" * 5000), headers={
        "Transfer-Encoding": "chunked", "Content-Type": content_type}, environ_overrides={"wsgi.input_terminated": True})
    assert response.status_code == 413
    if path.startswith("/api/"):
        assert error_of(response)["code"] == "too_large"


def test_a_chunked_body_within_the_limit_is_read_whole(client):
    body = b'{"username": "reviewer1", "password": "secret-pass-1"}'
    response = client.post("/api/v1/auth/token", input_stream=io.BytesIO(body), headers={
        "Transfer-Encoding": "chunked", "Content-Type": "application/json"},
        environ_overrides={"wsgi.input_terminated": True})
    assert response.status_code == 201


@pytest.fixture
def titled(db, people):
    for title in ("100%纯果汁", "a_b 食品", "普通食品", "反斜杠\\件"):
        cases.submit(db, people["applicant_a"], ["bench"], {"title": title})


@pytest.mark.parametrize("q, expected", [("%", ["100%纯果汁"]), ("_", ["a_b 食品"]), ("\\", ["反斜杠\\件"]),
                                         ("食品", ["a_b 食品", "普通食品"])])
def test_search_wildcards_are_literal(db, people, titled, q, expected):
    page = queries.list_cases(db, people["window"], queries.CaseFilters(q=q))
    assert sorted(c.title for c in page.items) == sorted(expected)


def test_the_cases_page_search_escapes_too(titled, login):
    page = login("window").get("/cases?q=%25").get_data(as_text=True)
    assert "100%纯果汁" in page and "普通食品" not in page


def test_audit_search_wildcards_are_literal(db, people, titled):
    page = queries.audit_search(db, people["auditor"], queries.AuditFilters(actor="%"))
    assert page.total == 0


@pytest.mark.parametrize("raw, shown", [
    ("invoice\u202efdp.exe", "invoicefdp.exe"), ("营业执照\u200b.pdf", "营业执照.pdf"),
    ("a\u2066b\u2069.pdf", "ab.pdf"), ("line\u2028break.pdf", "linebreak.pdf"), ("x\x7f\x01y.pdf", "xy.pdf"),
])
def test_bidi_and_invisible_characters_leave_file_names(raw, shown):
    assert attachments.safe_name(raw, "pdf") == shown
