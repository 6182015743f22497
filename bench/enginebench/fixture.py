"""What the engine benchmark runs on: its own matter, its people and a fresh SQLite database.

The matter ``bench`` runs ``tests/bpmn/engine_bench.bpmn`` (read as a file: the benchmark imports
nothing from ``tests``). It is registered here through the catalogue's public entries
(``forms.form`` and ``matters.MATTERS``), only in the benchmark's own process.
"""
from __future__ import annotations

from pathlib import Path

from marshmallow import fields
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.domain import forms
from workflow.domain.forms.fields import Form
from workflow.domain.matters import MATTERS, Matter
from workflow.runtime.deployment import deploy_file
from workflow.services.users import create_organisation, create_user, ensure_departments
from workflow.storage.db import Database
from workflow.storage.models import User
from workflow.storage.schema import upgrade
from workflow.timekeeping.holidays import seed_from_chinese_calendar

ROOT = Path(__file__).resolve().parents[2]
BPMN = ROOT / "tests" / "bpmn" / "engine_bench.bpmn"
PROCESS_ID = "engine_bench"
MATTER = "bench"
STEPS = ("intake", "check_a", "check_b", "decide")
# The data each step completes with; the same dicts the service layer stores after form validation.
STEP_DATA = {
    "intake": {"opinion": "同意", "decision": "done"},
    "check_a": {"opinion": "同意", "decision": "done"},
    "check_b": {"opinion": "同意", "decision": "done"},
    "decide": {"opinion": "同意", "decision": "approve"},
}
# What the caller sends to services.tasks.complete (the form fills in decision="done").
SERVICE_INPUT = {step: ({"opinion": "同意", "decision": "approve"} if step == "decide" else {"opinion": "同意"})
                 for step in STEPS}
STEP_ACTORS = {"intake": ["reviewer1", "reviewer2", "reviewer3"], "check_a": ["reviewer2", "reviewer3"],
               "check_b": ["reviewer3", "reviewer1"], "decide": ["approver"]}

PASSWORD = "bench-pass-1"
ORGANISATION = ("91350100M000100Y43", "福州甲食品有限公司")
# username, role, department: the step actors above, the inbox actors, and a few people per queue
# so that claimed tasks of the grown inbox spread over several holders.
PEOPLE = [
    ("applicant_a", "applicant", None), ("window", "window", "window"), ("window2", "window", "window"),
    ("reviewer1", "reviewer", "production"), ("reviewer2", "reviewer", "production"),
    ("reviewer3", "reviewer", "production"), ("food_reviewer", "reviewer", "food"),
    ("equip_reviewer", "reviewer", "equipment"), ("quality_reviewer", "reviewer", "quality"),
    ("inspector1", "inspector", "production"), ("inspector2", "inspector", "production"),
    ("food_inspector", "inspector", "food"), ("approver", "approver", "production"),
    ("food_approver", "approver", "food"), ("equip_approver", "approver", "equipment"),
    ("quality_approver", "approver", "quality"),
]


class BenchApplication(Form):
    """The matter's application: two optional fields, so filing costs no validation to speak of."""
    title = fields.String(load_default="测试件")
    company = fields.String(load_default="测试企业")


def register_matter() -> None:
    """The benchmark's matter and application form (a run of tests never sees them)."""
    if "bench_application" not in forms.FORMS:
        forms.form("bench_application")(BenchApplication)
    MATTERS.setdefault(MATTER, Matter(MATTER, "引擎测试事项", "Engine test matter", "production", PROCESS_ID,
                                      "bench_application", statutory_days=20, committed_days=15))


def create_people(session: Session) -> None:
    ensure_departments(session)
    org = create_organisation(session, *ORGANISATION)
    for username, role, department in PEOPLE:
        create_user(session, username, PASSWORD, role, username, department=department,
                    organisation_id=org.id if role == "applicant" else None)


def build_database(path: Path) -> Database:
    """Migrations, the holiday calendar, the benchmark's process and people (as tests' template is built)."""
    register_matter()
    db = Database(f"sqlite:///{path}")
    upgrade(db)
    with db.transaction() as session:
        seed_from_chinese_calendar(session)
        deploy_file(session, BPMN)
        create_people(session)
    return db


def load_people(db: Database) -> dict[str, User]:
    with db.reading() as session:
        return {u.username: u for u in session.scalars(select(User))}
