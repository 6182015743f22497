"""Staff inbox, task page with diagram and every operation, the window queue."""
from __future__ import annotations

import re

from sqlalchemy import select

from tests.web.conftest import document, pdf_links, text
from tests.web.flows import accepted_food_licence, application, open_tasks, submit, to_decision
from workflow.services import cases
from workflow.storage.models import Case, ClockSegment, HumanTask, Notification, TaskSigner


def claimed(db, login, who: str, case_id: int):
    """The case's first open task, claimed by ``who``, and ``who``'s client."""
    task = open_tasks(db, case_id)[0]
    client = login(who)
    assert client.post(f"/tasks/{task.id}/claim").status_code == 302
    return task, client


def test_inbox_lists_claimable_tasks_green_channel_first(db, people, login):
    plain = submit(db, people, title="普通件")
    green = submit(db, people, title="绿色件", green=True)
    c = login("reviewer1")
    page = text(c.get("/inbox"))
    assert "绿色通道" in page
    first, second = [int(x) for x in re.findall(r'href="/tasks/(\d+)"', page)[:2]]
    assert open_tasks(db, green.id)[0].id == first and open_tasks(db, plain.id)[0].id == second
    assert "待签收" in page
    mine = text(c.get("/inbox?view=mine"))
    assert "暂无待办事项" in mine
    assert "收件审查" in text(c.get("/inbox?matter=bench&light=green"))
    assert "暂无待办事项" in text(c.get("/inbox?light=red"))
    assert c.get("/inbox?view=bogus&matter=nope&light=purple&page=-3").status_code == 200


def test_inbox_of_another_department_and_forbidden_roles(db, people, login):
    submit(db, people)
    assert "暂无待办事项" in text(login("food_reviewer").get("/inbox"))
    for who in ("applicant_a", "supervisor", "auditor", "admin"):
        assert login(who).get("/inbox").status_code == 403, who


def test_task_page_shows_filing_history_diagram_and_decision_form(db, people, login):
    case = submit(db, people, title="带图件")
    intake = open_tasks(db, case.id)[0]
    page = text(login("reviewer1").get(f"/tasks/{intake.id}"))
    assert "带图件" in page and "办理记录" in page and "已提交" in page
    assert "<svg" in page and 'class="shape userTask current" data-id="intake"' in page
    assert 'name="opinion"' in page and "审批决定" in page and "签收" in page
    assert "审查员" in page  # lanes are labelled with role names


def test_task_of_another_department_or_enterprise_is_not_found(db, people, login):
    case = submit(db, people)
    intake = open_tasks(db, case.id)[0]
    assert login("food_reviewer").get(f"/tasks/{intake.id}").status_code == 404
    assert login("food_reviewer").post(f"/tasks/{intake.id}/claim").status_code in (403, 404)
    assert login("applicant_b").get(f"/tasks/{intake.id}").status_code == 403
    assert login("reviewer1").get("/tasks/999999").status_code == 404


def test_task_page_leads_back_to_a_list_its_viewer_may_open(db, people, login):
    """Supervisors, auditors and admins open tasks from a case but have no inbox: the crumb that
    led them to /inbox (403) leads to the case list."""
    intake = open_tasks(db, submit(db, people).id)[0]
    for who, home in (("reviewer1", "/inbox"), ("window", "/window/"), ("supervisor", "/cases"),
                      ("auditor", "/cases"), ("admin", "/cases")):
        c = login(who)
        crumb = re.search(r'<p class="crumbs"><a href="([^"]+)"', text(c.get(f"/tasks/{intake.id}"))).group(1)
        assert crumb == home, who
        assert c.get(crumb).status_code == 200, who


def test_claim_complete_with_field_errors_then_done(db, people, login):
    case = submit(db, people)
    intake = open_tasks(db, case.id)[0]
    c = login("reviewer1")
    assert c.post(f"/tasks/{intake.id}/claim").status_code == 302
    assert "我的" in text(c.get("/inbox?view=mine"))
    assert login("reviewer2").post(f"/tasks/{intake.id}/claim").status_code == 409
    bad = c.post(f"/tasks/{intake.id}/complete", data={"opinion": "", "decision": "maybe"})
    body = text(bad)
    assert bad.status_code == 422 and "必填" in body and "必须是以下之一" in body
    ok = c.post(f"/tasks/{intake.id}/complete", data={"opinion": "材料齐全"})
    assert ok.status_code == 302
    assert c.post(f"/tasks/{intake.id}/complete", data={"opinion": "again"}).status_code == 409
    assert [t.bpmn_id for t in open_tasks(db, case.id)] == ["check_a", "check_b"]


