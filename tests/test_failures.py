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


@pytest.fixture
def flaky(db):
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
