"""Approval operations through the service layer, on every configured database."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.helpers import open_tasks
from workflow.errors import Conflict, Forbidden, NotFound, ValidationError
from workflow.services import cases, handover, inbox, tasks
from workflow.services.inbox import Filters
from workflow.storage.models import AuditEvent, Case, HumanTask, Notification, ProcessInstance, TaskSigner


def audit_actions(db, case_id):
    with db.reading() as s:
        return [e.action for e in s.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id)
                                            .order_by(AuditEvent.seq))]


def snapshot(db, case_id):
    """Everything a failed command must leave untouched."""
    with db.reading() as s:
        inst = s.scalars(select(ProcessInstance).where(ProcessInstance.case_id == case_id)).all()
        rows = s.scalars(select(HumanTask).where(HumanTask.case_id == case_id).order_by(HumanTask.id)).all()
        return (
            [(i.version, i.state) for i in inst],
            [(t.id, t.state, t.assignee_id, t.hold) for t in rows],
            s.scalar(select(func.count(AuditEvent.seq))),
        )


def version_of(db, case_id):
    with db.reading() as s:
        return s.scalar(select(ProcessInstance.version).where(ProcessInstance.case_id == case_id))


@pytest.fixture
def case(db, people):
    return cases.submit(db, people["applicant_a"], ["bench"], {"title": "样品件"})


def ok(opinion="同意", **extra):
    return {"opinion": opinion, **extra}


def test_submit_opens_first_task_and_records_audit(db, people, case):
    assert case.number.startswith("SL")
    intake = open_tasks(db, case.id)
    assert [t.bpmn_id for t in intake] == ["intake"]
    assert intake[0].role == "reviewer" and intake[0].department_code == "production"
    assert audit_actions(db, case.id) == ["submit"]
    assert cases.get(db, people["applicant_a"], case.id).status == "submitted"


def test_full_path_to_grant(db, people, case):
    rev, rev2, appr = people["reviewer1"], people["reviewer2"], people["approver"]
    intake = open_tasks(db, case.id)[0]
    tasks.claim(db, rev, intake.id)
    tasks.complete(db, rev, intake.id, ok())
    checks = open_tasks(db, case.id)
    assert sorted(t.bpmn_id for t in checks) == ["check_a", "check_b"]
    tasks.complete(db, rev, checks[0].id, ok())
    tasks.complete(db, rev2, checks[1].id, ok())
    decide = open_tasks(db, case.id)[0]
    assert decide.bpmn_id == "decide" and decide.role == "approver"
    tasks.complete(db, appr, decide.id, ok(decision="approve"))
    with db.reading() as s:
        inst = s.scalars(select(ProcessInstance).where(ProcessInstance.case_id == case.id)).one()
        assert (inst.status, inst.outcome) == ("completed", "granted")
        assert s.get(Case, case.id).status == "completed"
        closed = s.scalars(select(HumanTask).where(HumanTask.case_id == case.id)).all()
        assert {t.close_reason for t in closed} == {"completed"}
        assert s.scalars(select(HumanTask.decision).where(HumanTask.bpmn_id == "decide")).one() == "approve"
    assert audit_actions(db, case.id) == ["submit", "claim", "complete", "complete", "complete", "complete"]


def test_deny_path(db, people, case):
    for username, bpmn_id in (("reviewer1", "intake"), ("reviewer1", "check_a"), ("reviewer1", "check_b")):
        tasks.complete(db, people[username], open_tasks(db, case.id, bpmn_id)[0].id, ok())
    tasks.complete(db, people["approver"], open_tasks(db, case.id)[0].id, ok("不同意", decision="deny"))
    with db.reading() as s:
        assert s.get(Case, case.id).outcome == "denied"


def test_claim_refusals(db, people, case):
    intake = open_tasks(db, case.id)[0]
    with pytest.raises(Forbidden):
        tasks.claim(db, people["approver"], intake.id)          # wrong role, same department
    with pytest.raises(NotFound):
        tasks.claim(db, people["food_reviewer"], intake.id)     # another department: not even visible
    with pytest.raises(NotFound):
        tasks.claim(db, people["applicant_a"], intake.id)       # the office's steps are not the applicant's
    with pytest.raises(NotFound):
        tasks.claim(db, people["reviewer1"], 999999)
    tasks.claim(db, people["reviewer1"], intake.id)
    with pytest.raises(Conflict, match="already been claimed"):
        tasks.claim(db, people["reviewer2"], intake.id)
    with pytest.raises(Conflict, match="already been claimed"):
        tasks.complete(db, people["reviewer2"], intake.id, ok())  # held by someone else
    with pytest.raises(Conflict, match="already hold"):
        tasks.claim(db, people["reviewer1"], intake.id)
    with pytest.raises(Conflict, match="another person"):
        tasks.unclaim(db, people["reviewer2"], intake.id)
    tasks.unclaim(db, people["reviewer1"], intake.id)
    assert open_tasks(db, case.id)[0].assignee_id is None


def test_stale_version_is_a_conflict_and_changes_nothing(db, people, case):
    intake = open_tasks(db, case.id)[0]
    seen = version_of(db, case.id)
    tasks.complete(db, people["reviewer1"], intake.id, ok(), expected_version=seen)
    before = snapshot(db, case.id)
    check = open_tasks(db, case.id)[0]
    with pytest.raises(Conflict, match="changed by someone else"):
        tasks.complete(db, people["reviewer1"], check.id, ok(), expected_version=seen)
    assert snapshot(db, case.id) == before


def test_invalid_data_is_refused_with_field_messages_and_rolls_back(db, people, case):
    intake = open_tasks(db, case.id)[0]
    tasks.claim(db, people["reviewer1"], intake.id)
    before = snapshot(db, case.id)
    with pytest.raises(ValidationError) as err:
        tasks.complete(db, people["reviewer1"], intake.id, {"decision": "maybe", "surprise": 1})
    assert set(err.value.fields) == {"opinion", "decision", "surprise"}
    with pytest.raises(ValidationError):
        tasks.complete(db, people["reviewer1"], intake.id, "not a dict")
    assert snapshot(db, case.id) == before


def test_failure_inside_the_engine_rolls_back_everything(db, people, case, monkeypatch):
    """An exception after the workflow changed leaves state, projection and audit as they were."""
    from workflow.domain import case_status
    intake = open_tasks(db, case.id)[0]
    before = snapshot(db, case.id)

    def explode(cmd):
        raise RuntimeError("disk full")
    monkeypatch.setattr(case_status, "refresh", explode)
    with pytest.raises(RuntimeError):
        tasks.complete(db, people["reviewer1"], intake.id, ok())
    assert snapshot(db, case.id) == before


def test_two_person_rule_for_distinct_assignees(db, people, case):
    with db.transaction() as s:
        for t in s.scalars(select(HumanTask).where(HumanTask.case_id == case.id)):
            t.distinct_assignees = True
    intake = open_tasks(db, case.id)[0]
    tasks.complete(db, people["reviewer1"], intake.id, ok())
    with db.transaction() as s:  # make the parallel checks one "two-person" step for this test
        for t in s.scalars(select(HumanTask).where(HumanTask.case_id == case.id, HumanTask.state == "open")):
            t.distinct_assignees, t.bpmn_id, t.activation = True, "check", "parallel@1"
    a, b = open_tasks(db, case.id)
    tasks.claim(db, people["reviewer1"], a.id)
    with pytest.raises(Conflict, match="second person"):
        tasks.claim(db, people["reviewer1"], b.id)
    for view in ("claimable", "all", "overdue"):
        listed = inbox.list_tasks(db, people["reviewer1"], Filters(view=view))
        assert b.id not in [t.id for t in listed.items], view
    tasks.claim(db, people["reviewer2"], b.id)


def test_transfer_to_same_role_only(db, people, case):
    intake = open_tasks(db, case.id)[0]
    tasks.claim(db, people["reviewer1"], intake.id)
    with pytest.raises(ValidationError):
        handover.transfer(db, people["reviewer1"], intake.id, people["food_reviewer"].id)
    with pytest.raises(ValidationError):
        handover.transfer(db, people["reviewer1"], intake.id, people["approver"].id)
    with pytest.raises(Conflict):
        handover.transfer(db, people["reviewer2"], intake.id, people["reviewer3"].id)
    handover.transfer(db, people["reviewer1"], intake.id, people["reviewer2"].id, "出差，转办")
    assert open_tasks(db, case.id)[0].assignee_id == people["reviewer2"].id
    with db.reading() as s:
        assert s.scalar(select(Notification.kind).where(Notification.user_id == people["reviewer2"].id)) == "transfer"
    assert audit_actions(db, case.id)[-1] == "transfer"


def test_copy_and_urge_create_notifications(db, people, case):
    intake = open_tasks(db, case.id)[0]
    handover.copy_to(db, people["reviewer1"], intake.id, [people["approver"].id], "请知悉")
    with pytest.raises(ValidationError):
        handover.copy_to(db, people["reviewer1"], intake.id, [people["applicant_a"].id])
    with pytest.raises(ValidationError):
        handover.copy_to(db, people["reviewer1"], intake.id, [people["food_reviewer"].id])  # cannot open the case
    with pytest.raises(ValidationError):
        handover.copy_to(db, people["reviewer1"], intake.id, [])
    with pytest.raises(Forbidden):
        handover.urge(db, people["reviewer1"], intake.id)
    with pytest.raises(NotFound):
        handover.urge(db, people["food_approver"], intake.id)    # another department's case
    told = handover.urge(db, people["supervisor"], intake.id, "已超期，请尽快办理")
    assert set(told) == {people[u].id for u in ("reviewer1", "reviewer2", "reviewer3")}
    with db.reading() as s:
        assert set(s.scalars(select(Notification.user_id).where(Notification.kind == "urge"))) == set(told)
    tasks.claim(db, people["reviewer2"], intake.id)
    assert handover.urge(db, people["supervisor"], intake.id) == [people["reviewer2"].id]
    assert audit_actions(db, case.id).count("urge") == 2


def test_added_signer_must_sign_before_completion(db, people, case):
    intake = open_tasks(db, case.id)[0]
    with pytest.raises(Conflict, match="Claim"):
        handover.add_signer(db, people["reviewer1"], intake.id, people["reviewer2"].id)
    tasks.claim(db, people["reviewer1"], intake.id)
    handover.add_signer(db, people["reviewer1"], intake.id, people["reviewer2"].id)
    with pytest.raises(Conflict, match="already been asked"):     # a second click: a conflict, not a field error
        handover.add_signer(db, people["reviewer1"], intake.id, people["reviewer2"].id)
    with pytest.raises(Conflict, match="signer"):
        tasks.complete(db, people["reviewer1"], intake.id, ok())
    with pytest.raises(Forbidden):
        handover.sign(db, people["reviewer3"], intake.id, "我也说两句")
    with pytest.raises(ValidationError):
        handover.sign(db, people["reviewer2"], intake.id, "  ")
    handover.sign(db, people["reviewer2"], intake.id, "同意，材料齐全")
    tasks.complete(db, people["reviewer1"], intake.id, ok())
    with db.reading() as s:
        assert s.scalars(select(TaskSigner.opinion)).one() == "同意，材料齐全"
    assert "sign" in audit_actions(db, case.id)


def test_recall_own_step_while_next_is_unclaimed(db, people, case):
    intake = open_tasks(db, case.id)[0]
    tasks.complete(db, people["reviewer1"], intake.id, ok())
    with pytest.raises(Forbidden):
        tasks.recall(db, people["reviewer2"], intake.id)
    reopened = tasks.recall(db, people["reviewer1"], intake.id)
    now_open = open_tasks(db, case.id)
    assert [t.bpmn_id for t in now_open] == ["intake"] and reopened.assignee_id == people["reviewer1"].id
    tasks.complete(db, people["reviewer1"], now_open[0].id, ok())
    tasks.claim(db, people["reviewer2"], open_tasks(db, case.id)[0].id)
    with pytest.raises(Conflict, match="already been taken up"):
        tasks.recall(db, people["reviewer1"], now_open[0].id)
    with db.reading() as s:
        reasons = s.scalars(select(HumanTask.close_reason).where(HumanTask.case_id == case.id,
                                                                 HumanTask.state == "closed")).all()
    assert "recalled" in reasons
    assert "recall" in audit_actions(db, case.id)


def test_recall_refused_once_a_parallel_next_step_is_completed(db, people, case):
    """check_a completed and check_b still untouched: recalling intake would throw check_a's work away."""
    intake = open_tasks(db, case.id)[0]
    tasks.complete(db, people["reviewer1"], intake.id, ok())
    tasks.complete(db, people["reviewer2"], open_tasks(db, case.id, "check_a")[0].id, ok())
    with pytest.raises(Conflict, match="no longer be recalled"):
        tasks.recall(db, people["reviewer1"], intake.id)
    assert [t.bpmn_id for t in open_tasks(db, case.id)] == ["check_b"]
    assert "recall" not in audit_actions(db, case.id)