def test_stale_version_is_a_conflict(db, people, login):
    case = submit(db, people)
    intake = open_tasks(db, case.id)[0]
    c = login("reviewer1")
    assert c.post(f"/tasks/{intake.id}/claim", data={"expected_version": "0"}).status_code == 409


def test_batch_claim(db, people, login):
    ids = [open_tasks(db, submit(db, people).id)[0].id for _ in range(3)]
    c = login("reviewer1")
    response = c.post("/inbox/claim", data={"task_ids": [str(i) for i in ids] + ["999999", "x"]})
    assert response.status_code == 302
    with db.reading() as s:
        assert set(s.scalars(select(HumanTask.assignee_id).where(HumanTask.id.in_(ids)))) == {people["reviewer1"].id}
    assert "已签收 3 件" in text(c.get("/inbox?view=mine"))


def test_operations_return_transfer_sign_copy_urge_recall(db, people, login):
    case = accepted_food_licence(db, people)
    review = open_tasks(db, case.id)[0]
    fr = login("food_reviewer")
    assert fr.get(f"/tasks/{review.id}").status_code == 200
    fr.post(f"/tasks/{review.id}/claim")
    page = text(fr.get(f"/tasks/{review.id}"))
    assert "退回申请人补正" in page and "抄送" in page
    assert "转办" not in page and "加签" not in page            # nobody else reviews food: not offered
    assert fr.post(f"/tasks/{review.id}/transfer", data={"to_user_id": people["reviewer2"].id}).status_code == 409
    assert fr.post(f"/tasks/{review.id}/copy", data={"user_ids": [people["food_approver"].id]}).status_code == 302
    assert fr.post(f"/tasks/{review.id}/copy", data={}).status_code == 422
    assert login("supervisor").post(f"/tasks/{review.id}/urge", data={"message": "请加快"}).status_code == 302
    assert fr.post(f"/tasks/{review.id}/urge").status_code == 403
    assert fr.post(f"/tasks/{review.id}/complete", data={"opinion": "好", "decision": "pass"}).status_code == 302
    assert fr.post(f"/tasks/{review.id}/recall").status_code == 302     # the inspection is untouched
    with db.reading() as s:
        kinds = set(s.scalars(select(Notification.kind)))
    assert {"copy", "urge"} <= kinds
    assert [t.bpmn_id for t in open_tasks(db, case.id)] == ["document_review"]


def test_signers_and_transfer_among_colleagues(db, people, login):
    case = submit(db, people)
    intake, r1 = claimed(db, login, "reviewer1", case.id)
    page = text(r1.get(f"/tasks/{intake.id}"))
    assert "转办" in page and "加签" in page and "委派" in page
    assert r1.post(f"/tasks/{intake.id}/add_signer", data={"user_id": people["auditor"].id}).status_code == 422
    assert r1.post(f"/tasks/{intake.id}/add_signer", data={"user_id": people["reviewer3"].id}).status_code == 302
    r3 = login("reviewer3")
    assert "请您签署意见" in text(r3.get(f"/tasks/{intake.id}"))
    assert r3.post(f"/tasks/{intake.id}/sign", data={"opinion": "同意"}).status_code == 302
    assert r1.post(f"/tasks/{intake.id}/transfer", data={"to_user_id": people["food_reviewer"].id}).status_code == 422
    assert r1.post(f"/tasks/{intake.id}/transfer", data={"to_user_id": people["reviewer2"].id}).status_code == 302
    assert "拿回" in text(r1.get(f"/tasks/{intake.id}"))
    with db.reading() as s:
        assert s.scalar(select(TaskSigner.signed_at)) is not None
        assert {"sign", "transfer"} <= set(s.scalars(select(Notification.kind)))


def test_a_failed_operation_stays_on_the_task_page_with_its_errors(db, people, login):
    case = submit(db, people)
    intake = open_tasks(db, case.id)[0]
    r1 = login("reviewer1")
    bad = r1.post(f"/tasks/{intake.id}/complete", data={"opinion": ""})
    assert bad.status_code == 422 and 'id="decision"' in text(bad) and "必填" in text(bad)
    assert r1.get(f"/tasks/{intake.id}/complete").status_code == 302     # a reload does not answer 405
    assert r1.post(f"/tasks/{intake.id}/nonsense").status_code == 404


