"""BPMN step names are stored as the process gives them (Chinese); English pages show them in
English from the ``[step]`` table of webapp/labels.toml, Chinese pages the stored name, and no
stored row changes."""
from __future__ import annotations

import html
import re
from pathlib import Path

from sqlalchemy import select

from tests.web.conftest import text
from tests.web.flows import accepted_food_licence, open_tasks
from webapp.labels import LABELS
from workflow.services import tasks
from workflow.storage.models import AuditEvent, HumanTask, ProcessInstance

BPMN = Path(__file__).resolve().parents[2] / "bpmn"


def bpmn_of(page: str) -> str:
    """The BPMN the task page hands bpmn-js (its data-bpmn attribute)."""
    return html.unescape(re.search(r'data-bpmn="([^"]*)"', page).group(1))


DRAWN = ("userTask|serviceTask|callActivity|exclusiveGateway|parallelGateway|inclusiveGateway|startEvent|endEvent"
         "|intermediateCatchEvent|boundaryEvent|sequenceFlow")
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_name_a_shipped_diagram_draws_has_an_english_name():
    """Steps, gateways' questions, flows and events; pools are named by their matter's title."""
    names = {name for path in BPMN.glob("*.bpmn")
             for name in re.findall(rf'<(?:bpmn:)?(?:{DRAWN})\b[^>]*?\bname="([^"]+)"', path.read_text(encoding="utf-8"))}
    assert "审查结论？" in names and "不予受理" in names
    assert not names - set(LABELS["step"]), sorted(names - set(LABELS["step"]))


def test_english_diagrams_carry_no_chinese(db, people, login):
    case = accepted_food_licence(db, people)
    review = open_tasks(db, case.id)[0]
    c = login("food_reviewer")
    c.post("/lang/en")
    page = text(c.get(f"/tasks/{review.id}"))
    drawn = page[page.index('<div class="diagram">'):page.index("</svg>")]
    assert "Review conclusion?" in bpmn_of(page) and not CJK.findall(bpmn_of(page)), CJK.findall(bpmn_of(page))
    assert "Food production license (SC)" in drawn and not CJK.findall(drawn), CJK.findall(drawn)
    with db.reading() as s:
        version_id = s.scalar(select(ProcessInstance.process_version_id).where(ProcessInstance.case_id == case.id))
    admin = login("admin")
    admin.post("/lang/en")
    page = text(admin.get(f"/admin/processes/{version_id}"))
    drawn = page[page.index('<div class="diagram">'):page.index("</svg>")]
    lines_joined = re.sub(r"</tspan><tspan[^>]*>", " ", drawn)
    assert "Accept the filing?" in lines_joined and not CJK.findall(drawn), CJK.findall(drawn)
    admin.post("/lang/zh")
    assert "受理意见？" in text(admin.get(f"/admin/processes/{version_id}"))      # Chinese pages: as the file says


def test_step_names_in_the_page_language(db, people, login):
    case = accepted_food_licence(db, people)
    review = open_tasks(db, case.id)[0]
    assert review.title == "材料审查"
    tasks.claim(db, people["food_reviewer"], review.id)
    c = login("food_reviewer")
    assert ">材料审查</a>" in text(c.get("/inbox"))
    assert 'name="材料审查"' in bpmn_of(text(c.get(f"/tasks/{review.id}")))
    c.post("/lang/en")
    inbox = text(c.get("/inbox"))
    assert ">Document review</a>" in inbox and "材料审查" not in inbox
    page = text(c.get(f"/tasks/{review.id}"))
    assert re.search(r"<h1>Document review <small", page)
    assert "· Window acceptance" in page                                      # the history's earlier step
    assert 'name="Document review"' in bpmn_of(page) and "材料审查" not in bpmn_of(page)  # the bpmn-js diagram
    svg = page[page.index('<div class="diagram">'):]
    assert re.search(r">Document</tspan><tspan [^>]*>review</tspan>|>Document review</tspan>", svg)  # drawn fallback
    case_page = text(c.get(f"/cases/{case.id}"))
    assert ">Document review</a>" in case_page and "<span>Document review</span>" in case_page
    auditor = login("auditor")
    auditor.post("/lang/en")
    assert "· Window acceptance" in text(auditor.get(f"/audit/cases/{case.id}"))
    with db.reading() as s:                                                   # display only
        assert s.get(HumanTask, review.id).title == "材料审查"
        assert "窗口受理" in set(s.scalars(select(AuditEvent.task_title).where(AuditEvent.case_id == case.id)))


def test_a_name_the_table_lacks_is_shown_as_stored(db, people, login, app):
    from webapp.labels import step_label
    with app.test_request_context("/?lang=en"):
        from flask import session
        session["lang"] = "en"
        assert step_label("某个新步骤") == "某个新步骤" and step_label(None) == ""
        assert step_label("办结：准予许可") == "Closed: licence granted"
    with app.test_request_context("/"):
        assert step_label("材料审查（两名审查员）") == "材料审查（两名审查员）"
