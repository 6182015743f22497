"""The app's PostgreSQL role (issue 11, deliver 7): it works the office's cases but cannot
change or remove audit rows, rewind the head, or switch the triggers off."""
from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.engine import make_url

from tests.conftest import PG_URL, fresh_database
from tests.helpers import load_people
from workflow.errors import ValidationError
from workflow.services import cases
from workflow.storage import audit, roles
from workflow.storage.db import Database

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not PG_URL, reason="PostgreSQL roles need TEST_DATABASE_URL")


@pytest.fixture
def pg(request, tmp_path, sqlite_template):
    yield from fresh_database(request, tmp_path, sqlite_template, "postgresql")


@pytest.fixture
def app_db(pg):
    """A login role granted by ``python -m workflow db grant-app-role``, and the database as it sees it."""
    role = f"lic_app_{uuid.uuid4().hex[:8]}"
    with pg.engine.begin() as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN"))
    granted = subprocess.run([sys.executable, "-m", "workflow", "--database", pg.url, "db", "grant-app-role", role],
                             cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert granted.returncode == 0 and "REVOKE UPDATE, DELETE ON audit_events" in granted.stdout, granted.stderr
    app = Database(make_url(pg.url).set(username=role).render_as_string(hide_password=False))
    yield app
    app.dispose()
    with pg.engine.begin() as conn:
        conn.execute(text(f"DROP OWNED BY {role}"))
    admin = create_engine(pg.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP ROLE {role}"))
    admin.dispose()


def test_the_app_role_files_cases_and_chains_events(app_db, pg):
    people = load_people(app_db)
    cases.submit(app_db, people["applicant_a"], ["bench"], {"title": "应用角色"})
    with app_db.reading() as s:
        assert audit.verify(s).ok and s.get(audit.AuditHead, 1).seq >= 1


@pytest.mark.parametrize("statement", [
    "UPDATE audit_events SET opinion = 'x'",
    "DELETE FROM audit_events",
    "TRUNCATE audit_events",
    "DELETE FROM audit_head",
    "INSERT INTO audit_head (id, seq, hash) VALUES (2, 0, 'x')",
    "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change",
    "ALTER TABLE audit_head DISABLE TRIGGER ALL",
    "DROP TRIGGER audit_events_no_change ON audit_events",
    "SET session_replication_role = replica",
    "UPDATE alembic_version SET version_num = '0001'",
])
def test_the_app_role_cannot_touch_the_history(app_db, statement):
    people = load_people(app_db)
    cases.submit(app_db, people["applicant_a"], ["bench"], {})
    with pytest.raises(DBAPIError, match="permission denied|must be owner|must be superuser"):
        with app_db.engine.begin() as conn:
            conn.execute(text(statement))


def test_the_head_trigger_still_guards_what_the_role_may_update(app_db):
    people = load_people(app_db)
    cases.submit(app_db, people["applicant_a"], ["bench"], {})
    with pytest.raises(DBAPIError, match="only moves forward"):
        with app_db.engine.begin() as conn:
            conn.execute(text("UPDATE audit_head SET seq = seq - 1"))


def test_replica_mode_skips_the_triggers_but_not_verify(pg):
    """What a superuser can still do in the database is what the keyed chain is for."""
    people = load_people(pg)
    cases.submit(pg, people["applicant_a"], ["bench"], {})
    cases.submit(pg, people["applicant_b"], ["bench"], {})
    with pg.engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text("UPDATE audit_events SET opinion = '伪造' WHERE seq = 1"))
    with pg.reading() as s:
        result = audit.verify(s)
    assert not result.ok and result.broken_seq == 1


def test_owner_and_superusers_are_refused_as_the_app_role(pg):
    owner = pg.engine.url.username
    with pytest.raises(ValidationError):
        roles.grant_app_role(pg, owner)
    with pytest.raises(ValidationError):
        roles.grant_app_role(pg, "Robert'); DROP TABLE cases; --")
