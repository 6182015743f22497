"""Audit anchoring (issue 11, defect 11): a keyed chain plus signed checkpoints kept outside
the database detect a rewritten, truncated or forged history, even one whose later hashes
and head were recomputed, and even when the triggers were bypassed."""
from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.flows.driver import Bureau
from workflow.services import cases
from workflow.storage import audit
from workflow.storage.audit_checkpoints import load_checkpoints, verify_against, write_checkpoint
from workflow.storage.db import Database
from workflow.storage.schema import alembic_config, upgrade

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def history(db, people, clock) -> int:
    """An accepted industrial case and 60 filings after it; returns the accept event's seq."""
    bureau = Bureau(db, people, clock)
    case = bureau.file(["industrial_license"])
    bureau.accept(case.id)
    for number in range(60):
        cases.submit(db, people["applicant_a"], ["bench"], {"title": f"样本 {number}"})
    with db.reading() as s:
        return s.scalar(text("SELECT seq FROM audit_events WHERE decision = 'accept'"))


def behind_the_triggers_back(db: Database, *statements: str, params: dict | None = None) -> None:
    """What the tables' owner could do: PostgreSQL's replica mode skips every trigger;
    on SQLite the owner drops them."""
    with db.engine.begin() as conn:
        if db.is_postgres:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            for name in ("audit_events_no_update", "audit_events_no_delete", "audit_head_forward_only",
                         "audit_head_no_delete"):
                conn.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
        for statement in statements:
            conn.execute(text(statement), params or {})


def rechain(db: Database, from_seq: int, keyed: bool = True) -> None:
    """Recompute every link from ``from_seq`` on and move the head, as a careful forger would."""
    with db.reading() as s:
        events = [e for e in s.scalars(audit.select(audit.AuditEvent).order_by(audit.AuditEvent.seq))]
    prev = audit.GENESIS
    for event in events:
        if event.seq >= from_seq:
            fields = {name: getattr(event, name) for name in audit.HASHED_FIELDS}
            digest = audit.event_hash(prev, fields, keyed=keyed)
            behind_the_triggers_back(db, "UPDATE audit_events SET prev_hash = :p, hash = :h WHERE seq = :s",
                                     params={"p": prev, "h": digest, "s": event.seq})
            event.hash = digest
        prev = event.hash
    behind_the_triggers_back(db, "UPDATE audit_head SET seq = :s, hash = :h WHERE id = 1",
                             params={"s": events[-1].seq, "h": prev})


def verify(db: Database) -> audit.VerifyResult:
    with db.reading() as s:
        return audit.verify(s)


def against(db: Database, directory: Path) -> audit.VerifyResult:
    with db.reading() as s:
        return verify_against(s, load_checkpoints(directory))


def checkpoint(db: Database, directory: Path) -> None:
    with db.reading() as s:
        write_checkpoint(s, directory)


def test_an_untouched_history_verifies_against_its_checkpoint(db, history, tmp_path):
    checkpoint(db, tmp_path)
    assert verify(db).ok and against(db, tmp_path).ok


def test_accept_rewritten_as_refuse_with_later_hashes_and_head_recomputed(db, history, tmp_path, monkeypatch):
    checkpoint(db, tmp_path)
    behind_the_triggers_back(db, f"UPDATE audit_events SET decision = 'refuse' WHERE seq = {history}")
    rechain(db, history, keyed=False)                    # the old, unkeyed algorithm
    result = verify(db)
    assert not result.ok and result.broken_seq == history and "hash" in result.reason
    monkeypatch.setenv("AUDIT_KEY", "a guess at the key, long enough to be used")
    rechain(db, history)                                 # keyed, with the wrong key
    monkeypatch.delenv("AUDIT_KEY")
    assert verify(db).broken_seq == history


def test_an_insider_with_the_key_is_caught_by_the_exported_checkpoint(db, history, tmp_path):
    checkpoint(db, tmp_path)
    behind_the_triggers_back(db, f"UPDATE audit_events SET decision = 'refuse' WHERE seq = {history}")
    rechain(db, history)
    assert verify(db).ok                                 # a perfect forgery of the chain itself...
    result = against(db, tmp_path)                      # ...does not end at the shipped head
    assert not result.ok and "rewritten" in result.reason


def test_deleting_the_last_50_events_is_a_truncation(db, history, tmp_path):
    checkpoint(db, tmp_path)
    with db.reading() as s:
        head = s.get(audit.AuditHead, 1)
        last, keep = head.seq, head.seq - 50
        kept_hash = s.get(audit.AuditEvent, keep).hash
    behind_the_triggers_back(db, f"DELETE FROM audit_events WHERE seq > {keep}")
    assert not verify(db).ok                             # head still names the deleted tail
    behind_the_triggers_back(db, "UPDATE audit_head SET seq = :s, hash = :h WHERE id = 1",
                             params={"s": keep, "h": kept_hash})
    assert verify(db).ok                                 # a valid prefix is a valid chain...
    result = against(db, tmp_path)
    assert not result.ok and result.broken_seq == keep + 1 and f"event {last}" in result.reason


