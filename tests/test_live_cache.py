"""The live-workflow cache: a hit only for the row version this process committed, nothing after a rollback."""
from __future__ import annotations

import pytest
from sqlalchemy import select, update

from tests.helpers import open_tasks
from workflow.errors import ValidationError
from workflow.runtime import instances, live_cache
from workflow.runtime.spiff_runtime import dump_workflow
from workflow.services import cases, task_view, tasks
from workflow.storage.models import Case, ProcessInstance


@pytest.fixture
def cache():
    live_cache.CACHE.clear()
    yield live_cache.CACHE
    live_cache.CACHE.clear()


def instance_of(db, case_id) -> ProcessInstance:
    with db.reading() as s:
        return s.scalars(select(ProcessInstance).where(ProcessInstance.case_id == case_id)).one()


def cached_version(db, cache, instance_id):
    entry = cache._entries.get((str(db.engine.url), instance_id))
    return None if entry is None else entry.version


def complete_open(db, people, case_id, step, actor="reviewer1", **data):
    task = open_tasks(db, case_id, step)[0]
    return tasks.complete(db, people[actor], task.id, {"opinion": "同意", **data})


def test_a_committed_save_is_reused_and_the_process_still_ends(db, people, cache):
    case = cases.submit(db, people["applicant_a"], ["bench"], {})
    instance = instance_of(db, case.id)
    assert cached_version(db, cache, instance.id) == instance.version
    complete_open(db, people, case.id, "intake")
    assert (cache.hits, cache.misses) == (1, 0)
    complete_open(db, people, case.id, "check_a", actor="reviewer2")
    complete_open(db, people, case.id, "check_b", actor="reviewer3")
    complete_open(db, people, case.id, "decide", actor="approver", decision="approve")
    assert cache.hits == 4 and cache.misses == 0
    with db.reading() as s:
        assert s.get(Case, case.id).status == "completed"
    assert instance_of(db, case.id).status == "completed"


def test_a_rolled_back_command_leaves_no_entry(db, people, cache):
    case = cases.submit(db, people["applicant_a"], ["bench"], {})
    instance = instance_of(db, case.id)
    task = open_tasks(db, case.id, "intake")[0]
    with pytest.raises(ValidationError):
        tasks.complete(db, people["reviewer1"], task.id, {"opinion": ""})
    assert cached_version(db, cache, instance.id) is None
    complete_open(db, people, case.id, "intake")          # deserialized from the row instead
    assert cache.misses == 1
    assert cached_version(db, cache, instance.id) == instance.version + 1


def test_a_state_fixed_by_hand_is_reloaded(db, people, cache):
    case = cases.submit(db, people["applicant_a"], ["bench"], {})
    instance = instance_of(db, case.id)
    complete_open(db, people, case.id, "intake")
    with db.transaction() as s:     # an operator rewrites the state and keeps the version
        row = s.get(ProcessInstance, instance.id)
        workflow = instances.peek(s, row)
        workflow.data["fixed_by_hand"] = True
        row.state = dump_workflow(workflow)
    complete_open(db, people, case.id, "check_a", actor="reviewer2")
    assert cache.misses == 1
    with db.reading() as s:
        assert instances.peek(s, s.get(ProcessInstance, instance.id)).data["fixed_by_hand"] is True


def test_a_row_changed_elsewhere_is_reloaded(db, people, cache):
    case = cases.submit(db, people["applicant_a"], ["bench"], {})
    instance = instance_of(db, case.id)
    with db.transaction() as s:     # another process saved the instance: same state, newer version
        s.execute(update(ProcessInstance).where(ProcessInstance.id == instance.id)
                  .values(version=ProcessInstance.version + 1))
    complete_open(db, people, case.id, "intake")
    assert (cache.hits, cache.misses) == (0, 1)
    assert cached_version(db, cache, instance.id) == instance.version + 2
    assert {t.bpmn_id for t in open_tasks(db, case.id)} == {"check_a", "check_b"}


def test_the_cache_is_bounded():
    small = live_cache.LiveWorkflows(2)
    rows = [ProcessInstance(id=i, version=1, process_version_id=1, state=b"s") for i in (1, 2, 3)]
    for row in rows:
        small.put("db", row.id, live_cache.Entry(1, 1, b"s", object()))
    assert len(small) == 2
    assert small.take("db", rows[0]) is None
    assert small.take("db", rows[2]) is not None


def test_a_read_model_borrows_the_live_workflow_and_gives_it_back(db, people, cache):
    """The task answer after a command reads the workflow the command left (no deserializing), and
    the entry is back for the next command."""
    case = cases.submit(db, people["applicant_a"], ["bench"], {})
    task = open_tasks(db, case.id, "intake")[0]
    tasks.claim(db, people["reviewer1"], task.id)
    instance = instance_of(db, case.id)
    summary = task_view.task_summary(db, people["reviewer1"], task.id)
    assert summary.version == instance.version and "complete" in {a.op for a in summary.actions}
    assert (cache.hits, cache.misses) == (1, 0)           # the read model's peek (a claim loads no workflow)
    assert cached_version(db, cache, instance.id) == instance.version
    complete_open(db, people, case.id, "intake")
    assert (cache.hits, cache.misses) == (2, 0)


def test_a_lent_workflow_does_not_replace_a_newer_one(db, people, cache):
    case = cases.submit(db, people["applicant_a"], ["bench"], {})
    instance = instance_of(db, case.id)
    with db.reading() as s, live_cache.lending():
        lent = instances.peek(s, s.get(ProcessInstance, instance.id))
        complete_open(db, people, case.id, "intake")       # not in the cache meanwhile: deserialized
        newer = cached_version(db, cache, instance.id)
    assert newer == instance.version + 1 == cached_version(db, cache, instance.id)
    assert lent is not None and cache.misses == 1
