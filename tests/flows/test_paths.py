"""The paths off the happy one: recall, return, signers, transfer, delegation, the clock, what the
applicant is told. Each test replays a defect found by walking the bureau as its users do."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from workflow.errors import Conflict, ValidationError
from workflow.services import case_view, cases, clock, handover, tasks
from workflow.storage.models import HumanTask

PLAIN = {"commitment_path": False}


def reviewed(bureau):
    case = bureau.file(["industrial_license"], PLAIN)
    bureau.accept(case.id)
    bureau.reviews(case.id)
    return case


def open_pauses(bureau, case_id):
    return [s for s in bureau.outcome(case_id).segments if s.kind == "suspension" and s.status == "open"]


def test_recall_after_a_passed_review_ends_the_inspection_pause(bureau):
    case = bureau.file(["industrial_license"], PLAIN)
    bureau.accept(case.id)
    bureau.act("reviewer1", case.id, "document_review", decision="pass")
    done = bureau.act("reviewer2", case.id, "document_review", decision="pass")
    assert [s.reason for s in open_pauses(bureau, case.id)] == ["inspection"]
    assert "recall" not in bureau.actions("reviewer2", done.id)      # one of a two-person step
    # the approver's decision step: recall by the inspector who passed the inspection
    passed = bureau.act("inspector1", case.id, "onsite_inspection", decision="pass", team=["inspector1", "inspector2"])
    assert [s.reason for s in open_pauses(bureau, case.id)] == ["testing"]
    tasks.recall(bureau.db, bureau.people["inspector1"], passed.id)
    assert bureau.open_steps(case.id) == ["onsite_inspection"]
    pauses = open_pauses(bureau, case.id)
    assert [(s.reason, s.note) for s in pauses] == [("inspection", "实地核查")]    # one pause, its own label
    bureau.act("inspector1", case.id, "onsite_inspection", decision="pass", team=["inspector1", "inspector2"])
    assert [s.reason for s in open_pauses(bureau, case.id)] == ["testing"]


def test_returning_from_inspection_ends_its_pause(bureau):
    case = reviewed(bureau)
    inspection = bureau.claim("inspector1", case.id, "onsite_inspection")
    targets = bureau.actions("inspector1", inspection.id)["return"].choices["targets"]
    assert [t["id"] for t in targets] == ["document_review"]      # not across the acceptance
    tasks.return_to_step(bureau.db, bureau.people["inspector1"], inspection.id, "document_review", "材料存疑")
    assert open_pauses(bureau, case.id) == []
    assert bureau.outcome(case.id).case.suspended is False


def test_return_to_the_two_reviewer_step_lets_both_review_again(bureau):
    case = reviewed(bureau)
    bureau.act("inspector1", case.id, "onsite_inspection", decision="pass", team=["inspector1", "inspector2"])
    bureau.act("reviewer1", case.id, "product_testing", decision="pass", report_number="JY-1")
    approval = bureau.claim("approver", case.id, "approval")
    targets = [t["id"] for t in bureau.actions("approver", approval.id)["return"].choices["targets"]]
    assert "document_review" in targets
    tasks.return_to_step(bureau.db, bureau.people["approver"], approval.id, "document_review", "请重新审查")
    assert bureau.open_steps(case.id) == ["document_review", "document_review"]
    with bureau.db.reading() as s:
        again = s.scalars(select(HumanTask).where(HumanTask.case_id == case.id, HumanTask.state == "open")).all()
    for task in again:
        for who in ("reviewer1", "reviewer2"):
            assert "claim" in bureau.actions(who, task.id), who
    bureau.reviews(case.id)
    assert bureau.open_steps(case.id) == ["onsite_inspection"]


def test_signers_are_colleagues_who_can_open_the_case_and_can_be_removed(bureau):
    case = bureau.file(["industrial_license"], PLAIN)
    bureau.accept(case.id)
    review = bureau.claim("reviewer1", case.id, "document_review")
    offered = bureau.actions("reviewer1", review.id)["add_signer"].choices["candidates"]
    assert sorted(p["username"] for p in offered) == ["reviewer2", "reviewer3"]
    for outsider in ("food_reviewer", "auditor", "supervisor", "admin", "expert1", "approver"):
        with pytest.raises(ValidationError):
            handover.add_signer(bureau.db, bureau.people["reviewer1"], review.id, bureau.people[outsider].id)
    handover.add_signer(bureau.db, bureau.people["reviewer1"], review.id, bureau.people["reviewer3"].id)
    assert "sign" in bureau.actions("reviewer3", review.id)            # the signer can open the task
    with pytest.raises(Conflict, match="signer"):
        tasks.complete(bureau.db, bureau.people["reviewer1"], review.id, {"opinion": "同意", "decision": "pass"})
    remove = bureau.actions("reviewer1", review.id)["remove_signer"]
    assert remove.choices["signers"] == [{"id": bureau.people["reviewer3"].id}]
    handover.remove_signer(bureau.db, bureau.people["reviewer1"], review.id, bureau.people["reviewer3"].id)
    assert "sign" not in bureau.actions("reviewer3", review.id)
    tasks.complete(bureau.db, bureau.people["reviewer1"], review.id, {"opinion": "同意", "decision": "pass"})


def test_transfer_is_not_offered_when_nobody_else_holds_the_role(bureau):
    case = bureau.file(["food_license"])
    bureau.accept(case.id)
    review = bureau.claim("food_reviewer", case.id, "document_review")
    offered = bureau.actions("food_reviewer", review.id)
    assert "transfer" not in offered and "delegate" not in offered and "add_signer" not in offered
    with pytest.raises(Conflict, match="Nobody else"):
        handover.transfer(bureau.db, bureau.people["food_reviewer"], review.id, bureau.people["reviewer2"].id)


def test_delegate_answers_and_the_task_comes_back(bureau):
    case = bureau.file(["industrial_license"], PLAIN)
    bureau.accept(case.id)
    review = bureau.claim("reviewer1", case.id, "document_review")
    handover.delegate(bureau.db, bureau.people["reviewer1"], review.id, bureau.people["reviewer3"].id, "请核实产品明细")
    offered = bureau.actions("reviewer3", review.id)
    assert "resolve" in offered and "complete" not in offered and "transfer" not in offered
    assert "reclaim" in bureau.actions("reviewer1", review.id)
    handover.resolve(bureau.db, bureau.people["reviewer3"], review.id, "产品明细无误")
    assert bureau.task(case.id, "document_review", "reviewer1").assignee_id == bureau.people["reviewer1"].id
    tasks.complete(bureau.db, bureau.people["reviewer1"], review.id, {"opinion": "同意", "decision": "pass"})


def test_take_back_a_transfer_before_the_colleague_acts(bureau):
    case = bureau.file(["industrial_license"], PLAIN)
    bureau.accept(case.id)
    review = bureau.claim("reviewer1", case.id, "document_review")
    handover.transfer(bureau.db, bureau.people["reviewer1"], review.id, bureau.people["reviewer3"].id)
    handover.reclaim(bureau.db, bureau.people["reviewer1"], review.id)
    assert "reclaim" not in bureau.actions("reviewer1", review.id)
    assert bureau.task(case.id, "document_review", "reviewer1").assignee_id == bureau.people["reviewer1"].id


def test_extension_requests_reach_the_approvers_of_the_department_only(bureau):
    case = reviewed(bureau)
    inspection = bureau.claim("inspector1", case.id, "onsite_inspection")
    bounds = bureau.actions("inspector1", inspection.id)["extension"].choices["days"]
    assert bounds == {"min": 1, "max": 10}
    clock.request_extension(bureau.db, bureau.people["inspector1"], inspection.id, 5, "需要补充检验")
    waiting = clock.pending_extensions(bureau.db, bureau.people["approver"])
    assert [c.id for _s, c in waiting] == [case.id]
    assert clock.pending_extensions(bureau.db, bureau.people["food_approver"]) == []
    assert "extension" not in bureau.actions("inspector1", inspection.id)    # one request at a time
    clock.decide_extension(bureau.db, bureau.people["approver"], waiting[0][0].id, True, "同意延长")
    assert bureau.outcome(case.id).case.extended_days == 5


def test_an_extension_cannot_be_asked_or_granted_after_the_deadline(bureau):
    case = reviewed(bureau)
    inspection = bureau.claim("inspector1", case.id, "onsite_inspection")
    segment = clock.request_extension(bureau.db, bureau.people["inspector1"], inspection.id, 5, "需要补充检验")
    bureau.act("inspector1", case.id, "onsite_inspection", decision="pass", team=["inspector1", "inspector2"])
    bureau.act("reviewer1", case.id, "product_testing", decision="pass", report_number="JY-1")
    bureau.advance(days=60)
    assert bureau.outcome(case.id).case.light == "red"
    with pytest.raises(ValidationError):
        clock.decide_extension(bureau.db, bureau.people["approver"], segment.id, True, "同意")
    approval = bureau.claim("approver", case.id, "approval")
    assert "extension" not in bureau.actions("approver", approval.id)
    clock.decide_extension(bureau.db, bureau.people["approver"], segment.id, False, "已超期")
    assert bureau.outcome(case.id).case.light == "red"


def test_a_one_second_hearing_does_not_take_a_day(bureau):
    case = reviewed(bureau)
    inspection = bureau.claim("inspector1", case.id, "onsite_inspection")
    bureau.act("inspector1", case.id, "onsite_inspection", decision="pass", team=["inspector1", "inspector2"])
    testing = bureau.claim("reviewer1", case.id, "product_testing")
    bureau.advance(days=10)
    before = bureau.outcome(case.id).case.used_days
    clock.suspend(bureau.db, bureau.people["reviewer1"], testing.id, "hearing", "听证")
    bureau.clock.advance(timedelta(seconds=1))
    clock.resume(bureau.db, bureau.people["reviewer1"], testing.id)
    assert bureau.outcome(case.id).case.used_days == before
    assert inspection


def test_the_applicant_is_not_told_the_offices_internal_notes(bureau):
    case = bureau.file(["industrial_license"], PLAIN)
    bureau.accept(case.id)
    review = bureau.claim("reviewer1", case.id, "document_review")
    handover.transfer(bureau.db, bureau.people["reviewer1"], review.id, bureau.people["reviewer3"].id, "出差，内部转办")
    handover.add_signer(bureau.db, bureau.people["reviewer3"], review.id, bureau.people["reviewer2"].id, "帮看")
    handover.sign(bureau.db, bureau.people["reviewer2"], review.id, "内部意见：可以")
    tasks.complete(bureau.db, bureau.people["reviewer3"], review.id, {"opinion": "审查员内部意见", "decision": "pass"})
    seen = case_view.case_view(bureau.db, bureau.people["applicant_a"], case.id)
    text = " ".join(str(v) for e in seen.history for v in (e.action, e.text, e.decision))
    for secret in ("出差", "内部", "帮看", "transfer", "add_signer", "sign ", "claim"):
        assert secret not in text, secret
    assert [e.action for e in seen.history][:2] == ["submit", "complete"]


def test_withdrawing_twice_is_one_withdrawal(bureau):
    case = bureau.file(["food_license"])
    cases.withdraw(bureau.db, bureau.people["applicant_a"], case.id)
    with pytest.raises(Conflict):
        cases.withdraw(bureau.db, bureau.people["applicant_a2"], case.id)
    assert bureau.outcome(case.id).actions.count("withdraw") == 1
