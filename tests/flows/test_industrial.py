"""Industrial product production licence (State Council Order 440): every path, end to end."""
from __future__ import annotations

import pytest

from workflow.domain.identifiers import parse_xk_number
from workflow.errors import Conflict, NotFound, ValidationError
from workflow.services import cases, tasks

PLAIN = {"commitment_path": False}


def test_grant_with_inspection_and_testing(bureau):
    case = bureau.file(["industrial_license"], PLAIN)
    bureau.accept(case.id)
    bureau.reviews(case.id)
    bureau.act("inspector1", case.id, "onsite_inspection", decision="pass", team=["inspector1", "inspector2"])
    bureau.act("reviewer1", case.id, "product_testing", decision="pass", report_number="JY-1")
    bureau.act("approver", case.id, "approval", decision="approve")
    got = bureau.outcome(case.id)
    assert (got.case.status, got.case.outcome, got.outcomes) == ("completed", "granted", ["granted"])
    assert len(got.certificates) == 1 and parse_xk_number(got.certificates[0].number)["province_abbr"] == "闽"
    assert got.certificates[0].valid_until.year == got.certificates[0].issued_on.year + 5
    assert sorted(s.reason for s in got.segments) == ["inspection", "testing"]
    assert all(s.status == "closed" and s.task_id for s in got.segments)
    assert got.actions.count("complete") == 6 and got.case.on_time


def test_two_reviewers_must_be_different_people(bureau):
    case = bureau.file(["industrial_license"], PLAIN)
    bureau.accept(case.id)
    bureau.act("reviewer1", case.id, "document_review", decision="pass")
    second = bureau.task(case.id, "document_review")
    with pytest.raises(Conflict, match="second person"):
        tasks.complete(bureau.db, bureau.people["reviewer1"], second.id, {"opinion": "再审", "decision": "pass"})
    assert "claim" not in bureau.actions("reviewer1", second.id)


def test_correction_loop_then_denied_by_review(bureau):
    case = bureau.file(["industrial_license"], PLAIN)
    with pytest.raises(ValidationError) as err:
        bureau.act("window", case.id, "acceptance", decision="correct")
    assert "items" in err.value.fields
    bureau.act("window", case.id, "acceptance", decision="correct", items=["产品明细", "营业执照副本"])
    assert cases.get(bureau.db, bureau.people["applicant_a"], case.id).status == "correction"
    with pytest.raises(NotFound):
        tasks.complete(bureau.db, bureau.people["applicant_b"], bureau.task(case.id, "correction").id, {})
    bureau.act("applicant_a", case.id, "correction", note="已补齐")
    # Art. 32: the missing items are told once, all at once: no second correction notice.
    intake = bureau.task(case.id, "acceptance")
    assert bureau.actions("window", intake.id)["complete"].choices["decisions"] == ["accept", "refuse"]
    with pytest.raises(ValidationError, match="Some fields"):
        bureau.act("window", case.id, "acceptance", decision="correct", items=["再补"])
    bureau.accept(case.id)
    bureau.reviews(case.id, ("pass", "fail"))
    got = bureau.outcome(case.id)
    assert (got.case.outcome, got.certificates) == ("denied", [])
    assert [s.reason for s in got.segments] == ["correction"] and got.segments[0].status == "closed"


def test_refused_at_the_window(bureau):
    case = bureau.file(["industrial_license"], PLAIN)
    bureau.act("window", case.id, "acceptance", decision="refuse", refuse_reason="不属于本机关职权范围")
    got = bureau.outcome(case.id)
    assert (got.case.status, got.case.outcome, got.certificates) == ("completed", "refused", [])


def test_commitment_path_revoked_after_failed_post_inspection_ends_revoked(bureau):
    case = bureau.file(["industrial_license"], {"commitment_path": True})
    bureau.accept(case.id)
    bureau.reviews(case.id)
    assert len(bureau.outcome(case.id).certificates) == 1     # issued before the on-site review
    bureau.act("reviewer1", case.id, "post_inspection", decision="fail")
    decision = bureau.task(case.id, "revoke_decision")
    assert bureau.actions("approver", decision.id)["complete"].choices["decisions"] == ["revoke", "keep"]
    bureau.act("approver", case.id, "revoke_decision", decision="revoke")
    got = bureau.outcome(case.id)
    assert got.certificates[0].status == "revoked"
    assert (got.case.status, got.case.outcome, got.outcomes) == ("completed", "revoked", ["revoked"])


