"""The quality award's pages: the administrator opens each year's round (without an open round every
nomination is refused, and only the demo data used to create one), and the section's reviewer hands
an expert's scoring on to another expert."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.flows.driver import Bureau
from tests.flows.test_award import EXPERTS
from tests.helpers import open_tasks
from tests.web.conftest import text
from workflow.errors import Forbidden, ValidationError
from workflow.services import awards
from workflow.storage.models import AuditEvent, AwardRound, HumanTask


def rounds(db) -> dict[str, AwardRound]:
    with db.reading() as s:
        return {r.code: r for r in s.scalars(select(AwardRound))}


def events(db, action: str) -> int:
    with db.reading() as s:
        return s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


def test_the_admin_opens_a_round_and_nominations_may_name_it(db, login):
    admin = login("admin")
    page = text(admin.get("/admin/rounds"))
    assert "评选批次" in page and "2026年度市长质量奖" in page and "正在申报" in page
    bad = admin.post("/admin/rounds", data={"code": "2027 年", "title": "", "quota": "五"})
    body = text(bad)
    assert bad.status_code == 422 and "1 至 20 位字母、数字或连字符" in body and "必须大于等于 1" in body
    assert 'value="2027 年"' in body and set(rounds(db)) == {"2026"} and events(db, "round_opened") == 0
    ok = admin.post("/admin/rounds", data={"code": "2027", "title": "2027年度市长质量奖", "quota": "3"})
    assert ok.status_code == 302 and rounds(db)["2027"].quota == 3 and rounds(db)["2027"].status == "open"
    assert events(db, "round_opened") == 1
    assert "评选批次 2027 已开启" in text(admin.get("/admin/rounds"))
    again = admin.post("/admin/rounds", data={"code": "2027", "title": "重复", "quota": "3"})
    assert again.status_code == 422 and "该编号的评选批次已存在" in text(again)
    assert rounds(db)["2027"].title == "2027年度市长质量奖" and events(db, "round_opened") == 1
    form = text(login("applicant_a").get("/my/cases/new?matters=quality_award"))
    assert '<option value="2027"' in form and '<option value="2026"' in form


def test_only_the_admin_opens_rounds(db, people, login):
    assert login("quality_reviewer").get("/admin/rounds").status_code == 403
    assert login("applicant_a").post("/admin/rounds", data={"code": "X", "title": "X", "quota": "1"}).status_code == 403
    with pytest.raises(Forbidden):
        awards.open_round(db, people["supervisor"], "2028", "x", 1)
    with pytest.raises(ValidationError) as refused:
        awards.open_round(db, people["admin"], "2028", "x" * 201, 0)
    assert set(refused.value.fields) == {"title", "quota"} and "2028" not in rounds(db)


def test_the_rounds_page_in_english(login):
    admin = login("admin")
    admin.post("/lang/en")
    page = text(admin.get("/admin/rounds"))
    assert "Award rounds" in page and "Open for nominations" in page and "评选批次" not in page


def test_the_quality_reviewer_hands_a_scoring_step_on_from_its_page(db, people, login, clock):
    """An expert's scoring assigned in person: the section's reviewer hands it to an expert not on the
    panel from the task page (tests/flows/test_award.py has the rule's refusals)."""
    bureau = Bureau(db, people, clock)
    case = bureau.file(["quality_award"])
    bureau.act("window", case.id, "eligibility_check", decision="eligible")
    bureau.act("quality_reviewer", case.id, "recommendation", decision="recommend", experts=EXPERTS[:3])
    stuck = bureau.task(case.id, "expert_scoring", "expert1")
    reviewer = login("quality_reviewer")
    page = text(reviewer.get(f"/tasks/{stuck.id}"))
    assert 'id="op-transfer"' in page and f'value="{people["expert4"].id}"' in page
    assert f'value="{people["expert2"].id}"' not in page.split('id="op-transfer"')[1].split("</details>")[0]
    moved = reviewer.post(f"/tasks/{stuck.id}/transfer", data={"to_user_id": people["expert4"].id, "opinion": "出差"})
    assert moved.status_code == 302
    with db.reading() as s:
        assert s.get(HumanTask, stuck.id).assignee_id == people["expert4"].id
    assert login("expert4").get(f"/tasks/{stuck.id}").status_code == 200
    assert len(open_tasks(db, case.id, "expert_scoring")) == 3