def test_a_forged_approval_appended_with_the_head_moved(db, history):
    with db.reading() as s:
        head = s.get(audit.AuditHead, 1)
        forged = {name: None for name in audit.HASHED_FIELDS} | {
            "seq": head.seq + 1, "at": s.get(audit.AuditEvent, head.seq).at + timedelta(seconds=1),
            "actor_name": "黄科长", "role": "approver", "action": "complete", "decision": "approve", "data": {}}
        prev = head.hash
    digest = audit.event_hash(prev, forged, keyed=False)
    with db.transaction() as s:                          # appends need no bypass: only the key is missing
        s.add(audit.AuditEvent(**forged, prev_hash=prev, hash=digest))
        head = s.get(audit.AuditHead, 1)
        head.seq, head.hash = forged["seq"], digest
    result = verify(db)
    assert not result.ok and result.broken_seq == forged["seq"]


def test_the_head_only_moves_forward(db, history):
    for statement in ("UPDATE audit_head SET seq = seq - 1", "DELETE FROM audit_head"):
        with pytest.raises(DBAPIError, match="only moves forward"):
            with db.transaction() as s:
                s.execute(text(statement))


def test_cli_checkpoint_then_verify(db, history, tmp_path):
    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "workflow", "--database", db.url, "audit", *args],
                              cwd=ROOT, capture_output=True, text=True, timeout=120)
    made = cli("checkpoint", "--out", str(tmp_path))
    assert made.returncode == 0 and len(list(tmp_path.glob("audit-checkpoint-*.json"))) == 1
    assert cli("verify", "--checkpoints", str(tmp_path)).returncode == 0
    behind_the_triggers_back(db, f"UPDATE audit_events SET opinion = '伪造' WHERE seq = {history}")
    rechain(db, history)
    broken = cli("verify", "--checkpoints", str(tmp_path))
    assert broken.returncode == 2 and "rewritten" in broken.stdout


def test_a_forged_checkpoint_file_is_refused(db, history, tmp_path):
    checkpoint(db, tmp_path)
    path = next(tmp_path.glob("audit-checkpoint-*.json"))
    path.write_text(path.read_text().replace('"seq": ', '"seq": 1'))
    result = against(db, tmp_path)
    assert not result.ok and "not signed" in result.reason


def test_an_unkeyed_history_is_sealed_by_the_migration(tmp_path):
    """A database chained before 0010 keeps its links; the keyed seal anchors them."""
    db = Database(f"sqlite:///{tmp_path / 'old.db'}")
    config = alembic_config(db)
    command.upgrade(config, "0007")
    prev = audit.GENESIS
    with db.transaction() as s:
        for seq in (1, 2, 3):
            fields = {name: None for name in audit.HASHED_FIELDS} | {
                "seq": seq, "at": audit.utcnow(), "actor_name": "系统", "role": "system", "action": "submit",
                "data": {}}
            digest = audit.event_hash(prev, fields, keyed=False)
            s.add(audit.AuditEvent(**fields, prev_hash=prev, hash=digest))
            prev = digest
        s.add(audit.AuditHead(id=1, seq=3, hash=prev))
    upgrade(db)
    assert verify(db).ok
    with db.reading() as s:
        assert audit.seal_seq(s) == 4
    behind_the_triggers_back(db, "UPDATE audit_events SET action = 'withdraw' WHERE seq = 2")
    rechain(db, 2, keyed=False)                          # plain links rebuilt all the way up
    assert not verify(db).ok
    db.dispose()


def test_production_mode_refuses_to_run_without_the_key(tmp_path):
    env = {"APP_ENV": "production", "PATH": "/usr/bin:/bin"}
    refused = subprocess.run([sys.executable, "-m", "workflow", "--database", f"sqlite:///{tmp_path}/p.db", "db",
                              "upgrade"], cwd=ROOT, capture_output=True, text=True, timeout=60, env=env)
    assert refused.returncode == 1 and "AUDIT_KEY" in refused.stderr
    assert not (tmp_path / "p.db").exists()


def test_the_web_app_refuses_to_start_in_production_without_the_key(monkeypatch, tmp_path):
    from webapp import create_app
    from workflow.storage.audit_key import AuditKeyMissing
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("AUDIT_KEY", "too short")
    with pytest.raises(AuditKeyMissing):
        create_app({"SECRET_KEY": "x" * 32}, Database(f"sqlite:///{tmp_path / 'w.db'}"))


def test_database_roles_are_postgresql_only(tmp_path):
    """PostgreSQL's side is tests/reliability/test_db_roles.py."""
    from workflow.errors import ValidationError
    from workflow.storage import roles
    with pytest.raises(ValidationError, match="invalid"):
        roles.grant_app_role(Database(f"sqlite:///{tmp_path / 'r.db'}"), "licensing_app")


def test_migration_0010_downgrades_and_upgrades_again(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'round.db'}")
    upgrade(db)
    command.downgrade(alembic_config(db), "0007")
    with db.transaction() as s:                          # the head trigger went with 0010
        s.execute(text("UPDATE audit_head SET seq = 0"))
    upgrade(db)
    with db.reading() as s:
        head = ScriptDirectory.from_config(alembic_config(db)).get_current_head()
        assert s.scalar(text("SELECT version_num FROM alembic_version")) == head
        assert s.scalar(text("SELECT count(*) FROM worker_heartbeats")) == 0
    with pytest.raises(DBAPIError, match="only moves forward"):
        with db.transaction() as s:
            s.execute(text("UPDATE audit_head SET seq = 0"))
    db.dispose()
