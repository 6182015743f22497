"""The Chinese pages name every code and leave no English behind: choices, reference codes,
process versions, instance states, file fields in errors, the audit's recorded data."""
from __future__ import annotations

import io
import re
from pathlib import Path

from sqlalchemy import select

from tests.web.conftest import text
from tests.web.flows import accepted_food_licence, application, form_payload, granted_food_licence, open_tasks
from webapp.labels import LABELS
from workflow.services import cases
from workflow.storage.models import ProcessInstance


def test_application_codes_by_name(db, people, login):
    food = accepted_food_licence(db, people)
    page = text(login("food_reviewer").get(f"/tasks/{open_tasks(db, food.id)[0].id}"))
    assert re.search(r"许可类别</dt><dd>食品<", page) and re.search(r"食品类别（2位）</dt><dd>\S+ \(\d\d\)<", page)
    lift = cases.submit(db, people["applicant_a"], ["equipment_registration"], application("equipment_registration"))
    page = text(login("window").get(f"/tasks/{open_tasks(db, lift.id)[0].id}"))
    assert "电梯 (3000)" in page and "<dd>3000</dd>" not in page


def test_audit_form_data_is_a_table_with_chinese_labels(db, people, login):
    case = granted_food_licence(db, people)
    page = text(login("auditor").get(f"/audit/cases/{case.id}"))
    assert 'class="list form-data"' in page and "<pre>" not in page and "\\u" not in page
    assert "核查组" in page or "事项" in page
    for english_key in ("matters", "green_channel", "team", "decision"):
        assert f">{english_key}<" not in page, english_key


def test_process_pages_name_the_process_and_version(db, people, login):
    case = granted_food_licence(db, people)
    with db.reading() as s:
        version_id = s.scalars(select(ProcessInstance.process_version_id)
                               .where(ProcessInstance.case_id == case.id)).first()
    admin = login("admin")
    page = text(admin.get(f"/admin/processes/{version_id}"))
    assert "食品生产许可" in page and "第 1 版" in page and "· completed" not in page and "已办结" in page
    assert "第 1 版" in text(admin.get("/admin/processes"))


def test_a_file_error_names_the_material_and_comes_with_the_form_errors(db, people, login):
    c = login("applicant_a")
    payload = {"matters": ["food_license"], **form_payload(application("food_license", phone="12345")),
               "file:business_license": (io.BytesIO(b"not a pdf at all"), "licence.exe")}
    page = text(c.post("/my/cases/new", data=payload, content_type="multipart/form-data"))
    assert "<li>file:business_license" not in page and "<li>营业执照副本：" in page
    assert "<li>联系电话：" in page                          # every error at once, not the file's first


def test_every_field_a_page_shows_errors_for_has_a_chinese_label(db, people, login):
    """The error summary named fields by their code ("email：…", "current_password：…")."""
    templates = Path(__file__).resolve().parents[2] / "webapp" / "templates"
    named = {m for t in templates.rglob("*.html") for m in re.findall(r"field_errors\(errors, '([a-z_]+)'\)", t.read_text())}
    assert named and not named - LABELS["field"].keys()
    c = login("applicant_a")
    page = text(c.post("/account/password", data={"current_password": "wrong-one", "new_password": "x"}))
    assert "当前密码：" in page and "current_password：" not in page
    page = text(login("admin").post(f"/admin/users/{people['applicant_a'].id}",
                                    data={"display_name": "林经办", "email": "not-an-address"}))
    assert "电子邮箱（接收通知）：" in page



def test_every_recorded_audit_action_has_a_label():
    """The timeline showed "rating_reply" (the supervisor's answer to a bad rating) to the applicant;
    the audit search listed "office_settings" and "version_migrated" as codes."""
    root = Path(__file__).resolve().parents[2] / "workflow"
    recorded = set()
    for source in root.rglob("*.py"):
        body = source.read_text(encoding="utf-8")
        recorded |= set(re.findall(r'\brecord\(\s*[\w.]+,\s*"([a-z_]+)"', body))
        recorded |= set(re.findall(r'\baction="([a-z_]+)"', body))
    recorded -= {"append", "store_true"}                         # argparse's action= in the CLI
    assert {"rating_reply", "claim", "round_closed"} <= recorded
    assert sorted(recorded - LABELS["action"].keys()) == []
