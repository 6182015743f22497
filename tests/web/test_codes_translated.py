"""The Chinese pages name every code and leave no English behind: choices, reference codes,
process versions, instance states, file fields in errors, the audit's recorded data."""
from __future__ import annotations

import io
import re

from sqlalchemy import select

from tests.web.conftest import text
from tests.web.flows import accepted_food_licence, application, form_payload, granted_food_licence, open_tasks
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


def test_a_file_error_names_the_material(db, people, login):
    c = login("applicant_a")
    payload = {"matters": ["food_license"], **form_payload(application("food_license")),
               "file:business_license": (io.BytesIO(b"not a pdf at all"), "licence.exe")}
    page = text(c.post("/my/cases/new", data=payload, content_type="multipart/form-data"))
    assert "<li>file:business_license" not in page and "<li>营业执照副本：" in page