def test_return_to_step_and_to_applicant_from_the_task_page(db, people, login):
    case = submit(db, people)
    decide = to_decision(db, people, case)
    ap = login("approver")
    ap.post(f"/tasks/{decide.id}/claim")
    page = text(ap.get(f"/tasks/{decide.id}"))
    assert "退回上一环节" in page and 'value="intake"' in page
    assert ap.post(f"/tasks/{decide.id}/return", data={"target": "intake", "opinion": ""}).status_code == 422
    assert ap.post(f"/tasks/{decide.id}/return", data={"target": "intake", "opinion": "重新审查"}).status_code == 302
    again = open_tasks(db, case.id)[0]
    assert again.bpmn_id == "intake"
    food = accepted_food_licence(db, people)
    review, fr = claimed(db, login, "food_reviewer", food.id)
    assert fr.post(f"/tasks/{review.id}/correction", data={"opinion": "x", "items": ""}).status_code == 422
    assert fr.post(f"/tasks/{review.id}/correction", data={"opinion": "补正", "items": "缺少检验报告"}).status_code == 302
    with db.reading() as s:
        assert s.get(Case, food.id).status == "correction"


def test_clock_suspend_resume_and_extension(db, people, login):
    case = accepted_food_licence(db, people)
    review, fr = claimed(db, login, "food_reviewer", case.id)
    assert fr.post(f"/tasks/{review.id}/suspend", data={"reason": "bogus"}).status_code == 422
    assert fr.post(f"/tasks/{review.id}/suspend", data={"reason": "testing", "note": "送检"}).status_code == 302
    page = text(fr.get(f"/cases/{case.id}"))
    assert "暂停计时与延期" in page and "产品检验" in page and "送检" in page
    assert "送检" not in text(login("applicant_a").get(f"/cases/{case.id}"))     # staff's note stays internal
    assert fr.post(f"/tasks/{review.id}/resume").status_code == 302
    assert fr.post(f"/tasks/{review.id}/extension", data={"days": "99", "reason": "复杂"}).status_code == 422
    assert fr.post(f"/tasks/{review.id}/extension", data={"days": "5", "reason": "情况复杂"}).status_code == 302
    with db.reading() as s:
        segment = s.scalars(select(ClockSegment).where(ClockSegment.kind == "extension")).one()
    ap = login("food_approver")
    assert "申请延长 5 个工作日" in text(ap.get(f"/cases/{case.id}")) and "情况复杂" in text(ap.get("/inbox"))
    assert fr.post(f"/extensions/{segment.id}/decide", data={"approve": "1", "opinion": "可"}).status_code == 403
    assert login("approver").post(f"/extensions/{segment.id}/decide",
                                  data={"approve": "1", "opinion": "可"}).status_code == 404
    assert ap.post(f"/extensions/{segment.id}/decide", data={"approve": "1", "opinion": ""}).status_code == 422
    assert ap.post(f"/extensions/{segment.id}/decide", data={"approve": "1", "opinion": "同意延期"}).status_code == 302
    with db.reading() as s:
        assert s.get(Case, case.id).extended_days == 5
    assert login("applicant_a").post(f"/tasks/{review.id}/suspend", data={"reason": "testing"}).status_code == 403


def op_form(page: str, op: str) -> str:
    """The HTML of the task page's form for ``op`` (inside its ``<details id="op-…">``)."""
    found = re.search(rf'<details class="op" id="op-{op}".*?</details>', page, re.S)
    assert found, f"no form for {op}: {page[:300]}"
    return found.group(0)


