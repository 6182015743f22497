"""Applicant pages: my cases, new filing with field errors and materials, correction, withdrawal, rating."""
from __future__ import annotations

import io

from sqlalchemy import select

from tests.web.conftest import document, text
from tests.web.flows import (accepted_food_licence, application, form_payload, granted, granted_food_licence,
                             issue_certificate, open_tasks, submit)
from workflow.services import tasks
from workflow.storage.models import Attachment, Case, Rating

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def new_case_form(matters, data, **files):
    payload = {"matters": matters, **form_payload(data)}
    for kind, (name, content) in files.items():
        payload[f"file:{kind}"] = (io.BytesIO(content), name)
    return payload


def test_my_cases_empty_then_listed_with_paging(db, people, login):
    c = login("applicant_a")
    page = c.get("/my/cases")
    assert page.status_code == 200 and "您还没有办件" in text(page)
    for i in range(23):
        submit(db, people, title=f"第{i}件")
    first = text(c.get("/my/cases"))
    assert "第 1 / 2 页" in first and "共 23 条" in first
    second = text(c.get("/my/cases?page=2"))
    assert second.count('href="/cases/') == 3
    assert c.get("/my/cases?page=abc").status_code == 200  # bad input is not a 500
    assert "第22件" not in text(login("applicant_b").get("/my/cases"))  # another enterprise sees nothing


def test_only_applicants_open_applicant_pages(login):
    for who in ("window", "reviewer1", "supervisor", "auditor", "admin"):
        c = login(who)
        assert c.get("/my/cases").status_code == 403, who
        assert c.get("/my/cases/new").status_code == 403, who


def test_choose_matters_lists_deployed_matters(login):
    page = text(login("applicant_a").get("/my/cases/new"))
    assert "食品生产许可证核发" in page and "特种设备使用登记" in page


def test_new_filing_for_food_license_with_a_pdf(db, people, login, tmp_path):
    c = login("applicant_a")
    form = text(c.get("/my/cases/new?matters=food_license"))
    assert 'name="company_name"' in form and 'name="food_names"' in form and "营业执照副本" in form
    response = c.post("/my/cases/new", data=new_case_form(["food_license"], application("food_license"),
                                                          business_license=("执照.pdf", PDF)),
                      content_type="multipart/form-data")
    assert response.status_code == 302, text(response)[:2000]
    case_url = response.headers["Location"]
    page = text(c.get(case_url))
    assert "申请已提交" in page and "食品生产许可证核发" in page
    assert "窗口受理人员" in page and "办理进度" in page and "当前环节" in page
    assert "执照.pdf" in page
    with db.reading() as s:
        att = s.scalars(select(Attachment)).one()
        assert att.content_type == "application/pdf" and len(att.sha256) == 64
        case = s.get(Case, att.case_id)
    assert case.number in att.path and str(tmp_path) in att.path
    download = c.get(f"/attachments/{att.id}")
    assert download.status_code == 200 and download.data == PDF
    assert login("applicant_b").get(f"/attachments/{att.id}").status_code == 404
    assert login("window").get(f"/attachments/{att.id}").status_code == 200


def test_field_level_errors_are_shown_next_to_fields_in_chinese(db, login):
    c = login("applicant_a")
    data = application("food_license", phone="12", employees="many")
    data.pop("company_name")
    response = c.post("/my/cases/new", data=new_case_form(["food_license"], data))
    body = text(response)
    assert response.status_code == 422
    assert "部分内容填写有误" in body
    assert "必填" in body and "不是有效的电话号码" in body and "不是有效的整数" in body
    assert 'class="field has-error kind-text"' in body
    assert 'value="many"' in body  # what was typed is kept
    with db.reading() as s:
        assert s.scalar(select(Case.id)) is None


