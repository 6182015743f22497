"""Hostile requests for every form, API body, query parameter and upload, shared by the property
test (``test_fuzzing.py``) and the long run (``bench/fuzz.py``).

A ``Fuzzer`` holds one app on a seeded database, logged-in clients of each role and a small world
(a filed case at intake, an applicant's correction step); ``REQUESTS`` draws one request and
``Fuzzer.send`` fires it and checks the rules every answer must keep: never 5xx, an API 4xx in the
error shape, and a refused filing leaves the case count unchanged.
"""
from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from urllib.parse import quote

from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.api.conftest import Api
from tests.helpers import PASSWORD, load_people, open_tasks
from tests.web.flows import application
from workflow.services import cases, tasks
from workflow.storage.models import Case

# Rate limits off (the progress lookup's too), so every drawn request reaches its view.
NO_LIMITS = {"API_RATE_LIMIT_ENABLED": False, "LOGIN_RATE_LIMIT_ENABLED": False,
             "PROGRESS_RATE_LIMIT": "1000000 per minute"}
NASTY = ["\x00", "\u202e", "\u200b", "\ufeff", "../../x", "%00", "%", "_", "' OR 1=1 --", "<script>",
         "=cmd|' /C calc'!A0", "9" * 4301, "-1", "1e999", "NaN", "\ud7ff", "𠜎", "\r\n"]
TEXT = st.one_of(st.text(max_size=40), st.sampled_from(NASTY), st.just("长" * 70000),
                 st.lists(st.sampled_from(NASTY), min_size=1, max_size=4).map("".join))
NUMBER = st.one_of(st.integers(), st.integers(min_value=10 ** 30, max_value=10 ** 40),
                   st.floats(allow_nan=True, allow_infinity=True)).map(str)
VALUE = st.one_of(TEXT, NUMBER)
JSON = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), TEXT),
                    lambda inner: st.one_of(st.lists(inner, max_size=3),
                                            st.dictionaries(TEXT, inner, max_size=3)), max_leaves=8)
NAMES = st.sampled_from(["../../x", "a.pdf", "", "..", "/etc/passwd", "\u202egpj.exe", "x\x00.pdf", "证照.ofd"])
TYPES = st.sampled_from(["application/pdf", "image/png", "application/zip", "text/html", "", "x/\x00"])


def _zip(depth: int) -> bytes:
    data = b"%PDF-1.4 nested"
    for level in range(depth):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("OFD.xml" if level == 0 else f"inner{level}.zip", data)
        data = buffer.getvalue()
    return data


CONTENT = st.one_of(st.just(b""), st.binary(max_size=64), st.just(b"%PDF-1.4\n%%EOF"),
                    st.integers(1, 4).map(_zip), st.just(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16))
UPLOAD = st.tuples(CONTENT, NAMES, TYPES)


@dataclass
class Request:
    """One drawn request: who sends it, how, where, and what."""
    who: str | None
    method: str
    path: str
    form: dict = field(default_factory=dict)
    body: object = None
    upload: tuple | None = None

    @property
    def api(self) -> bool:
        return self.path.startswith("/api/")


def _form(who, path, **fields):
    return st.fixed_dictionaries(fields).map(lambda f: Request(who, "POST", path, form=f))


def _query(who, path, *names):
    def build(values):
        return Request(who, "GET", path + "?" + "&".join(f"{n}={_quote(v)}" for n, v in zip(names, values)))
    return st.tuples(*[VALUE] * len(names)).map(build)


def _quote(value: str) -> str:
    return quote(value, safe="%")


def _api(who, path):
    return st.one_of(JSON, st.fixed_dictionaries({"data": JSON, "version": VALUE, "opinion": VALUE,
                                                  "target": VALUE, "to_user_id": NUMBER, "level": JSON,
                                                  "matters": JSON})).map(lambda b: Request(who, "POST", path, body=b))


def _upload(who, path):
    return UPLOAD.map(lambda u: Request(who, "POST", path, form={"kind": "license"}, upload=u))