def test_a_refused_operation_keeps_what_was_typed(db, people, login):
    """Without JavaScript a refused form comes back open with the typed text and choices in it, so a
    reviewer never types a correction list or a reason twice; other forms stay empty."""
    case = accepted_food_licence(db, people)
    review, fr = claimed(db, login, "food_reviewer", case.id)
    bad = fr.post(f"/tasks/{review.id}/correction", data={"opinion": "", "items": "缺少检验报告\n缺少<营业执照>"})
    correction, page = op_form(text(bad), "correction"), text(bad)
    assert bad.status_code == 422 and "open" in correction.split(">")[0]
    assert ">缺少检验报告\n缺少&lt;营业执照&gt;</textarea>" in correction      # kept, and escaped
    assert "缺少检验报告" not in op_form(page, "extension")
    bad = fr.post(f"/tasks/{review.id}/extension", data={"days": "99", "reason": "情况复杂"})
    extension = op_form(text(bad), "extension")
    assert bad.status_code == 422 and 'value="99"' in extension and 'value="情况复杂"' in extension
    bad = fr.post(f"/tasks/{review.id}/suspend", data={"reason": "bogus", "note": "送检"})
    assert bad.status_code == 422 and 'value="送检"' in op_form(text(bad), "suspend")
    with db.reading() as s:
        assert s.get(Case, case.id).status != "correction"
        assert not s.scalars(select(ClockSegment).where(ClockSegment.case_id == case.id)).all()
    decide = to_decision(db, people, submit(db, people))
    ap = login("approver")
    ap.post(f"/tasks/{decide.id}/claim")
    bad = ap.post(f"/tasks/{decide.id}/return", data={"target": "intake", "opinion": ""})
    assert bad.status_code == 422 and re.search(r'value="intake"\s+selected', op_form(text(bad), "return"))


def test_staff_case_list_filters_and_visibility(db, people, login):
    case = submit(db, people, title="可查询件")
    page = text(login("window").get(f"/cases?q={case.number}"))
    assert "可查询件" in page
    assert "暂无办件" in text(login("food_reviewer").get("/cases"))
    assert login("food_reviewer").get(f"/cases/{case.id}").status_code == 404
    assert login("expert1").get(f"/cases/{case.id}").status_code == 404
    assert login("applicant_a").get("/cases").status_code == 403
    assert login("supervisor").get("/cases?status=bogus&light=x&page=0").status_code == 200


def test_staff_search_by_enterprise_credit_code_and_applicant(db, people, login):
    mine = submit(db, people, title="甲的件")
    theirs = submit(db, people, who="applicant_b", title="乙的件")
    window = login("window")

    def found(q: str) -> set[str]:
        page = text(window.get("/cases", query_string={"q": q}))
        return {n for n in (mine.number, theirs.number) if n in page}

    assert found("甲食品") == {mine.number}                    # enterprise name
    assert found("91440300ma5g") == {theirs.number}            # credit code, any letter case
    assert found("applicant_b") == {theirs.number}             # the applicant
    assert found(mine.number.lower()) == {mine.number}
    assert found("%") == set() and found("甲_") == set()       # wildcards are literal
    listing = text(window.get("/cases"))
    assert "福州甲食品有限公司" in listing and "91440300MA5G000046" in listing and "申请人" in listing


# -- the window ------------------------------------------------------------------

def file_food(db, people, green=False, matters=("food_license",)):
    data = {}
    for m in matters:
        data.update(application(m))
    return cases.submit(db, people["applicant_a"], list(matters), data, green)


def test_window_queue_joint_filing_is_one_row_and_green_first(db, people, login):
    plain = file_food(db, people)
    joint = file_food(db, people, matters=("food_license", "industrial_license"))
    green = file_food(db, people, green=True)
    page = text(login("window").get("/window/"))
    numbers = re.findall(r'class="mono" href="/cases/\d+">(SL[\d-]+)<', page)
    assert numbers == [green.number, plain.number, joint.number]
    assert "联批联办" in page and "绿色通道" in page and "共 3 条" in page
    for who in ("reviewer1", "applicant_a", "supervisor"):
        assert login(who).get("/window/").status_code == 403


def test_window_accepts_a_joint_filing_with_one_decision(db, people, login):
    joint = file_food(db, people, matters=("food_license", "industrial_license"))
    first = open_tasks(db, joint.id, "acceptance")[0]
    w = login("window")
    form = text(w.get(f"/tasks/{first.id}"))
    for choice in ('value="accept"', 'value="correct"', 'value="refuse"', 'name="items"', 'name="refuse_reason"',
                   'name="green_channel"'):
        assert choice in form
    refused = w.post(f"/tasks/{first.id}/complete", data={"decision": "refuse", "opinion": "不予受理"})
    assert refused.status_code == 422 and "必填" in text(refused)
    assert w.post(f"/tasks/{first.id}/complete", data={"decision": "accept", "opinion": "予以受理"}).status_code == 302
    assert not open_tasks(db, joint.id, "acceptance")
    assert "暂无待受理的申请" in text(w.get("/window/"))


