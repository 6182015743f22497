"""Test scaffolding: seeded people, the projection invariant, a test-only matter."""
from __future__ import annotations

import io

from marshmallow import fields
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.domain import forms
from workflow.domain.forms.fields import Form
from workflow.domain.matters import MATTERS, Matter
from workflow.runtime.projection import ready_manual_tasks
from workflow.runtime.spiff_runtime import SafeScriptEngine, load_spec, restore_workflow
from workflow.services.users import create_organisation, create_user, ensure_departments
from workflow.storage.db import Database
from workflow.storage.models import AwardRound, HumanTask, ProcessInstance, ProcessVersion, User
from workflow.timekeeping.holidays import seed_from_chinese_calendar

PASSWORD = "secret-pass-1"
ORG_A = ("91350100M000100Y43", "福州甲食品有限公司")
ORG_B = ("91440300MA5G000046", "深圳乙机械有限公司")

# username, role, department, organisation index
PEOPLE = [
    ("applicant_a", "applicant", None, 0), ("applicant_a2", "applicant", None, 0),
    ("applicant_b", "applicant", None, 1),
    ("window", "window", "window", None), ("window2", "window", "window", None),
    ("reviewer1", "reviewer", "production", None), ("reviewer2", "reviewer", "production", None),
    ("reviewer3", "reviewer", "production", None),
    ("food_reviewer", "reviewer", "food", None), ("equip_reviewer", "reviewer", "equipment", None),
    ("quality_reviewer", "reviewer", "quality", None),
    ("inspector1", "inspector", "production", None), ("inspector2", "inspector", "production", None),
    ("food_inspector", "inspector", "food", None), ("food_inspector2", "inspector", "food", None),
    ("approver", "approver", "production", None), ("food_approver", "approver", "food", None),
    ("equip_approver", "approver", "equipment", None), ("quality_approver", "approver", "quality", None),
    ("quality_approver2", "approver", "quality", None), ("quality_approver3", "approver", "quality", None),
    ("expert1", "expert", None, None), ("expert2", "expert", None, None), ("expert3", "expert", None, None),
    ("expert4", "expert", None, None), ("expert5", "expert", None, None),
    ("supervisor", "supervisor", None, None), ("auditor", "auditor", None, None), ("admin", "admin", None, None),
]


class BenchApplication(Form):
    title = fields.String(load_default="测试件")
    company = fields.String(load_default="测试企业")


forms.FORMS.setdefault("bench_application", BenchApplication)
MATTERS.setdefault("bench", Matter(
    "bench", "引擎测试事项", "Engine test matter", "production", "engine_bench", "bench_application",
    statutory_days=20, committed_days=15,
))


def pdf_text(data: bytes) -> str:
    """The text a PDF document prints, page after page."""
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def seed_calendar(session: Session) -> None:
    seed_from_chinese_calendar(session)


def create_people(session: Session) -> None:
    ensure_departments(session)
    orgs = [create_organisation(session, code, name) for code, name in (ORG_A, ORG_B)]
    for username, role, department, org in PEOPLE:
        create_user(session, username, PASSWORD, role, username, department=department,
                    organisation_id=orgs[org].id if org is not None else None)
    session.add(AwardRound(code="2026", title="2026年度市长质量奖", quota=5, status="open"))


def load_people(db: Database) -> dict[str, User]:
    with db.reading() as session:
        return {u.username: u for u in session.scalars(select(User))}


def assert_projection_matches(db: Database) -> None:
    """For every instance: open projection rows == READY manual tasks of the stored workflow."""
    with db.reading() as session:
        for row in session.scalars(select(ProcessInstance)):
            spec, subs = load_spec(str(session.bind.url), row.process_version_id, lambda: session.scalar(
                select(ProcessVersion.spec_json).where(ProcessVersion.id == row.process_version_id)))
            workflow = restore_workflow(row.state, spec, subs, SafeScriptEngine())
            expected = set(ready_manual_tasks(workflow))
            projected = set(session.scalars(select(HumanTask.spiff_task_id).where(
                HumanTask.instance_id == row.id, HumanTask.state == "open")))
            assert projected == expected, f"instance {row.id}: projection {projected} != engine {expected}"


def open_tasks(db: Database, case_id: int, bpmn_id: str | None = None) -> list[HumanTask]:
    """A case's open tasks (optionally of one BPMN step), oldest first."""
    with db.reading() as session:
        query = select(HumanTask).where(HumanTask.case_id == case_id, HumanTask.state == "open")
        if bpmn_id:
            query = query.where(HumanTask.bpmn_id == bpmn_id)
        return list(session.scalars(query.order_by(HumanTask.id)))
