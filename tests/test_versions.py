"""Moving running instances between deployed versions of a process (issue 12)."""
from __future__ import annotations

import re

import pytest
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import select

from tests.conftest import TEST_BPMN
from tests.helpers import open_tasks
from workflow.errors import Forbidden, ValidationError
from workflow.runtime.deployment import deploy_xml
from workflow.services import cases, tasks, versions
from workflow.storage.models import AuditEvent, Case, ProcessInstance, ProcessVersion
from workflow.storage.schema import alembic_config


def deploy_renamed(db, renames: dict[str, str]) -> int:
    """engine_bench with some step ids renamed, deployed as its next version; returns the version number."""
    xml = (TEST_BPMN / "engine_bench.bpmn").read_text(encoding="utf-8")
    for old, new in renames.items():
        xml = re.sub(rf"\b{old}\b", new, xml)
    with db.transaction() as session:
        return deploy_xml(session, xml.encode("utf-8"), "engine_bench.bpmn", "admin").version


def at_checks(db, people):
    """A case whose instance waits at check_a and check_b (intake done)."""
    case = cases.submit(db, people["applicant_a"], ["bench"], {})
    tasks.complete(db, people["reviewer1"], open_tasks(db, case.id, "intake")[0].id, {"opinion": "同意"})
    return case


def instance(db, case_id) -> tuple[ProcessInstance, int]:
    with db.reading() as s:
        row = s.scalars(select(ProcessInstance).where(ProcessInstance.case_id == case_id)).one()
        return row, s.get(ProcessVersion, row.process_version_id).version


def test_a_renamed_step_needs_the_plan_to_map_it(db, people):
    case = at_checks(db, people)
    target = deploy_renamed(db, {"check_a": "check_x"})
    refused = versions.dry_run(db, people["admin"], versions.Plan("engine_bench", 1, target))
    assert refused.movable == []
    assert [c.case_number for c in refused.refused] == [case.number]
    assert refused.refused[0].steps == ["check_a", "check_b"]
    assert refused.refused[0].problems == ["current step 'check_a' is not in the target version"]
    assert instance(db, case.id)[1] == 1            # a dry run changes nothing

    plan = versions.Plan("engine_bench", 1, target, {"check_a": "check_x"})
    assert [c.instance_id for c in versions.dry_run(db, people["admin"], plan).movable] == [
        instance(db, case.id)[0].id]
    done = versions.migrate(db, people["admin"], plan)
    assert [c.steps for c in done.movable] == [["check_b", "check_x"]] and done.refused == []
    row, number = instance(db, case.id)
    assert number == target and row.version == 3
    assert {t.bpmn_id for t in open_tasks(db, case.id)} == {"check_x", "check_b"}
    with db.reading() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "version_migrated")).one()
    assert (event.case_id, event.data["from"], event.data["to"]) == (case.id, 1, target)

    for step, actor in (("check_x", "reviewer2"), ("check_b", "reviewer3")):
        tasks.complete(db, people[actor], open_tasks(db, case.id, step)[0].id, {"opinion": "同意"})
    tasks.complete(db, people["approver"], open_tasks(db, case.id, "decide")[0].id,
                   {"opinion": "同意", "decision": "approve"})
    with db.reading() as s:
        assert s.get(Case, case.id).status == "completed"


def test_an_instance_at_a_step_the_target_lacks_stays_and_says_why(db, people):
    moving, staying = at_checks(db, people), at_checks(db, people)
    for step, actor in (("check_a", "reviewer2"), ("check_b", "reviewer3")):
        tasks.complete(db, people[actor], open_tasks(db, staying.id, step)[0].id, {"opinion": "同意"})
    target = deploy_renamed(db, {"decide": "sign_off"})    # only cases past the checks are at 'decide'
    done = versions.migrate(db, people["admin"], versions.Plan("engine_bench", 1, target))
    assert [c.case_id for c in done.movable] == [moving.id], done.refused
    assert [(c.case_id, c.problems) for c in done.refused] == [
        (staying.id, ["current step 'decide' is not in the target version"])]
    assert instance(db, staying.id)[1] == 1 and instance(db, moving.id)[1] == target
    # the moved case follows the target: its decision step is now 'sign_off'
    for step, actor in (("check_a", "reviewer2"), ("check_b", "reviewer3")):
        tasks.complete(db, people[actor], open_tasks(db, moving.id, step)[0].id, {"opinion": "同意"})
    assert [t.bpmn_id for t in open_tasks(db, moving.id)] == ["sign_off"]


def test_a_bad_plan_is_refused_field_by_field(db, people):
    admin = people["admin"]
    with pytest.raises(ValidationError) as err:
        versions.dry_run(db, admin, versions.Plan("engine_bench", 1, 9))
    assert set(err.value.fields) == {"to"}
    target = deploy_renamed(db, {"check_a": "check_x"})
    with pytest.raises(ValidationError) as err:
        versions.dry_run(db, admin, versions.Plan("engine_bench", 1, target, {"check_a": "nowhere", "gone": "x"}))
    assert set(err.value.fields) == {"mapping.check_a", "mapping.gone"}
    with pytest.raises(ValidationError):
        versions.dry_run(db, admin, versions.Plan("engine_bench", 1, 1))


def test_only_an_administrator_moves_instances(db, people):
    target = deploy_renamed(db, {"check_a": "check_x"})
    for name in ("supervisor", "reviewer1", "applicant_a"):
        with pytest.raises(Forbidden):
            versions.migrate(db, people[name], versions.Plan("engine_bench", 1, target))


def test_upgrade_reaches_the_newest_migration(db):
    head = ScriptDirectory.from_config(alembic_config(db)).get_current_head()
    with db.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == head


def test_mapping_lines_are_parsed_or_refused():
    assert versions.parse_mapping(["check_a=check_x", " decide = sign_off ", ""]) == {
        "check_a": "check_x", "decide": "sign_off"}
    with pytest.raises(ValidationError) as err:
        versions.parse_mapping(["check_a", "=x"])
    assert list(err.value.fields) == ["mapping"]