def test_a_vehicle_row_error_names_its_row_and_column(db, login):
    """The summary above a CNG batch said only "车辆：必须大于等于 1 且小于等于 12。": which row, which cell?"""
    c = login("applicant_a")
    vehicles = application("cng_cylinder")["vehicles"]
    data = application("cng_cylinder", vehicles=[vehicles[0], {**vehicles[1], "cylinder_count": 99}])
    body = text(c.post("/my/cases/new", data=new_case_form(["cng_cylinder"], data)))
    assert "车辆 第 2 行 · 气瓶数量：必须大于等于 1 且小于等于 12。" in body, body
    assert body.count('<td class="has-error">') == 1
    c.post("/lang/en")
    assert "Vehicles row 2 · Cylinders" in text(c.post("/my/cases/new", data=new_case_form(["cng_cylinder"], data)))


def test_the_award_round_is_chosen_from_the_open_rounds(login):
    """Walking a quality-award nomination: 评审年度/批次 was a text box, the open rounds shown nowhere,
    so the applicant guessed a code and met "没有该编号的正在申报的评选批次"."""
    page = text(login("applicant_a").get("/my/cases/new?matters=quality_award"))
    assert '<select id="f-round" name="round">' in page and '<option value="2026"' in page, page


def test_a_file_that_is_not_pdf_jpg_png_or_ofd_files_nothing(db, login):
    c = login("applicant_a")
    response = c.post("/my/cases/new", data=new_case_form(
        ["food_license"], application("food_license"), business_license=("执照.pdf", b"MZ\x90\x00 not a pdf")),
        content_type="multipart/form-data")
    assert response.status_code == 422 and "仅接受 PDF、JPG、PNG 或 OFD 文件" in text(response)
    with db.reading() as s:
        assert s.scalar(select(Case.id)) is None


def test_joint_filing_is_one_case(db, login):
    c = login("applicant_a")
    data = {**application("food_license"), **application("equipment_registration")}
    response = c.post("/my/cases/new", data=new_case_form(["food_license", "equipment_registration"], data))
    assert response.status_code == 302, text(response)[:3000]
    page = text(c.get(response.headers["Location"]))
    assert "联批联办" in page and "食品生产许可证核发" in page and "特种设备使用登记" in page


def test_posting_no_matter_is_refused(login):
    response = login("applicant_a").post("/my/cases/new", data={})
    assert response.status_code == 422 and "请至少选择一个事项" in text(response)


def test_case_page_of_another_enterprise_is_not_found(db, people, login):
    case = submit(db, people)
    other = login("applicant_b")
    for path in (f"/cases/{case.id}", f"/my/cases/{case.id}/resubmit"):
        assert other.get(path).status_code == 404, path
    assert other.post(f"/my/cases/{case.id}/withdraw").status_code == 404
    assert other.post(f"/my/cases/{case.id}/rate", data={"level": "5"}).status_code == 404
    assert other.post(f"/cases/{case.id}/attachments", data={"kind": "other", "file": (io.BytesIO(PDF), "a.pdf")},
                      content_type="multipart/form-data").status_code == 404
    assert login("applicant_a2").get(f"/cases/{case.id}").status_code == 200  # same enterprise
    assert other.get("/cases/999999").status_code == 404


def test_progress_tracker_clock_and_holder(db, people, login):
    case = submit(db, people)
    page = text(login("applicant_a").get(f"/cases/{case.id}"))
    assert "当前办理" in page and "审查员" in page and "收件审查" in page
    assert "已用工作日" in page or "受理期限" in page
    assert "reviewer1" not in page  # applicants see roles, not names