def test_return_to_earlier_step(db, people, case):
    for bpmn_id in ("intake", "check_a", "check_b"):
        tasks.complete(db, people["reviewer1"], open_tasks(db, case.id, bpmn_id)[0].id, ok())
    decide = open_tasks(db, case.id)[0]
    with pytest.raises(Conflict, match="Claim"):
        tasks.return_to_step(db, people["approver"], decide.id, "intake", "退回")
    tasks.claim(db, people["approver"], decide.id)
    with pytest.raises(ValidationError):
        tasks.return_to_step(db, people["approver"], decide.id, "nowhere", "退回")
    with pytest.raises(ValidationError):
        tasks.return_to_step(db, people["approver"], decide.id, "intake", "")
    with pytest.raises(ValidationError, match="Some fields"):   # check_a ran in a parallel branch
        tasks.return_to_step(db, people["approver"], decide.id, "check_a", "核查甲重做")
    tasks.return_to_step(db, people["approver"], decide.id, "intake", "材料需重新审查")
    assert [t.bpmn_id for t in open_tasks(db, case.id)] == ["intake"]
    with db.reading() as s:
        assert s.get(HumanTask, decide.id).close_reason == "returned"
    assert audit_actions(db, case.id)[-1] == "return"


def test_return_to_applicant_and_resubmit(db, people, case):
    intake = open_tasks(db, case.id)[0]
    tasks.claim(db, people["reviewer1"], intake.id)
    with pytest.raises(Conflict, match="one-time notice"):     # before acceptance: the window's notice
        tasks.return_to_applicant(db, people["reviewer1"], intake.id, "缺材料", ["营业执照"])
    with db.transaction() as s:
        s.get(Case, case.id).accepted_at = s.get(Case, case.id).created_at
    with pytest.raises(ValidationError):
        tasks.return_to_applicant(db, people["reviewer1"], intake.id, "缺材料", [])
    tasks.return_to_applicant(db, people["reviewer1"], intake.id, "缺少营业执照", ["营业执照副本", "法人身份证"])
    assert cases.get(db, people["applicant_a"], case.id).status == "correction"
    with pytest.raises(Conflict, match="applicant"):
        tasks.complete(db, people["reviewer1"], intake.id, ok())
    with pytest.raises(NotFound):
        cases.resubmit(db, people["applicant_b"], case.id, {})
    with pytest.raises(ValidationError) as refused:     # every error at once, nothing silently cut
        cases.resubmit(db, people["applicant_a2"], case.id, {"title": ["not", "text"]}, note="说" * 2001)
    assert {"note", "title"} <= set(refused.value.fields)
    assert cases.get(db, people["applicant_a"], case.id).status == "correction"
    cases.resubmit(db, people["applicant_a2"], case.id, {"title": "补正后的样品件"})
    assert cases.get(db, people["applicant_a"], case.id).status == "in_progress"
    tasks.complete(db, people["reviewer1"], intake.id, ok())
    with pytest.raises(Conflict):
        cases.resubmit(db, people["applicant_a"], case.id, {})
    assert audit_actions(db, case.id)[2:4] == ["return_to_applicant", "resubmit"]


