"""``python -m workflow`` end to end in a subprocess, on a fresh SQLite file."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from workflow.storage.db import Database

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def run(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"

    def invoke(*args: str, ok: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run([sys.executable, "-m", "workflow", "--database", url, *args],
                                cwd=ROOT, capture_output=True, text=True, timeout=120)
        if ok:
            assert result.returncode == 0, result.stderr
        return result
    invoke.url = url
    return invoke


def test_admin_commands(run, tmp_path):
    assert "holiday rows added" in run("db", "upgrade").stdout
    assert "report summary rebuilt: 0 rows" in run("db", "rebuild-report-summary").stdout
    first = run("deploy", str(ROOT / "tests" / "bpmn" / "engine_bench.bpmn")).stdout
    assert "engine_bench: version 1 (deployed)" in first
    assert "(unchanged)" in run("deploy", str(ROOT / "tests" / "bpmn" / "engine_bench.bpmn")).stdout
    run("users", "add", "lishen", "--role", "reviewer", "--department", "food", "--password", "long-enough-1",
        "--name", "李审查")
    refused = run("users", "add", "x", "--role", "wizard", "--password", "short", ok=False)
    assert refused.returncode == 1 and "role" in refused.stderr and "password" in refused.stderr
    assert "lishen" in run("users", "list").stdout
    token = run("users", "token", "lishen").stdout.strip()
    assert len(token) > 30
    assert run("users", "token", "nobody", ok=False).returncode == 1
    assert "woke 0" in run("timers", "run", "--once").stdout
    assert "audit chain intact" in run("audit", "verify").stdout

    bad = tmp_path / "bad.csv"
    bad.write_text("date,kind,name\n2027-13-01,holiday,x\n", encoding="utf-8")
    out = run("holidays", "import", str(bad), ok=False)
    assert out.returncode == 1 and "2" in out.stderr
    good = tmp_path / "2027.csv"
    good.write_text("date,kind,name\n2027-01-01,holiday,元旦\n", encoding="utf-8")
    assert "1 added" in run("holidays", "import", str(good)).stdout


def test_audit_verify_exit_code_on_a_broken_chain(run):
    run("db", "upgrade")
    run("users", "add", "lishen", "--role", "reviewer", "--department", "food", "--password", "long-enough-1")
    db = Database(run.url)
    from workflow.storage import audit
    with db.transaction() as s:
        audit.record(s, action="test", data={"n": 1})
        audit.record(s, action="test", data={"n": 2})
    with db.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER audit_events_no_update"))
        conn.execute(text("UPDATE audit_events SET action = 'forged' WHERE seq = 1"))
    db.dispose()
    out = run("audit", "verify", ok=False)
    assert out.returncode == 2 and "BROKEN at event 1" in out.stdout


def test_versions_commands(run, tmp_path):
    run("db", "upgrade")
    run("deploy", str(ROOT / "tests" / "bpmn" / "engine_bench.bpmn"))
    renamed = tmp_path / "engine_bench.bpmn"
    renamed.write_text((ROOT / "tests" / "bpmn" / "engine_bench.bpmn").read_text(encoding="utf-8")
                       .replace("check_a", "check_x"), encoding="utf-8")
    assert "version 2 (deployed)" in run("deploy", str(renamed)).stdout
    run("users", "add", "chief", "--role", "admin", "--password", "long-enough-1")
    dry = run("versions", "--as", "chief", "migrate", "engine_bench", "--from", "1", "--to", "2",
              "--map", "check_a=check_x", "--dry-run").stdout
    assert "engine_bench v1 -> v2: would move 0, cannot move 0" in dry
    bad = run("versions", "--as", "chief", "migrate", "engine_bench", "--from", "1", "--to", "2",
              "--map", "check_a=nowhere", ok=False)
    assert bad.returncode == 1 and "mapping.check_a" in bad.stderr
    assert run("versions", "--as", "nobody", "failed", ok=False).returncode == 1
    assert "0 failed instance(s)" in run("versions", "--as", "chief", "failed").stdout
    assert run("versions", "--as", "chief", "retry", "999", ok=False).returncode == 1