def test_commitment_path_kept_after_failed_post_inspection_stays_granted(bureau):
    case = bureau.file(["industrial_license"], {"commitment_path": True})
    bureau.accept(case.id)
    bureau.reviews(case.id)
    bureau.act("reviewer1", case.id, "post_inspection", decision="fail")
    bureau.act("approver", case.id, "revoke_decision", decision="keep")
    got = bureau.outcome(case.id)
    assert (got.case.outcome, got.certificates[0].status) == ("granted", "valid")


def test_new_application_decision_offers_only_approve_or_deny(bureau):
    case = bureau.file(["industrial_license"], PLAIN)
    bureau.accept(case.id)
    bureau.reviews(case.id)
    bureau.act("inspector1", case.id, "onsite_inspection", decision="fail", team=["inspector1", "inspector2"])
    approval = bureau.task(case.id, "approval")
    assert bureau.actions("approver", approval.id)["complete"].choices["decisions"] == ["approve", "deny"]
    with pytest.raises(ValidationError):
        bureau.act("approver", case.id, "approval", decision="revoke")
    assert bureau.outcome(case.id).case.status == "in_progress"


def test_rectify_loop(bureau):
    case = bureau.file(["industrial_license"], PLAIN)
    bureau.accept(case.id)
    bureau.reviews(case.id)
    bureau.act("inspector1", case.id, "onsite_inspection", decision="rectify",
               team=["inspector1", "inspector2"], rectify_days=30, findings="记录不全")
    rectification = bureau.task(case.id, "rectification")
    assert rectification.step_limit_days == 30 and rectification.due_at is not None
    assert cases.get(bureau.db, bureau.people["applicant_a"], case.id).status == "rectification"
    bureau.act("applicant_a2", case.id, "rectification", report="已整改完毕")
    bureau.act("inspector2", case.id, "onsite_inspection", decision="pass", team=["inspector1", "inspector2"])
    bureau.act("reviewer2", case.id, "product_testing", decision="fail", report_number="JY-2")
    bureau.act("approver", case.id, "approval", decision="deny")
    got = bureau.outcome(case.id)
    assert (got.case.outcome, got.certificates) == ("denied", [])
    assert {s.reason for s in got.segments} == {"inspection", "rectification", "testing"}
    assert all(s.status == "closed" for s in got.segments)


def test_inspection_team_only_from_the_departments_inspectors(bureau):
    case = bureau.file(["industrial_license"], PLAIN)
    bureau.accept(case.id)
    bureau.reviews(case.id)
    task = bureau.task(case.id, "onsite_inspection")
    offered = bureau.actions("inspector1", task.id)["complete"].choices["people"]["team"]
    assert sorted(p["username"] for p in offered) == ["inspector1", "inspector2"]
    for team in (["inspector1", "applicant_a"], ["inspector1", "nobody"], ["inspector1", "food_inspector"]):
        with pytest.raises(ValidationError) as err:
            bureau.act("inspector1", case.id, "onsite_inspection", decision="pass", team=team)
        assert "team" in err.value.fields


def test_withdraw_during_inspection_ends_every_pause(bureau):
    case = bureau.file(["industrial_license"], PLAIN)
    bureau.accept(case.id)
    bureau.reviews(case.id)
    cases.withdraw(bureau.db, bureau.people["applicant_a"], case.id, "企业调整计划")
    got = bureau.outcome(case.id)
    assert (got.case.status, got.outcomes, got.certificates) == ("withdrawn", ["withdrawn"], [])
    assert got.segments and all(s.status == "closed" for s in got.segments) and got.actions[-1] == "withdraw"
    assert not got.case.suspended
