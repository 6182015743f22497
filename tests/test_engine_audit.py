"""The hash-chained audit history and its append-only guarantees."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from workflow.services import cases
from workflow.storage import audit


@pytest.fixture
def history(db, people):
    case = cases.submit(db, people["applicant_a"], ["bench"], {"title": "审计样本"})
    cases.withdraw(db, people["applicant_a"], case.id, "测试")
    cases.submit(db, people["applicant_b"], ["bench"], {})
    return case


def test_chain_verifies(db, history):
    with db.reading() as s:
        result = audit.verify(s)
        events = audit.case_history(s, history.id)
    assert result.ok and result.checked == 3
    assert [e.action for e in events] == ["submit", "withdraw"]
    assert events[1].prev_hash == events[0].hash and events[1].opinion == "测试"


@pytest.mark.parametrize("statement", [
    "UPDATE audit_events SET opinion = 'forged' WHERE seq = 2",
    "DELETE FROM audit_events WHERE seq = 2",
])
def test_triggers_refuse_changes(db, history, statement):
    with pytest.raises(DBAPIError, match="append-only"):
        with db.transaction() as s:
            s.execute(text(statement))


def behind_the_triggers_back(db, statement: str) -> None:
    """What a DBA with DDL rights could do: switch the guard off, then change a row."""
    with db.engine.begin() as conn:
        if db.is_postgres:
            conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change"))
        else:
            conn.execute(text("DROP TRIGGER audit_events_no_update"))
            conn.execute(text("DROP TRIGGER audit_events_no_delete"))
        conn.execute(text(statement))


def test_verify_names_the_row_edited_behind_the_triggers_back(db, history):
    behind_the_triggers_back(db, "UPDATE audit_events SET opinion = '伪造' WHERE seq = 2")
    with db.reading() as s:
        result = audit.verify(s)
    assert not result.ok and result.broken_seq == 2 and result.checked == 1
    assert "hash" in result.reason


def test_verify_notices_a_deleted_tail(db, history):
    behind_the_triggers_back(db, "DELETE FROM audit_events WHERE seq = 3")
    with db.reading() as s:
        result = audit.verify(s)
    assert not result.ok and result.broken_seq == 3
