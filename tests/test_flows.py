"""Every path of every matter's process, end to end through the service layer.

Each test files a case as an applicant, works it as the office would (window,
reviewers, inspectors, experts, approvers) and checks the outcome, the
certificates, the clock segments, the audit trail and (at teardown, via the
``db`` fixture) the projection invariant.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from tests.helpers import open_tasks
from tests.test_forms import VALID
from workflow.domain import operations
from workflow.domain.identifiers import is_valid_sc_number, parse_equipment_certificate_number, parse_xk_number
from workflow.domain.permissions import can_work_on
from workflow.errors import Forbidden, ValidationError
from workflow.runtime.instances import next_timer
from workflow.runtime.spiff_runtime import SafeScriptEngine, dump_workflow, load_spec, restore_workflow
from workflow.services import cases, tasks, timers
from workflow.storage.db import utcnow
from workflow.storage.models import AuditEvent, Case, Certificate, ClockSegment, ProcessInstance, ProcessVersion
from workflow.timekeeping import deadlines

OK = {"opinion": "同意"}


# -- a small driver ----------------------------------------------------------------



def act(db, people, who, case_id, bpmn_id, **data):
    """The named person completes the (first) open task with this BPMN id."""
    found = [t for t in open_tasks(db, case_id, bpmn_id)
             if t.assignee_id in (None, people[who].id) and can_work_on(people[who], t)]
    assert found, f"no open {bpmn_id} for {who}; open: {[t.bpmn_id for t in open_tasks(db, case_id)]}"
    tasks.complete(db, people[who], found[0].id, {"opinion": "同意", **data})


def file(db, people, matters, data=None, who="applicant_a", green=False):
    payload = {}
    for matter in matters:
        from workflow.domain.matters import MATTERS
        payload.update(VALID[MATTERS[matter].application_form])
    payload.update(data or {})
    return cases.submit(db, people[who], matters, payload, green)


def final(db, case_id):
    with db.reading() as s:
        case = s.get(Case, case_id)
        certs = s.scalars(select(Certificate).where(Certificate.case_id == case_id)).all()
        outcomes = s.scalars(select(ProcessInstance.outcome).where(ProcessInstance.case_id == case_id)).all()
        segments = s.scalars(select(ClockSegment).where(ClockSegment.case_id == case_id)).all()
        actions = s.scalars(select(AuditEvent.action).where(AuditEvent.case_id == case_id)
                            .order_by(AuditEvent.seq)).all()
    return case, certs, outcomes, segments, actions


def accept(db, people, case_id, **extra):
    act(db, people, "window", case_id, "acceptance", decision="accept", **extra)


def reviews(db, people, case_id, decisions=("pass", "pass")):
    act(db, people, "reviewer1", case_id, "document_review", decision=decisions[0])
    act(db, people, "reviewer2", case_id, "document_review", decision=decisions[1])


def make_timers_due(db, case_id):
    """Move pending timers into the past, as if the notice period had run out."""
    with db.transaction() as s:
        for row in s.scalars(select(ProcessInstance).where(ProcessInstance.case_id == case_id)):
            spec, subs = load_spec(str(s.bind.url), row.process_version_id, lambda: s.scalar(
                select(ProcessVersion.spec_json).where(ProcessVersion.id == row.process_version_id)))
            workflow = restore_workflow(row.state, spec, subs, SafeScriptEngine())
            for task in workflow.get_tasks(state=TaskState.WAITING):
                if task._get_internal_data("event_value"):
                    task._set_internal_data(event_value=(utcnow() - timedelta(minutes=1)).isoformat())
            row.state, row.next_timer_at = dump_workflow(workflow), next_timer(workflow)


# -- industrial product production license ------------------------------------------

INDUSTRIAL = {"commitment_path": False}


def test_industrial_grant_with_inspection_and_testing(db, people):
    case = file(db, people, ["industrial_license"], INDUSTRIAL)
    accept(db, people, case.id)
    reviews(db, people, case.id)
    act(db, people, "inspector1", case.id, "onsite_inspection", decision="pass", team=["inspector1", "inspector2"])
    act(db, people, "reviewer1", case.id, "product_testing", decision="pass", report_number="JY-1")
    act(db, people, "approver", case.id, "approval", decision="approve")
    row, certs, outcomes, segments, actions = final(db, case.id)
    assert (row.status, row.outcome, outcomes) == ("completed", "granted", ["granted"])
    assert len(certs) == 1 and parse_xk_number(certs[0].number)["province_abbr"] == "闽"
    assert certs[0].valid_until.year == certs[0].issued_on.year + 5
    assert sorted(s.reason for s in segments) == ["inspection", "testing"]
    assert all(s.status == "closed" for s in segments)
    assert actions.count("complete") == 6 and row.accepted_at is not None and row.on_time


def test_industrial_two_reviewers_must_be_different_people(db, people):
    case = file(db, people, ["industrial_license"], INDUSTRIAL)
    accept(db, people, case.id)
    act(db, people, "reviewer1", case.id, "document_review", decision="pass")
    second = open_tasks(db, case.id, "document_review")[0]
    with pytest.raises(Exception, match="second person"):
        tasks.complete(db, people["reviewer1"], second.id, {"opinion": "再审", "decision": "pass"})


def test_industrial_correction_loop_then_denied_by_review(db, people):
    case = file(db, people, ["industrial_license"], INDUSTRIAL)
    with pytest.raises(ValidationError) as err:
        act(db, people, "window", case.id, "acceptance", decision="correct")
    assert "items" in err.value.fields
    act(db, people, "window", case.id, "acceptance", decision="correct", items=["产品明细", "营业执照副本"])
    assert cases.get(db, people["applicant_a"], case.id).status == "correction"
    with pytest.raises(Forbidden):
        tasks.complete(db, people["applicant_b"], open_tasks(db, case.id, "correction")[0].id, {})
    act(db, people, "applicant_a", case.id, "correction", note="已补齐")
    accept(db, people, case.id)
    reviews(db, people, case.id, ("pass", "fail"))
    row, certs, outcomes, segments, _ = final(db, case.id)
    assert (row.outcome, certs) == ("denied", [])
    assert [s.reason for s in segments] == ["correction"] and segments[0].status == "closed"
    assert "产品明细" in segments[0].note


def test_industrial_refused_at_the_window(db, people):
    case = file(db, people, ["industrial_license"], INDUSTRIAL)
    act(db, people, "window", case.id, "acceptance", decision="refuse", refuse_reason="不属于本机关职权范围")
    row, certs, outcomes, _, actions = final(db, case.id)
    assert (row.status, row.outcome, certs) == ("completed", "refused", [])
    with db.reading() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.case_id == case.id,
                                                   AuditEvent.action == "complete")).one()
    assert event.decision == "refuse" and event.data["refuse_reason"] == "不属于本机关职权范围"


def test_industrial_commitment_path_then_failed_post_inspection_revokes(db, people):
    case = file(db, people, ["industrial_license"], {"commitment_path": True})
    accept(db, people, case.id)
    reviews(db, people, case.id)
    _, certs, *_ = final(db, case.id)
    assert len(certs) == 1 and certs[0].status == "valid"      # issued before the on-site review
    act(db, people, "reviewer1", case.id, "post_inspection", decision="fail")
    act(db, people, "approver", case.id, "revoke_decision", decision="revoke")
    row, certs, outcomes, *_ = final(db, case.id)
    assert certs[0].status == "revoked" and row.status == "completed"


def test_commitment_path_refused_for_hazardous_chemicals(db, people):
    with pytest.raises(ValidationError) as err:
        file(db, people, ["industrial_license"], {"commitment_path": True, "hazardous_chemical": True})
    assert "commitment_path" in err.value.fields


def test_industrial_rectify_loop(db, people):
    case = file(db, people, ["industrial_license"], INDUSTRIAL)
    accept(db, people, case.id)
    reviews(db, people, case.id)
    act(db, people, "inspector1", case.id, "onsite_inspection", decision="rectify",
        team=["inspector1", "inspector2"], rectify_days=30)
    act(db, people, "applicant_a2", case.id, "rectification", report="已整改完毕")
    act(db, people, "inspector2", case.id, "onsite_inspection", decision="pass", team=["inspector1", "inspector2"])
    act(db, people, "reviewer2", case.id, "product_testing", decision="fail", report_number="JY-2")
    act(db, people, "approver", case.id, "approval", decision="deny")
    row, certs, _, segments, _ = final(db, case.id)
    assert (row.outcome, certs) == ("denied", [])
    assert {s.reason for s in segments} == {"inspection", "correction", "testing"}


def test_withdraw_during_inspection(db, people):
    case = file(db, people, ["industrial_license"], INDUSTRIAL)
    accept(db, people, case.id)
    reviews(db, people, case.id)
    cases.withdraw(db, people["applicant_a"], case.id, "企业调整计划")
    row, certs, outcomes, segments, actions = final(db, case.id)
    assert (row.status, outcomes, certs) == ("withdrawn", ["withdrawn"], [])
    assert all(s.status == "closed" for s in segments) and actions[-1] == "withdraw"


# -- food production license ---------------------------------------------------------

def test_food_license_granted_with_sc_number(db, people):
    case = file(db, people, ["food_license"], {"area_code": "442000"})
    accept(db, people, case.id, green_channel=True)
    act(db, people, "food_reviewer", case.id, "document_review", decision="pass")
    act(db, people, "food_inspector", case.id, "onsite_inspection", decision="pass",
        team=["food_inspector", "food_inspector2"])
    act(db, people, "food_approver", case.id, "approval", decision="approve")
    row, certs, _, _, actions = final(db, case.id)
    assert row.outcome == "granted" and row.green_channel and "green_channel" in actions
    assert row.limit_days == 7  # the food license's green-channel commitment
    number = certs[0].number
    assert is_valid_sc_number(number) and number.startswith("SC116442000")


def test_food_license_denied(db, people):
    case = _decide_food_license(db, people, inspection="fail", decision="deny")
    row, certs, *_ = final(db, case.id)
    assert (row.outcome, certs) == ("denied", [])


def _decide_food_license(db, people, inspection="pass", decision="approve"):
    case = file(db, people, ["food_license"])
    accept(db, people, case.id)
    act(db, people, "food_reviewer", case.id, "document_review", decision="pass")
    act(db, people, "food_inspector", case.id, "onsite_inspection", decision=inspection,
        team=["food_inspector", "food_inspector2"])
    act(db, people, "food_approver", case.id, "approval", decision=decision)
    return case


def _grant_food_license(db, people):
    return _decide_food_license(db, people)


def _granted_food_license(db, people) -> str:
    return final(db, _grant_food_license(db, people).id)[1][0].number


@pytest.mark.parametrize("kind, status", [("renewal", "valid"), ("cancellation", "cancelled")])
def test_food_license_renewal_and_cancellation(db, people, kind, status):
    number = _granted_food_license(db, people)
    with db.reading() as s:
        before = s.scalars(select(Certificate).where(Certificate.number == number)).one().valid_until
    case = file(db, people, ["food_license_change"], {"change_kind": kind, "license_number": number,
                                                       "change_items": []})
    accept(db, people, case.id)
    act(db, people, "food_reviewer", case.id, "document_review", decision="pass")
    act(db, people, "food_approver", case.id, "approval", decision="approve")
    with db.reading() as s:
        cert = s.scalars(select(Certificate).where(Certificate.number == number)).one()
    assert cert.status == status
    if kind == "renewal":
        assert cert.valid_until.year == before.year + 5


# -- special equipment -----------------------------------------------------------------

def test_installation_notice_is_filed_at_once(db, people):
    case = file(db, people, ["equipment_notice"])
    row, certs, outcomes, _, _ = final(db, case.id)
    assert (row.status, row.outcome) == ("completed", "filed")
    assert row.data["receipt_number"].startswith("GZ") and open_tasks(db, case.id) == []


def test_equipment_registered_on_the_spot(db, people):
    case = file(db, people, ["equipment_registration"])
    act(db, people, "window", case.id, "acceptance", decision="register_now")
    row, certs, *_ = final(db, case.id)
    assert row.outcome == "registered" and parse_equipment_certificate_number(certs[0].number)["kind"] == "梯"


def test_equipment_registration_reviewed_and_refused(db, people):
    case = file(db, people, ["equipment_registration"])
    act(db, people, "window", case.id, "acceptance", decision="accept")
    act(db, people, "equip_reviewer", case.id, "document_review", decision="fail")
    row, certs, *_ = final(db, case.id)
    assert (row.outcome, certs) == ("denied", [])


def test_cng_batch_with_one_vehicle_refused(db, people):
    vehicles = [{**VALID["cng_application"]["vehicles"][0], "plate_number": p, "vin": v}
                for p, v in (("闽A11111", "LSVAU2180N2183294"), ("闽A22222", "LFV2A21K6A3000001"),
                             ("闽A33333", "LFV2A21K6A3000002"))]
    case = file(db, people, ["cng_cylinder"], {"vehicles": vehicles})
    act(db, people, "window", case.id, "vehicle_check", decision="register", vehicles=[
        {"plate_number": "闽A11111", "decision": "register"},
        {"plate_number": "闽A22222", "decision": "refuse", "reason": "气瓶检验过期"},
        {"plate_number": "闽A33333", "decision": "register"}])
    row, certs, *_ = final(db, case.id)
    assert row.outcome == "registered"
    assert sorted(c.details["plate_number"] for c in certs) == ["闽A11111", "闽A33333"]
    assert len({c.number for c in certs}) == 2


# -- quality award -----------------------------------------------------------------------

EXPERTS = ["expert1", "expert2", "expert3", "expert4", "expert5"]


def _to_committee(db, people, scores=(900, 700, 800, 820, 600), threshold=700, who="applicant_a"):
    case = file(db, people, ["quality_award"], who=who)
    act(db, people, "window", case.id, "eligibility_check", decision="eligible")
    act(db, people, "quality_reviewer", case.id, "recommendation", decision="recommend",
        experts=EXPERTS, shortlist_threshold=threshold)
    expert_tasks = open_tasks(db, case.id, "expert_scoring")
    assert sorted(t.assignee_id for t in expert_tasks) == sorted(people[e].id for e in EXPERTS)
    with pytest.raises(Forbidden):   # each expert scores only their own instance
        tasks.complete(db, people["expert2"], next(t for t in expert_tasks if t.assignee_id == people["expert1"].id).id,
                       {"opinion": "x", "score": 1})
    for expert, score in zip(EXPERTS, scores):
        act(db, people, expert, case.id, "expert_scoring", score=score)
    return case


def _award_at_committee(db, people, case):
    act(db, people, "quality_reviewer", case.id, "onsite_review", decision="pass")
    act(db, people, "quality_approver", case.id, "committee_decision", decision="award")


def test_award_with_objection_dismissed_then_notice_period_ends(db, people):
    case = _to_committee(db, people)
    with db.reading() as s:
        wf_panel = s.scalars(select(AuditEvent.action).where(AuditEvent.case_id == case.id)).all()
    assert wf_panel.count("complete") == 7
    _award_at_committee(db, people, case)
    act(db, people, "window", case.id, "public_notice", decision="objection", objection="自评分数不实")
    act(db, people, "quality_reviewer", case.id, "objection_review", decision="dismissed")
    assert [t.bpmn_id for t in open_tasks(db, case.id)] == ["public_notice"]
    make_timers_due(db, case.id)
    assert timers.run_due(db) == 1
    row, certs, outcomes, segments, actions = final(db, case.id)
    assert (row.outcome, len(certs)) == ("awarded", 1)
    assert {s.reason for s in segments} == {"expert_review", "public_notice"}
    assert "timer" in actions


def test_award_panel_score_is_the_trimmed_mean():
    assert operations.trimmed_mean([900, 700, 800, 820, 600]) == pytest.approx(773.3, abs=0.05)
    assert operations.trimmed_mean([700, 800, 900]) == 800.0


def test_award_not_shortlisted(db, people):
    case = _to_committee(db, people, scores=(500, 520, 480, 510, 490), threshold=600)
    row, certs, *_ = final(db, case.id)
    assert (row.outcome, certs) == ("not_awarded", [])


def test_award_objection_upheld(db, people):
    case = _to_committee(db, people)
    _award_at_committee(db, people, case)
    act(db, people, "window", case.id, "public_notice", decision="objection", objection="数据造假")
    act(db, people, "quality_reviewer", case.id, "objection_review", decision="upheld")
    row, certs, *_ = final(db, case.id)
    assert (row.outcome, certs) == ("not_awarded", [])


def test_award_quota_reached(db, people, monkeypatch):
    monkeypatch.setattr(operations, "AWARD_QUOTA", 1)
    first, second = _to_committee(db, people), _to_committee(db, people, who="applicant_b")
    for case in (first, second):
        _award_at_committee(db, people, case)
    assert [t.bpmn_id for t in open_tasks(db, first.id)] == ["public_notice"]
    row, certs, *_ = final(db, second.id)
    assert (row.outcome, certs) == ("not_awarded", [])


# -- joint filing ---------------------------------------------------------------------------

def test_joint_filing_one_intake_one_matter_denied(db, people):
    case = file(db, people, ["food_license", "equipment_registration"])
    assert len(open_tasks(db, case.id)) == 2
    accept(db, people, case.id)                      # one intake decision for both matters
    assert sorted(t.bpmn_id for t in open_tasks(db, case.id)) == ["document_review", "document_review"]
    act(db, people, "equip_reviewer", case.id, "document_review", decision="pass")
    assert cases.get(db, people["applicant_a"], case.id).status == "in_progress"
    act(db, people, "food_reviewer", case.id, "document_review", decision="pass")
    act(db, people, "food_inspector", case.id, "onsite_inspection", decision="fail",
        team=["food_inspector", "food_inspector2"])
    act(db, people, "food_approver", case.id, "approval", decision="deny")
    row, certs, outcomes, *_ = final(db, case.id)
    assert row.status == "completed" and sorted(outcomes) == ["denied", "registered"]
    assert row.outcome == "partly_granted" and row.limit_days == 45
    assert [c.matter_code for c in certs] == ["equipment_registration"]


def test_correction_step_updates_the_application(db, people):
    case = file(db, people, ["industrial_license"], INDUSTRIAL)
    act(db, people, "window", case.id, "acceptance", decision="correct", items=["产品名称有误"])
    correction = open_tasks(db, case.id, "correction")[0]
    with pytest.raises(ValidationError) as err:
        tasks.complete(db, people["applicant_a"], correction.id, {"changes": {"phone": "12345"}})
    assert list(err.value.fields) == ["changes.phone"]
    act(db, people, "applicant_a", case.id, "correction", changes={"product_name": "电力电缆", "commitment_path": True})
    with db.reading() as s:
        row = s.get(Case, case.id)
    assert row.data["product_name"] == "电力电缆" and row.data["company_name"] == "福州甲食品有限公司"
    accept(db, people, case.id)
    reviews(db, people, case.id)
    _, certs, *_ = final(db, case.id)
    assert len(certs) == 1 and "电力电缆" in certs[0].scope   # the process took the commitment path


def test_renewal_undecided_at_expiry_is_deemed_granted(db, people):
    from workflow.services import clock as clock_services
    number = _granted_food_license(db, people)
    case = file(db, people, ["food_license_change"], {"change_kind": "renewal", "license_number": number,
                                                       "change_items": []})
    accept(db, people, case.id)
    expiry = utcnow() + timedelta(days=3)
    with db.transaction() as s:
        s.scalars(select(Certificate).where(Certificate.number == number)).one().valid_until = expiry.date()
    assert clock_services.sweep(db)["deemed_renewed"] == 0           # not expired yet
    assert clock_services.sweep(db, utcnow() + timedelta(days=5))["deemed_renewed"] == 1
    row, _, outcomes, _, actions = final(db, case.id)
    with db.reading() as s:
        cert = s.scalars(select(Certificate).where(Certificate.number == number)).one()
    assert (row.status, outcomes) == ("completed", ["deemed_granted"]) and "deemed_granted" in actions
    assert cert.valid_until.year == expiry.year + 5 and cert.status == "valid"
    assert open_tasks(db, case.id) == []


def test_decision_starts_the_certificate_clock(db, people):
    row, certs, *_ = final(db, _grant_food_license(db, people).id)
    assert row.decided_at is not None and row.certificate_due_at > row.decided_at
    with db.reading() as s:
        cal = deadlines.get_calendar(s)
    assert cal.workdays_between(row.decided_at, row.certificate_due_at) == 5   # food: 5 WD (Order 24)
    assert certs[0].issued_on <= row.certificate_due_at.date()
