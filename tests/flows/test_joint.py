"""Joint filings (联批联办, Art. 26): one intake, parallel matters, one outcome, one delivery."""
from __future__ import annotations

from workflow.services import case_view


def food_and_boiler(bureau, green=False):
    case = bureau.file(["food_license", "equipment_registration"], green=green)
    assert len(bureau.open_steps(case.id)) == 2
    bureau.accept(case.id, green_channel=green) if green else bureau.accept(case.id)
    return case


def finish_food(bureau, case, inspection="pass", decision="approve"):
    bureau.act("food_reviewer", case.id, "document_review", decision="pass")
    bureau.act("food_inspector", case.id, "onsite_inspection", decision=inspection,
               team=["food_inspector", "food_inspector2"])
    bureau.act("food_approver", case.id, "approval", decision=decision)


def test_food_granted_and_boiler_registered_is_a_grant(bureau):
    case = food_and_boiler(bureau)
    assert sorted(bureau.open_steps(case.id)) == ["document_review", "document_review"]
    bureau.act("equip_reviewer", case.id, "document_review", decision="pass")
    finish_food(bureau, case)
    got = bureau.outcome(case.id)
    assert (got.case.status, sorted(got.outcomes), got.case.outcome) == ("completed", ["granted", "registered"],
                                                                        "granted")
    scopes = {c.matter_code: c.scope for c in got.certificates}     # each covers its own matter's fields
    assert scopes == {"food_license": "绿茶、乌龙茶", "equipment_registration": "福州市鼓楼区某大厦"}


def test_one_matter_denied_is_partly_granted(bureau):
    case = food_and_boiler(bureau)
    bureau.act("equip_reviewer", case.id, "document_review", decision="pass")
    finish_food(bureau, case, inspection="fail", decision="deny")
    got = bureau.outcome(case.id)
    assert got.case.outcome == "partly_granted"
    assert [c.matter_code for c in got.certificates] == ["equipment_registration"]


def test_the_limit_is_the_longest_matter_not_the_sum(bureau):
    case = food_and_boiler(bureau)
    got = bureau.outcome(case.id)
    assert got.case.limit_days == 10      # food 10, registration 5, in parallel: 10 (≤ 45, Art. 26)


def test_the_green_channel_shortens_a_joint_filing_too(bureau):
    case = food_and_boiler(bureau, green=True)
    got = bureau.outcome(case.id)
    assert got.case.green_channel and got.case.limit_days == 7    # food 7, registration 2 on the green channel


def test_each_intake_row_says_which_matter_it_is(bureau):
    case = food_and_boiler(bureau)
    seen = case_view.case_view(bureau.db, bureau.people["supervisor"], case.id)
    intake = [e for e in seen.history if e.action == "complete"]
    assert sorted(e.data["matter"] for e in intake) == ["equipment_registration", "food_license"]


def test_certificates_reach_the_applicant_together_when_the_case_is_done(bureau):
    case = food_and_boiler(bureau)
    bureau.act("equip_reviewer", case.id, "document_review", decision="pass")
    applicant, staff = bureau.people["applicant_a"], bureau.people["window"]
    assert len(case_view.case_view(bureau.db, staff, case.id).certificates) == 1
    assert case_view.case_view(bureau.db, applicant, case.id).certificates == []      # 统一送达
    finish_food(bureau, case)
    assert len(case_view.case_view(bureau.db, applicant, case.id).certificates) == 2


def test_one_correction_for_the_whole_filing(bureau):
    case = bureau.file(["food_license", "equipment_registration"])
    bureau.act("window", case.id, "acceptance", decision="correct", items=["营业执照副本"])
    assert sorted(bureau.open_steps(case.id)) == ["correction", "correction"]
    bureau.act("applicant_a", case.id, "correction", note="已补")
    assert sorted(bureau.open_steps(case.id)) == ["acceptance", "acceptance"]


def test_the_joint_intake_offers_only_what_every_matter_accepts(bureau):
    case = bureau.file(["food_license", "equipment_registration"])
    from tests.helpers import open_tasks
    for task in open_tasks(bureau.db, case.id, "acceptance"):
        offered = bureau.actions("window", task.id)["complete"].choices["decisions"]
        assert offered == ["accept", "correct", "refuse"]        # no "register at the counter" for the food licence