def test_withdraw_cancels_everything(db, people, case):
    tasks.complete(db, people["reviewer1"], open_tasks(db, case.id)[0].id, ok())
    with pytest.raises(Forbidden):
        cases.withdraw(db, people["reviewer1"], case.id)
    with pytest.raises(NotFound):
        cases.withdraw(db, people["applicant_b"], case.id)
    cases.withdraw(db, people["applicant_a"], case.id, "不再需要")
    assert open_tasks(db, case.id) == []
    with db.reading() as s:
        assert set(s.scalars(select(HumanTask.close_reason).where(HumanTask.case_id == case.id,
                                                                  HumanTask.bpmn_id != "intake"))) == {"withdrawn"}
        assert s.get(Case, case.id).status == "withdrawn"
    with pytest.raises(Conflict):
        cases.withdraw(db, people["applicant_a"], case.id)


def test_applicants_see_only_their_own_organisation(db, people, case):
    assert cases.get(db, people["applicant_a2"], case.id).id == case.id
    with pytest.raises(NotFound):
        cases.get(db, people["applicant_b"], case.id)
    with pytest.raises(NotFound):
        cases.get(db, people["food_reviewer"], case.id)
    assert cases.get(db, people["reviewer1"], case.id).id == case.id
    with pytest.raises(Forbidden):
        cases.submit(db, people["reviewer1"], ["bench"], {})