def test_correction_at_the_window_then_resubmitted(db, people, login):
    c = login("applicant_a")
    response = c.post("/my/cases/new", data=new_case_form(["food_license"], application("food_license")))
    case_id = int(response.headers["Location"].rsplit("/", 1)[1])
    acceptance = open_tasks(db, case_id, "acceptance")[0]
    window = login("window")
    done = window.post(f"/tasks/{acceptance.id}/complete", data={
        "decision": "correct", "opinion": "材料不全", "items": "营业执照副本不清晰\n生产场所平面图缺少比例尺"})
    assert done.status_code == 302, text(done)[:3000]
    page = text(c.get(f"/cases/{case_id}"))
    assert "需要您补正材料" in page and "营业执照副本不清晰" in page and "生产场所平面图缺少比例尺" in page
    notice = document(c, case_id, "correction")
    assert "补正材料通知书" in notice and "营业执照副本不清晰" in notice and "生产场所平面图缺少比例尺" in notice
    correction = open_tasks(db, case_id, "correction")[0]
    form = text(c.get(f"/my/tasks/{correction.id}"))
    assert 'name="address"' in form
    bad = c.post(f"/my/tasks/{correction.id}", data={**form_payload(application("food_license")), "phone": "x"})
    assert bad.status_code == 422 and "不是有效的电话号码" in text(bad)
    sent = c.post(f"/my/tasks/{correction.id}", data={**form_payload(application("food_license")),
                                                    "address": "福州市鼓楼区五四路 200 号", "note": "已补正"})
    assert sent.status_code == 302, text(sent)[:3000]
    assert open_tasks(db, case_id, "acceptance"), "the case is back at the window"
    clerk_page = text(window.get(f"/tasks/{open_tasks(db, case_id, 'acceptance')[0].id}"))
    reply = clerk_page[clerk_page.index('id="applicant-reply"'):]
    assert "申请人补正说明" in reply and "已补正" in reply[:reply.index("</section>")]
    assert login("applicant_b").get(f"/my/tasks/{correction.id}").status_code in (403, 404)
    # the sent correction's page (a bookmark, another tab) no longer offers its form: back to the case
    again = c.get(f"/my/tasks/{correction.id}")
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/cases/{case_id}")
    assert "该任务已办结" in text(c.get(f"/cases/{case_id}"))


