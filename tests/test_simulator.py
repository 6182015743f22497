"""The bureau simulator finds no dead end and no broken invariant, on several seeds."""
from __future__ import annotations

import pytest

from workflow.cli import simulate
from workflow.cli.simulate.output import lines


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_small_bureau_reaches_a_lawful_end_on_every_path(seed):
    report = simulate.run("tiny", seed)
    assert report.breaks == [], "\n".join(lines(report))
    assert report.cases and report.finished == report.cases
    assert report.total_actions > report.cases * 2
    assert report.period.total.received >= report.cases


def test_the_simulator_reports_an_offered_action_that_fails(monkeypatch):
    """The checks can fail: an engine that refuses what it offers is caught and reported."""
    from workflow.services import tasks
    real = tasks.claim

    def refuse(db, actor, task_id, expected_version=None):
        from workflow.errors import Conflict
        raise Conflict("refused on purpose")
    monkeypatch.setattr(tasks, "claim", refuse)
    report = simulate.run("tiny", 1)
    assert any("refused on purpose" in b.problem for b in report.breaks)
    monkeypatch.setattr(tasks, "claim", real)