def test_submit_refuses_bad_input_and_writes_nothing(db, people):
    with db.reading() as s:
        before = s.scalar(select(func.count(Case.id)))
    for matters, data in (([], {}), (["nope"], {}), (["bench", "bench"], {}), (["bench"], {"title": 5}),
                          ("bench", {})):
        with pytest.raises(ValidationError):
            cases.submit(db, people["applicant_a"], matters, data)
    with db.reading() as s:
        assert s.scalar(select(func.count(Case.id))) == before


def test_rating_after_completion(db, people, case):
    with pytest.raises(Conflict):
        cases.rate(db, people["applicant_a"], case.id, 5)
    cases.withdraw(db, people["applicant_a"], case.id)
    with pytest.raises(Conflict):
        cases.rate(db, people["applicant_a"], case.id, 5)


def test_inbox_views_paging_and_counts(db, people):
    created = [cases.submit(db, people["applicant_a"], ["bench"], {"title": f"件{i}"}) for i in range(5)]
    green = cases.submit(db, people["applicant_b"], ["bench"], {"title": "绿色通道"}, green_channel=True)
    rev = people["reviewer1"]
    page = inbox.list_tasks(db, rev, Filters(view="claimable", per_page=4))
    assert page.total == 6 and len(page.items) == 4 and page.pages == 2
    assert page.items[0].case_id == green.id
    second = inbox.list_tasks(db, rev, Filters(view="claimable", per_page=4, page=2))
    assert len(second.items) == 2
    tasks.claim(db, rev, page.items[1].id)
    assert inbox.counts(db, rev) == {"mine": 1, "claimable": 5, "overdue": 0}
    assert inbox.counts(db, people["food_reviewer"])["claimable"] == 0
    assert inbox.list_tasks(db, people["reviewer2"], Filters(view="mine")).total == 0
    assert inbox.list_tasks(db, rev, Filters(per_page=1000)).per_page == 100
    assert created


def test_simultaneous_claims_one_wins(db, people, case):
    import threading
    intake = open_tasks(db, case.id)[0]
    results: dict[str, str] = {}
    barrier = threading.Barrier(3)

    def claim(name):
        barrier.wait()
        try:
            tasks.claim(db, people[name], intake.id)
            results[name] = "won"
        except Conflict:
            results[name] = "conflict"
    threads = [threading.Thread(target=claim, args=(n,)) for n in ("reviewer1", "reviewer2", "reviewer3")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results.values()) == ["conflict", "conflict", "won"]
    assert audit_actions(db, case.id).count("claim") == 1
