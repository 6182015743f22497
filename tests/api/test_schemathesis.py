"""Property-based run of schemathesis over the generated OpenAPI document.

Every operation gets a bounded number of generated requests (valid and invalid) with a bearer
token of a role that may use it; the checks assert that nothing answers 500 and that every
answer (status, content type, body) conforms to the document.
"""
from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from tests.api.conftest import make_app
from tests.helpers import PASSWORD
from workflow.services import cases, users

MAX_EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "30"))

# Which account exercises which operations (the one most likely to get past the permission check).
ROLE_BY_PREFIX = (
    ("/api/v1/tasks", "reviewer1"),
    ("/api/v1/reports", "supervisor"),
    ("/api/v1/audit", "auditor"),
    ("/api/v1/cases", "applicant_a"),
)


# The document is read once, from an app whose database is swapped in per test (each test
# gets its own seeded database from the root conftest's ``db`` fixture).
SPEC_APP = make_app(None)
# Schema-valid requests may still break rules the document cannot express (each matter's form
# inside the free-form `data`, a comment required for low ratings, a transfer to a colleague of
# the same department): those answer 422, which is the documented answer for them. A NUL byte,
# which the document's strings allow, is refused as a malformed request (400) before any view.
CONFIG = schemathesis.config.SchemathesisConfig.from_str("""
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "400", "401", "403", "404", "409", "422", "429"]
""")
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", SPEC_APP, config=CONFIG)


@pytest.fixture
def api_app(db, people, tmp_path):
    app = SPEC_APP
    app.extensions["db"] = db
    app.config["ATTACHMENTS_DIR"] = str(tmp_path / "attachments")
    case = cases.submit(db, people["applicant_a"], ["bench"], {"title": "模糊测试件"})
    app.config["TEST_TOKENS"] = {name: users.issue_token(db, people[name].id)[0]
                                 for name in ("reviewer1", "supervisor", "auditor", "applicant_a", "window")}
    app.config["TEST_CASE_ID"] = case.id
    yield app
    app.extensions["db"] = None


PLACEHOLDER = "role:"


def _role_for(path: str, method: str) -> str:
    if method.upper() == "DELETE" and path == "/api/v1/auth/token":
        return "fresh"   # logging out revokes the token it carries: each such call gets its own
    for prefix, name in ROLE_BY_PREFIX:
        if path.startswith(prefix):
            return name
    return "window"


@schema.auth(refresh_interval=None)
class BearerForRole:
    """Credentials for the operation's usual role. Cases may be drawn before the test's database
    exists, so this sets a placeholder that the test swaps for a real token; schemathesis leaves
    it out when it tests requests without credentials (those must answer 401)."""

    def get(self, case, context):
        return _role_for(case.operation.path, case.method)

    def set(self, case, role, context):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {PLACEHOLDER}{role}"


def _real_token(app, role: str) -> str:
    if role == "fresh":
        db = app.extensions["db"]
        return users.issue_token(db, users.authenticate(db, "window", PASSWORD).id)[0]
    return app.config["TEST_TOKENS"][role]


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@pytest.mark.no_invariant
def test_api_conforms_to_its_document(case, api_app):
    header = (case.headers or {}).get("Authorization", "")
    if header.startswith(f"Bearer {PLACEHOLDER}"):
        case.headers["Authorization"] = f"Bearer {_real_token(api_app, header[len('Bearer ' + PLACEHOLDER):])}"
    case.call_and_validate()
