"""The crash run's verdict can fail: its checks against a real database, without the servers."""
from __future__ import annotations

from sqlalchemy import text

from tests.helpers import open_tasks
from tests.reliability.crash_run import Ledger, check
from workflow.services import cases, tasks


def test_acknowledged_writes_that_exist_pass(db, people, clock):
    case = cases.submit(db, people["applicant_a"], ["bench"], {})
    task = open_tasks(db, case.id)[0]
    tasks.complete(db, people["reviewer1"], task.id, {"opinion": "同意"})
    ledger = Ledger(filed={case.id: "applicant_a"}, accepted={task.id})
    assert check(db, ledger, set(), set()) == []


def test_lost_doubled_and_half_applied_writes_are_violations(db, people, clock):
    case = cases.submit(db, people["applicant_a"], ["bench"], {})
    with db.transaction() as s:
        s.execute(text("DELETE FROM human_tasks WHERE case_id = :c"), {"c": case.id})
        s.execute(text("DELETE FROM process_instances WHERE case_id = :c"), {"c": case.id})
    ledger = Ledger(filed={case.id: "applicant_a", 9999: "applicant_a"}, accepted={8888})
    ledger.statuses[500] += 1
    problems = check(db, ledger, {case.id}, {case.id})
    assert any("filing 9999 has 0 submit events" in p for p in problems)
    assert any("task 8888" in p for p in problems)
    assert any("without a process instance" in p for p in problems)
    assert any("not deemed accepted" in p for p in problems)
    assert any("status 500" in p for p in problems)