def test_window_refusal_with_reason(db, people, login):
    case = file_food(db, people)
    task = open_tasks(db, case.id, "acceptance")[0]
    w = login("window")
    done = w.post(f"/tasks/{task.id}/complete", data={"decision": "refuse", "opinion": "不属于本机关职权",
                                                    "refuse_reason": "不属于本机关受理范围"})
    assert done.status_code == 302
    with db.reading() as s:
        row = s.get(Case, case.id)
    assert (row.status, row.outcome) == ("completed", "refused")


def test_written_acceptance_and_refusal_documents(db, people, login):
    accepted = file_food(db, people)
    refused = file_food(db, people)
    w = login("window")
    w.post(f"/tasks/{open_tasks(db, accepted.id, 'acceptance')[0].id}/complete",
           data={"decision": "accept", "opinion": "予以受理"})
    w.post(f"/tasks/{open_tasks(db, refused.id, 'acceptance')[0].id}/complete",
           data={"decision": "refuse", "opinion": "不予受理", "refuse_reason": "不属于本机关职权范围"})
    c = login("applicant_a")
    notice = document(c, accepted.id, "acceptance")
    assert "受理通知书" in notice and accepted.number in notice
    decision = document(c, refused.id, "refusal")
    assert "不予受理决定书" in decision and "不属于本机关职权范围" in decision and "行政复议" in decision
    assert not [k for k in pdf_links(text(c.get(f"/cases/{accepted.id}"))) if k.startswith("refusal")]
    link = pdf_links(text(c.get(f"/cases/{accepted.id}")))
    assert login("applicant_b").get(next(iter(link.values()))).status_code == 404


def test_cng_batch_check_starts_with_every_vehicle_proposed(db, people, login):
    case = cases.submit(db, people["applicant_a"], ["cng_cylinder"], application("cng_cylinder"))
    task = open_tasks(db, case.id, "vehicle_check")[0]
    w = login("window")
    page = text(w.get(f"/tasks/{task.id}"))
    plates = [v["plate_number"] for v in application("cng_cylinder")["vehicles"]]
    for i, plate in enumerate(plates):
        assert f'name="vehicles-{i}-plate_number" aria-label' in page and f'value="{plate}"' in page
    data = {"decision": "register", "opinion": "核验通过"}
    for i, plate in enumerate(plates):
        data[f"vehicles-{i}-plate_number"] = plate
        data[f"vehicles-{i}-decision"] = "register" if i == 0 else "refuse"
    data["vehicles-1-reason"] = ""
    refused = w.post(f"/tasks/{task.id}/complete", data=data)
    assert refused.status_code == 422 and "必填" in text(refused)  # a refused vehicle needs its reason
    data["vehicles-1-reason"] = "气瓶检验过期"
    assert w.post(f"/tasks/{task.id}/complete", data=data).status_code == 302
    with db.reading() as s:
        assert s.get(Case, case.id).outcome == "partly_granted"      # one vehicle refused
    assert "气瓶检验过期" in text(login("applicant_a").get(f"/cases/{case.id}"))


def test_case_page_lists_steps_and_the_completer_can_recall_from_there(db, people, login):
    case = submit(db, people)
    intake = open_tasks(db, case.id)[0]
    r1 = login("reviewer1")
    r1.post(f"/tasks/{intake.id}/complete", data={"opinion": "好"})
    page = text(r1.get(f"/cases/{case.id}"))
    assert f'href="/tasks/{intake.id}"' in page and "核查甲" in page and "已完成" in page
    closed = text(r1.get(f"/tasks/{intake.id}"))
    assert "/recall" in closed and 'id="complete"' not in closed
    assert "id=\"steps\"" not in text(login("applicant_a").get(f"/cases/{case.id}"))


def test_clock_operations_on_the_task_page_come_back_to_it(db, people, login):
    case = accepted_food_licence(db, people)
    review, fr = claimed(db, login, "food_reviewer", case.id)
    page = text(fr.get(f"/tasks/{review.id}"))
    assert f"/tasks/{review.id}/suspend" in page and f"/tasks/{review.id}/extension" in page
    back = fr.post(f"/tasks/{review.id}/suspend", data={"reason": "hearing"})
    assert back.headers["Location"].endswith(f"/tasks/{review.id}")
    assert f"/tasks/{review.id}/resume" in text(fr.get(f"/tasks/{review.id}"))
    evil = fr.post(f"/tasks/{review.id}/resume", data={"back": "//evil.example/"})
    assert "evil" not in evil.headers["Location"]
