"""A timer sweep's failure is recorded on the instance, listed for the administrator and retried."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import TEST_BPMN
from tests.test_engine_timers import make_timers_due, reach_decision
from workflow.domain.operations import finish
from workflow.errors import Forbidden, NotFound
from workflow.runtime.deployment import deploy_xml
from workflow.runtime.operations import operation
from workflow.services import failures, timers
from workflow.storage.models import AuditEvent, ProcessInstance

BROKEN = {"on": True}


@operation("flaky_finish")
def flaky_finish(call):
    """``finish``, except while the registry it would write to is "down"."""
    if BROKEN["on"]:
        raise RuntimeError("registry service unavailable")
    return finish(call)


def deploy_flaky(db) -> None:
    """engine_bench whose timeout path calls ``flaky_finish``, deployed as the version new cases get."""
    xml = (TEST_BPMN / "engine_bench.bpmn").read_text(encoding="utf-8")
    xml = xml.replace('serviceTaskOperator id="finish" resultVariable="finished">\n          '
                      '<spiffworkflow:parameters>\n            <spiffworkflow:parameter id="outcome" type="str" '
                      'value="\'expired\'"', 'serviceTaskOperator id="flaky_finish" resultVariable="finished">\n'
                      '          <spiffworkflow:parameters>\n            <spiffworkflow:parameter id="outcome" '
                      'type="str" value="\'expired\'"')
    assert "flaky_finish" in xml
    with db.transaction() as session:
        deploy_xml(session, xml.encode("utf-8"), "engine_bench.bpmn", "admin")


@pytest.fixture
def flaky(db):
    """The flaky version deployed and its registry "down" for the test."""
    deploy_flaky(db)
    BROKEN["on"] = True
    yield BROKEN
    BROKEN["on"] = False


def instance_row(db, case_id) -> ProcessInstance:
    with db.reading() as s:
        return s.scalars(select(ProcessInstance).where(ProcessInstance.case_id == case_id)).one()


def test_a_failing_service_task_is_listed_and_retried(db, people, flaky):
    case = reach_decision(db, people)
    make_timers_due(db, case.id)
    assert timers.run_due(db) == 0
    before = instance_row(db, case.id)
    assert before.status == "running" and "registry service unavailable" in before.error

    listed = failures.failed_instances(db, people["admin"])
    assert listed.total == 1
    item = listed.items[0]
    assert (item.case_number, item.process_id, item.version) == (case.number, "engine_bench", 2)
    assert item.error == "RuntimeError: registry service unavailable"

    again = failures.retry(db, people["admin"], item.instance_id)     # still down: still listed
    assert again.error == item.error and again.failed_at >= item.failed_at
    assert instance_row(db, case.id).version == before.version

    flaky["on"] = False
    assert failures.retry(db, people["admin"], item.instance_id) is None
    after = instance_row(db, case.id)
    assert (after.status, after.outcome, after.error, after.failed_at) == ("completed", "expired", None, None)
    assert failures.failed_instances(db, people["admin"]).total == 0
    with db.reading() as s:
        timer_event = s.scalars(select(AuditEvent).where(AuditEvent.action == "timer")).one()
    assert timer_event.actor_id == people["admin"].id
    with pytest.raises(NotFound):
        failures.retry(db, people["admin"], item.instance_id)


def test_only_an_administrator_sees_and_retries_failures(db, people):
    for name in ("supervisor", "reviewer1", "applicant_a"):
        with pytest.raises(Forbidden):
            failures.failed_instances(db, people[name])
        with pytest.raises(Forbidden):
            failures.retry(db, people[name], 1)


def test_a_failing_instance_does_not_hold_back_the_rest_of_its_batch(db, people):
    healthy = [reach_decision(db, people) for _ in range(3)]
    deploy_flaky(db)
    broken = reach_decision(db, people)
    for case in (healthy[0], healthy[1], broken, healthy[2]):     # the broken one mid-batch, by due time
        make_timers_due(db, case.id)
    BROKEN["on"] = True
    try:
        assert timers.run_due(db, batch=10) == 3
        assert [instance_row(db, case.id).outcome for case in healthy] == ["expired"] * 3
        row = instance_row(db, broken.id)
        assert row.status == "running" and row.error == "RuntimeError: registry service unavailable"
        assert timers.run_due(db, batch=10) == 0        # retried alone at the next sweep, still failing
        BROKEN["on"] = False
        assert timers.run_due(db, batch=10) == 1
    finally:
        BROKEN["on"] = False
    assert (instance_row(db, broken.id).outcome, instance_row(db, broken.id).error) == ("expired", None)
    with db.reading() as s:
        fired = s.scalars(select(AuditEvent.case_id).where(AuditEvent.action == "timer")).all()
    assert sorted(fired) == sorted(case.id for case in (*healthy, broken))
