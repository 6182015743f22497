"""Administration services: only admins, every change audited."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from workflow.errors import Forbidden, ValidationError
from workflow.services import accounts, admin
from workflow.storage.models import AuditEvent, User

BENCH = Path(__file__).parent / "bpmn" / "engine_bench.bpmn"


def test_create_account_is_admin_only_and_audited(db, people):
    with pytest.raises(Forbidden):
        admin.create_account(db, people["supervisor"], "newbie", "long-enough-1", "reviewer", "新人", "food")
    with pytest.raises(ValidationError) as err:
        admin.create_account(db, people["admin"], "x", "short", "wizard", "")
    assert {"username", "password", "role"} <= set(err.value.fields)
    user = admin.create_account(db, people["admin"], "newbie", "long-enough-1", "reviewer", "新人", "food")
    with db.reading() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "user_created")).one()
        assert s.get(User, user.id).department_code == "food"
    assert event.actor_id == people["admin"].id and event.data["username"] == "newbie"


def test_deploy_is_admin_only_audited_and_a_no_op_when_unchanged(db, people):
    xml = BENCH.read_bytes()
    with pytest.raises(Forbidden):
        admin.deploy(db, people["reviewer1"], xml, "engine_bench.bpmn")
    with pytest.raises(ValidationError):
        admin.deploy(db, people["admin"], b"\xff\xfe not utf-8", "x.bpmn")
    assert not admin.deploy(db, people["admin"], xml, "engine_bench.bpmn").created
    changed = admin.deploy(db, people["admin"], xml.replace("核查甲".encode(), "核查一".encode()), "engine_bench.bpmn")
    assert (changed.created, changed.version) == (True, 2)
    with db.reading() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "deploy")).all()
    assert [e.data["version"] for e in events] == [2]


def test_a_reviewer_inspector_or_approver_works_for_a_section(db, people):
    """The admin's form created a reviewer with no section (or an approver of the window): an account
    that could open no case and work no step, saved without a word."""
    for role, department in (("reviewer", None), ("inspector", "window"), ("approver", "")):
        with pytest.raises(ValidationError) as err:
            admin.create_account(db, people["admin"], f"x_{role}", "long-enough-1", role, "新人", department or None)
        assert set(err.value.fields) == {"department"}, role
    with pytest.raises(ValidationError) as err:
        accounts.update_account(db, people["admin"], people["reviewer1"].id, "reviewer1", None, None, None)
    assert set(err.value.fields) == {"department"}
    admin.create_account(db, people["admin"], "x_expert", "long-enough-1", "expert", "专家", None)
    accounts.update_account(db, people["admin"], people["window"].id, "window", None, None, None)