def test_return_to_applicant_and_resubmit(db, people, login):
    case = accepted_food_licence(db, people)
    review = open_tasks(db, case.id)[0]
    tasks.claim(db, people["food_reviewer"], review.id)
    tasks.return_to_applicant(db, people["food_reviewer"], review.id, "请补充", ["补充产品说明书"])
    c = login("applicant_a")
    page = text(c.get(f"/cases/{case.id}"))
    assert "补充产品说明书" in page and f"/my/cases/{case.id}/resubmit" in page
    assert c.get(f"/my/cases/{case.id}/resubmit").status_code == 200
    bad = c.post(f"/my/cases/{case.id}/resubmit", content_type="multipart/form-data", data={
        "phone": "12345", "note": "x", "file:business_license": (io.BytesIO(b"MZ not a document"), "a.exe")})
    page = text(bad)
    assert bad.status_code == 422 and "<li>营业执照副本：" in page and "<li>联系电话：" in page   # all at once
    done = c.post(f"/my/cases/{case.id}/resubmit", content_type="multipart/form-data", data={
        "title": "样品件（补正）", "note": "说明书已上传",
        "file:business_license": (io.BytesIO(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"), "执照.pdf")})
    assert done.status_code == 302
    with db.reading() as s:
        assert s.scalars(select(Attachment.kind).where(Attachment.case_id == case.id)).all() == ["business_license"]
    clerk_page = text(login("food_reviewer").get(f"/tasks/{review.id}"))
    assert 'id="applicant-reply"' in clerk_page and "说明书已上传" in clerk_page
    with db.reading() as s:
        assert s.get(Case, case.id).status != "correction"
    again = c.post(f"/my/cases/{case.id}/resubmit", data={"title": "x"})
    assert again.status_code == 409 and "没有需要您补正" in text(again)
    # the form is not offered once nothing waits for a correction (it was, and then refused what was typed)
    stale = c.get(f"/my/cases/{case.id}/resubmit")
    assert stale.status_code == 302 and stale.headers["Location"].endswith(f"/cases/{case.id}")
    assert "没有需要您补正" in text(c.get(f"/cases/{case.id}"))


def test_withdraw(db, people, login):
    case = submit(db, people)
    c = login("applicant_a")
    assert c.post(f"/my/cases/{case.id}/withdraw", data={"reason": "不再需要"}).status_code == 302
    page = text(c.get(f"/cases/{case.id}"))
    assert "已撤回" in page and 'id="withdraw"' not in page
    assert c.post(f"/my/cases/{case.id}/withdraw").status_code == 409
    assert login("reviewer1").post(f"/my/cases/{case.id}/withdraw").status_code == 403


def test_rating_after_completion(db, people, login):
    running = submit(db, people)
    c = login("applicant_a")
    assert c.post(f"/my/cases/{running.id}/rate", data={"level": "5"}).status_code == 409
    case = granted(db, people)
    page = text(c.get(f"/cases/{case.id}"))
    assert "服务评价" in page and "非常满意" in page and "非常不满意" in page
    unhappy = c.post(f"/my/cases/{case.id}/rate", data={"level": "1"})
    assert unhappy.status_code == 422 and "请告诉我们哪里做得不好" in text(unhappy)
    assert c.post(f"/my/cases/{case.id}/rate", data={"level": "abc"}).status_code == 422
    assert c.post(f"/my/cases/{case.id}/rate", data={"level": "4", "comment": "很快"}).status_code == 302
    assert "您的评价" in text(c.get(f"/cases/{case.id}"))
    with db.reading() as s:
        assert s.scalars(select(Rating.level)).one() == 4


def test_certificate_page_prints_a_qr_code_to_the_public_check(db, people, login):
    case = granted(db, people)
    cert = issue_certificate(db, case.id)
    c = login("applicant_a")
    assert f"/certificates/{cert.id}" in text(c.get(f"/cases/{case.id}"))
    page = text(c.get(f"/certificates/{cert.id}"))
    assert cert.number in page and "<svg" in page and f"/v/{cert.token}" in page and "扫码查验" in page
    assert login("applicant_b").get(f"/certificates/{cert.id}").status_code == 404
    assert login("auditor").get(f"/certificates/{cert.id}").status_code == 200


def test_upload_on_the_case_page(db, people, login, tmp_path):
    case = submit(db, people)
    c = login("applicant_a")
    ok = c.post(f"/cases/{case.id}/attachments", data={"kind": "other", "file": (io.BytesIO(PNG), "图.png")},
                content_type="multipart/form-data")
    assert ok.status_code == 302
    assert "图.png" in text(c.get(f"/cases/{case.id}"))
    empty = c.post(f"/cases/{case.id}/attachments", data={"kind": "other"}, content_type="multipart/form-data")
    assert empty.status_code == 422
    too_big = c.post(f"/cases/{case.id}/attachments",
                     data={"kind": "other", "file": (io.BytesIO(PDF + b"0" * (12 * 1024 * 1024)), "big.pdf")},
                     content_type="multipart/form-data")
    assert too_big.status_code == 413
    assert login("supervisor").post(f"/cases/{case.id}/attachments", data={
        "kind": "other", "file": (io.BytesIO(PNG), "x.png")}, content_type="multipart/form-data").status_code == 403
    assert login("applicant_b").post(f"/cases/{case.id}/attachments", data={
        "kind": "other", "file": (io.BytesIO(PNG), "x.png")}, content_type="multipart/form-data").status_code == 404


def test_certificate_download_as_png(db, people, login):
    case = granted(db, people)
    cert = issue_certificate(db, case.id)
    c = login("applicant_a")
    assert f"/certificates/{cert.id}.png" in text(c.get(f"/certificates/{cert.id}"))
    response = c.get(f"/certificates/{cert.id}.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.data.startswith(b"\x89PNG") and cert.number in response.headers["Content-Disposition"]
    assert login("applicant_b").get(f"/certificates/{cert.id}.png").status_code == 404


def test_new_filing_form_knows_the_enterprise(login):
    page = text(login("applicant_a").get("/my/cases/new?matters=food_license"))
    assert 'value="福州甲食品有限公司"' in page and 'value="91350100M000100Y43"' in page


def test_finished_case_shows_the_certificate_deadline(login, db, people):
    case = granted_food_licence(db, people)
    page = text(login("applicant_a").get(f"/cases/{case.id}"))
    assert "制证送达期限" in page