REQUESTS = st.one_of(
    _form(None, "/login", username=VALUE, password=VALUE),
    _form("applicant_a", "/my/cases/new", matters=st.sampled_from(["bench", "food_license", "x\x00"]),
          title=VALUE, company=VALUE, credit_code=VALUE),
    _form("window", "/tasks/{task}/complete", opinion=VALUE, decision=VALUE, expected_version=VALUE),
    _form("applicant_a", "/my/tasks/{correction}", expected_version=VALUE, opinion=VALUE, note=VALUE),
    _form("applicant_a", "/my/cases/{case}/rate", level=VALUE, comment=VALUE, matter=VALUE),
    _form("admin", "/admin/users", username=VALUE, password=VALUE, role=VALUE, department=VALUE, name=VALUE),
    _form("admin", "/admin/holidays", date=VALUE, kind=VALUE, name=VALUE),
    _form(None, "/progress", number=VALUE, code=VALUE),
    _api("applicant_a", "/api/v1/cases"),
    _api("window", "/api/v1/tasks/{task}/complete"), _api("window", "/api/v1/tasks/{task}/return"),
    _api("window", "/api/v1/tasks/{task}/transfer"), _api("applicant_a", "/api/v1/cases/{case}/rating"),
    _query("window", "/cases", "q", "page", "status", "matter"), _query("window", "/inbox", "page", "view"),
    _query("auditor", "/audit/", "case", "actor", "action", "from", "to", "text", "page"),
    _query("supervisor", "/supervisor/report", "from", "to"), _query(None, "/verify", "number"),
    _query(None, "/progress", "number", "code"), _query("window", "/api/v1/cases", "page", "per_page", "status"),
    _query("window", "/api/v1/tasks", "view", "page"), _query("supervisor", "/api/v1/reports/summary", "from", "to"),
    _upload("applicant_a", "/cases/{case}/attachments"), _upload("applicant_a", "/api/v1/cases/{case}/attachments"),
    UPLOAD.map(lambda u: Request("applicant_a", "POST", "/my/cases/new",
                                 form={"matters": "bench", "title": "附件"}, upload=u)),
)


class Fuzzer:
    """One app, its clients and world; ``send`` checks the rules and returns the status."""

    def __init__(self, app, db) -> None:
        self.app, self.db = app, db
        people = load_people(db)
        case = cases.submit(db, people["applicant_a"], ["bench"], {"title": "模糊测试"})
        food = cases.submit(db, people["applicant_a"], ["food_license"], application("food_license"))
        tasks.complete(db, people["window"], open_tasks(db, food.id)[0].id,
                       {"opinion": "请补正", "decision": "correct", "items": ["营业执照"]})
        self.ids = {"case": case.id, "task": open_tasks(db, case.id)[0].id,
                    "correction": open_tasks(db, food.id)[0].id}
        self.api = Api(app.test_client())
        self.pages: dict[str | None, object] = {None: app.test_client()}

    def page(self, who: str | None):
        if who not in self.pages:
            client = self.app.test_client()
            assert client.post("/login", data={"username": who, "password": PASSWORD}).status_code == 302
            self.pages[who] = client
        return self.pages[who]

    def case_count(self) -> int:
        with self.db.reading() as s:
            return s.scalar(select(func.count(Case.id)))

    def send(self, r: Request) -> int:
        """Fire ``r`` and fail on any broken rule; returns the status."""
        status, problem = self.probe(r)
        assert problem is None, (r, status, problem)
        return status

    def probe(self, r: Request) -> tuple[int, str | None]:
        """Fire ``r``; the status and the first rule it broke (None when it kept them all)."""
        before = self.case_count()
        response = self._fire(r, r.path.format(**self.ids))
        status = response.status_code
        if status >= 500:
            return status, response.get_data(as_text=True)[:300]
        error = (response.get_json(silent=True) or {}).get("error") if r.api and status >= 400 else {}
        if not isinstance(error, dict) or (error and set(error) != {"code", "message", "fields"}):
            return status, f"API refusal without the error shape: {error!r}"
        if status >= 400 and self.case_count() != before:
            return status, "a refused request wrote a case"
        return status, None

    def _fire(self, r: Request, path: str):
        files = {}
        if r.upload:
            content, name, kind = r.upload
            key = "file:license" if path.endswith("/new") else "file"
            files = {key: (io.BytesIO(content), name, kind)}
        if r.api:
            headers = self.api.headers(r.who)
            if r.upload:
                return self.api.client.post(path, headers=headers, data={**r.form, **files})
            if r.method == "GET":
                return self.api.client.get(path, headers=headers)
            return self.api.client.post(path, headers=headers, data=json.dumps(r.body, allow_nan=True),
                                        content_type="application/json")
        client = self.page(r.who)
        if r.method == "GET":
            return client.get(path)
        return client.post(path, data={**r.form, **files}, content_type="multipart/form-data")
