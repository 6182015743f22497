"""好差评 as GB/T 39734-2020 has it: one rating per matter, a comment below 基本满意, and every bad
rating answered by the supervisor (差评整改), the answer reaching the applicant."""
from __future__ import annotations

from datetime import date

import pytest

from tests.flows.test_joint import finish_food, food_and_boiler
from workflow.errors import Conflict, Forbidden, ValidationError
from workflow.services import case_view, cases, dispatch, reports


@pytest.fixture
def joint(bureau):
    case = food_and_boiler(bureau)
    bureau.act("equip_reviewer", case.id, "document_review", decision="pass")
    finish_food(bureau, case)
    return case


def offered(bureau, who, case_id) -> dict:
    return {a.op: a.choices for a in case_view.case_view(bureau.db, bureau.people[who], case_id).actions}


def test_each_matter_of_a_joint_filing_is_rated_once(bureau, joint):
    applicant = bureau.people["applicant_a"]
    assert offered(bureau, "applicant_a", joint.id)["rating"]["matters"] == ["food_license", "equipment_registration"]
    with pytest.raises(ValidationError) as which:
        cases.rate(bureau.db, applicant, joint.id, 5)
    assert list(which.value.fields) == ["matter"]
    cases.rate(bureau.db, applicant, joint.id, 5, matter="food_license")
    assert offered(bureau, "applicant_a", joint.id)["rating"]["matters"] == ["equipment_registration"]
    with pytest.raises(ValidationError):
        cases.rate(bureau.db, applicant, joint.id, 5, matter="food_license")
    cases.rate(bureau.db, applicant, joint.id, 4)        # the one left
    assert "rating" not in offered(bureau, "applicant_a", joint.id)
    with pytest.raises(Conflict):
        cases.rate(bureau.db, applicant, joint.id, 4, matter="equipment_registration")


def test_a_bad_rating_needs_a_comment_and_an_answer_that_reaches_the_applicant(bureau, joint):
    applicant, supervisor = bureau.people["applicant_a"], bureau.people["supervisor"]
    with pytest.raises(ValidationError) as bad:
        cases.rate(bureau.db, applicant, joint.id, 2, "  ", matter="food_license")
    assert list(bad.value.fields) == ["comment"]
    rating = cases.rate(bureau.db, applicant, joint.id, 1, "现场核查时间一再推迟", matter="food_license")
    cases.rate(bureau.db, applicant, joint.id, 5, matter="equipment_registration")
    day = date(2026, 3, 2)
    board = reports.dashboard(bureau.db, supervisor, day, day)
    assert (board.total.bad, board.total.rectified, board.total.rectification_rate) == (1, 0, 0.0)
    assert [r.id for r, _n in board.unanswered] == [rating.id]
    assert offered(bureau, "supervisor", joint.id)["rating_reply"] == {"ratings": [rating.id]}
    with pytest.raises(Forbidden):
        cases.reply_to_rating(bureau.db, bureau.people["food_approver"], joint.id, rating.id, "已整改")
    with pytest.raises(ValidationError):
        cases.reply_to_rating(bureau.db, supervisor, joint.id, rating.id, " ")
    dispatch.run_case_op(bureau.db, supervisor, joint.id, "rating_reply",
                         {"rating_id": rating.id, "reply": "已约谈核查组，今后提前一日告知企业"})
    seen = case_view.case_view(bureau.db, applicant, joint.id)
    assert any("今后提前一日告知企业" in n.message for n in seen.notices)
    assert any(e.action == "rating_reply" and "提前一日" in (e.text or "") for e in seen.history)
    assert [r.reply for r in seen.ratings if r.id == rating.id] == ["已约谈核查组，今后提前一日告知企业"]
    board = reports.dashboard(bureau.db, supervisor, day, day)
    assert board.total.rectification_rate == 1.0 and board.unanswered == []
    with pytest.raises(Conflict):
        cases.reply_to_rating(bureau.db, supervisor, joint.id, rating.id, "再次答复")
