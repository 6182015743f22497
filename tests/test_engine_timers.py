"""The timer sweep: boundary timers fire once, from any number of sweepers."""
from __future__ import annotations

import threading
import time
from datetime import timedelta

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func, select

from workflow.runtime.instances import next_timer
from workflow.runtime.spiff_runtime import SafeScriptEngine, dump_workflow, load_spec, restore_workflow
from workflow.services import cases, tasks, timers
from workflow.services.worker import TimerWorker
from workflow.storage.db import Database, utcnow
from workflow.storage.models import AuditEvent, HumanTask, ProcessInstance, ProcessVersion, WorkerHeartbeat


def reach_decision(db, people):
    case = cases.submit(db, people["applicant_a"], ["bench"], {})
    for bpmn_id in ("intake", "check_a", "check_b"):
        with db.reading() as s:
            task = s.scalars(select(HumanTask).where(HumanTask.case_id == case.id, HumanTask.bpmn_id == bpmn_id,
                                                     HumanTask.state == "open")).one()
        tasks.complete(db, people["reviewer1"], task.id, {"opinion": "同意"})
    return case


def make_timers_due(db, case_id):
    """Move the instance's pending timers into the past, as if 30 days had gone by."""
    with db.transaction() as s:
        row = s.scalars(select(ProcessInstance).where(ProcessInstance.case_id == case_id)).one()
        spec, subs = load_spec(str(s.bind.url), row.process_version_id, lambda: s.scalar(
            select(ProcessVersion.spec_json).where(ProcessVersion.id == row.process_version_id)))
        workflow = restore_workflow(row.state, spec, subs, SafeScriptEngine())
        past = (utcnow() - timedelta(minutes=1)).isoformat()
        for task in workflow.get_tasks(state=TaskState.WAITING):
            if task._get_internal_data("event_value"):
                task._set_internal_data(event_value=past)
        row.state = dump_workflow(workflow)
        row.next_timer_at = next_timer(workflow)


def test_pending_timer_is_stored_as_next_timer_at(db, people):
    case = reach_decision(db, people)
    with db.reading() as s:
        due = s.scalar(select(ProcessInstance.next_timer_at).where(ProcessInstance.case_id == case.id))
    assert timedelta(days=29) < due - utcnow() <= timedelta(days=30)
    assert timers.run_due(db) == 0


def test_sweep_fires_boundary_timer_and_cancels_the_task(db, people):
    case = reach_decision(db, people)
    make_timers_due(db, case.id)
    assert timers.run_due(db) == 1
    with db.reading() as s:
        inst = s.scalars(select(ProcessInstance).where(ProcessInstance.case_id == case.id)).one()
        decide = s.scalars(select(HumanTask).where(HumanTask.case_id == case.id, HumanTask.bpmn_id == "decide")).one()
        actions = s.scalars(select(AuditEvent.action).where(AuditEvent.case_id == case.id)).all()
    assert (inst.outcome, inst.status, inst.next_timer_at) == ("expired", "completed", None)
    assert (decide.state, decide.close_reason) == ("closed", "cancelled")
    assert actions[-1] == "timer"
    assert timers.run_due(db) == 0


def test_concurrent_sweepers_wake_each_instance_once(db, people):
    created = [reach_decision(db, people) for _ in range(4)]
    for case in created:
        make_timers_due(db, case.id)
    counts: list[int] = []
    workers = [threading.Thread(target=lambda: counts.append(timers.run_due(db))) for _ in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert sum(counts) == 4
    with db.reading() as s:
        fired = s.scalars(select(AuditEvent.case_id).where(AuditEvent.action == "timer")).all()
    assert sorted(fired) == sorted(c.id for c in created)


def test_two_workers_with_their_own_connections_fire_each_due_timer_exactly_once(db, people):
    """Two sweepers as two worker processes would run (each its own engine and connection pool),
    in small batches, over the same due timers: every timer fires once, none is lost."""
    created = [reach_decision(db, people) for _ in range(12)]
    for case in created:
        make_timers_due(db, case.id)
    databases = [Database(db.url) for _ in range(2)]
    counts: list[int] = []
    workers = [threading.Thread(target=lambda d=d: counts.append(timers.run_due(d, batch=3))) for d in databases]
    try:
        for w in workers:
            w.start()
        for w in workers:
            w.join()
    finally:
        for d in databases:
            d.dispose()
    assert sum(counts) == len(created)
    with db.reading() as s:
        fired = s.scalars(select(AuditEvent.case_id).where(AuditEvent.action == "timer")).all()
        running = s.scalar(select(func.count()).select_from(ProcessInstance).where(ProcessInstance.status == "running"))
    assert sorted(fired) == sorted(c.id for c in created) and running == 0
    assert timers.run_due(db) == 0


def test_the_oldest_due_timer_fires_first(db, people):
    """A pass that can take only some of the due timers takes the longest-waiting ones."""
    created = [reach_decision(db, people) for _ in range(3)]
    for case in reversed(created):          # the last case's timer fell due first
        make_timers_due(db, case.id)
    assert timers.run_due(db, limit=1, batch=1) == 1
    with db.reading() as s:
        fired = s.scalars(select(AuditEvent.case_id).where(AuditEvent.action == "timer")).all()
    assert fired == [created[-1].id]


def test_the_worker_fires_timers_between_its_clock_sweeps(db, people):
    """A timer falling due after a pass fires within the timer interval, not at the next pass."""
    case = reach_decision(db, people)
    stop = threading.Event()
    worker = TimerWorker(db, interval=600.0, timer_interval=0.02, stop=stop)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        wait_for(lambda: worker.stats.passes == 1)
        make_timers_due(db, case.id)
        wait_for(lambda: worker.stats.woken == 1)
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive() and worker.stats.passes == 1 and worker.stats.failures == 0


def test_timers_fired_between_sweeps_are_counted_in_the_next_heartbeat(db, people):
    case = reach_decision(db, people)
    worker = TimerWorker(db)
    assert worker.run_once()
    make_timers_due(db, case.id)
    assert worker.fire_due() and worker.stats.woken == 1
    assert worker.run_once()
    with db.reading() as s:
        beat = s.get(WorkerHeartbeat, worker.name)
    assert (beat.sweeps, beat.woken) == (2, 1)


def wait_for(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)
