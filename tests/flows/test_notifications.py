"""Who is told what, in the transaction of the event: applicants and staff, in the app and in the outbox."""
from __future__ import annotations

import pytest
from sqlalchemy import select, update

from tests.flows.test_industrial import PLAIN
from workflow.errors import ValidationError
from workflow.services import clock as clock_services
from workflow.services import handover, tasks
from workflow.storage.models import Notification, OutboxMessage, User


def kinds(bureau, who: str) -> list[str]:
    with bureau.db.reading() as s:
        return list(s.scalars(select(Notification.kind).where(Notification.user_id == bureau.people[who].id)
                              .order_by(Notification.id)))


def outbox(bureau) -> list[tuple[str, str, str]]:
    with bureau.db.reading() as s:
        return [(m.channel, m.address, m.status) for m in s.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


def give_addresses(bureau, who: str, email: str | None, phone: str | None) -> None:
    with bureau.db.transaction() as s:
        s.execute(update(User).where(User.id == bureau.people[who].id).values(email=email, phone=phone))


def rectified_and_granted(bureau, case) -> None:
    """After review: the inspection asks for a rectification (30 days), the second inspection
    and the testing pass, the approver grants."""
    bureau.act("inspector1", case.id, "onsite_inspection", decision="rectify",
               team=["inspector1", "inspector2"], rectify_days=30, findings="记录不全")
    bureau.act("applicant_a2", case.id, "rectification", report="已整改完毕")
    bureau.act("inspector2", case.id, "onsite_inspection", decision="pass", team=["inspector1", "inspector2"])
    bureau.act("reviewer2", case.id, "product_testing", decision="pass", report_number="JY-2")
    bureau.act("approver", case.id, "approval", decision="approve")


def test_applicant_told_of_every_step_of_a_licence(bureau):
    give_addresses(bureau, "applicant_a", "qiye@example.cn", "13800000000")
    case = bureau.file(["industrial_license"], PLAIN)
    assert kinds(bureau, "applicant_a") == []
    bureau.act("window", case.id, "acceptance", decision="correct", items=["产品明细"])
    bureau.act("applicant_a", case.id, "correction", note="已补齐")
    bureau.accept(case.id)
    bureau.reviews(case.id)
    rectified_and_granted(bureau, case)
    told = kinds(bureau, "applicant_a")
    assert told == ["correction", "accepted", "rectification", "decision", "certificate"]
    assert kinds(bureau, "applicant_a2") == told          # every applicant account of the enterprise
    assert kinds(bureau, "applicant_b") == []             # never another enterprise
    sent = outbox(bureau)
    assert [c for c, a, _ in sent if a == "qiye@example.cn"] == ["email"] * 5
    assert [c for c, a, _ in sent if a == "13800000000"] == ["sms"] * 5
    assert {status for *_, status in sent} == {"pending"}
    with bureau.db.reading() as s:
        messages = list(s.scalars(select(Notification.message).where(
            Notification.user_id == bureau.people["applicant_a"].id).order_by(Notification.id)))
    assert "产品明细" in messages[0] and case.number in messages[1] and "30个工作日" in messages[2]
    assert "准予许可" in messages[3] and bureau.outcome(case.id).certificates[0].number in messages[4]


def paused_and_extended(bureau, case, note: str) -> None:
    """The document review stops the clock for testing (with ``note``) and resumes; an extension
    of 5 working days is asked for and approved."""
    review = bureau.claim("reviewer1", case.id, "document_review")
    clock_services.suspend(bureau.db, bureau.people["reviewer1"], review.id, "testing", note)
    clock_services.resume(bureau.db, bureau.people["reviewer1"], review.id)
    asked = clock_services.request_extension(bureau.db, bureau.people["reviewer1"], review.id, 5, "需专家论证")
    clock_services.decide_extension(bureau.db, bureau.people["approver"], asked.id, True, "同意")


def run_licence_with_every_notice(bureau) -> list[str]:
    """A licence that meets every notice an applicant can get, and a refused filing; their numbers."""
    case = bureau.file(["industrial_license"], PLAIN)
    bureau.act("window", case.id, "acceptance", decision="correct", items=["产品明细"])
    bureau.act("applicant_a", case.id, "correction", note="已补齐")
    bureau.accept(case.id)
    paused_and_extended(bureau, case, "送检")
    bureau.reviews(case.id)
    rectified_and_granted(bureau, case)
    refused = bureau.file(["industrial_license"], PLAIN)
    bureau.act("window", refused.id, "acceptance", decision="refuse", refuse_reason="不属于本机关职权")
    return [case.number, refused.number]


def test_every_kind_once_in_a_full_licence(bureau):
    run_licence_with_every_notice(bureau)
    assert kinds(bureau, "applicant_a") == ["correction", "accepted", "suspension", "extension", "rectification",
                                            "decision", "certificate", "refused"]


def test_refusal_and_denial_are_told(bureau):
    refused = bureau.file(["industrial_license"], PLAIN)
    bureau.act("window", refused.id, "acceptance", decision="refuse", refuse_reason="不属于本机关职权")
    denied = bureau.file(["industrial_license"], PLAIN)
    bureau.accept(denied.id)
    bureau.reviews(denied.id, ("pass", "fail"))
    assert kinds(bureau, "applicant_a") == ["refused", "accepted", "decision"]
    assert outbox(bureau) == []                         # nobody gave an address: in the app only


def test_staff_told_of_handover_signature_urge_and_extension(bureau):
    give_addresses(bureau, "reviewer2", "shencha2@example.cn", "13900000000")
    case = bureau.file(["industrial_license"], PLAIN)
    bureau.accept(case.id)
    review = bureau.claim("reviewer1", case.id, "document_review")
    handover.transfer(bureau.db, bureau.people["reviewer1"], review.id, bureau.people["reviewer3"].id, "请处理")
    assert kinds(bureau, "reviewer3") == ["transfer"]
    handover.add_signer(bureau.db, bureau.people["reviewer3"], review.id, bureau.people["reviewer2"].id)
    clock_services.request_extension(bureau.db, bureau.people["reviewer3"], review.id, 5, "需专家论证")
    handover.urge(bureau.db, bureau.people["supervisor"], review.id, "请尽快")
    assert kinds(bureau, "reviewer2") == ["sign"]
    assert kinds(bureau, "approver") == ["decide_extension"]
    assert kinds(bureau, "food_approver") == []          # another department's approver
    assert kinds(bureau, "reviewer3") == ["transfer", "urge"]
    assert outbox(bureau) == [("email", "shencha2@example.cn", "pending")]   # staff: no SMS


def test_applicant_told_of_suspension_and_extension_with_its_reason(bureau):
    case = bureau.file(["industrial_license"], PLAIN)
    bureau.accept(case.id)
    paused_and_extended(bureau, case, "送检：内部备注")
    assert kinds(bureau, "applicant_a") == ["accepted", "suspension", "extension"]
    with bureau.db.reading() as s:
        suspended, extended = s.scalars(select(Notification.message).where(
            Notification.user_id == bureau.people["applicant_a"].id).order_by(Notification.id)).all()[1:]
    assert "检验检测" in suspended and "内部备注" not in suspended
    assert "5个工作日" in extended and "需专家论证" in extended


def test_a_refused_command_leaves_no_notice(bureau):
    case = bureau.file(["industrial_license"], PLAIN)
    with pytest.raises(ValidationError):
        bureau.act("window", case.id, "acceptance", decision="correct")
    assert kinds(bureau, "applicant_a") == []
    review_less = bureau.task(case.id, "acceptance")
    tasks.claim(bureau.db, bureau.people["window"], review_less.id)
    assert kinds(bureau, "window") == []                  # claiming one's own task tells no one
