"""Written documents as PDF (Administrative Licensing Law Art. 32, 38, 39, 42): which a case has,
what each says, who may open them; read back from the PDF's own text with pypdf."""
from __future__ import annotations

import io

import pytest
from PIL import Image
from pypdf import PdfReader

from tests.flows.test_food import decide
from tests.helpers import ORG_A
from workflow.documents.content import Links
from workflow.errors import NotFound, ValidationError
from workflow.services import case_view, documents, tasks

LINKS = Links(verify=lambda token: f"https://example.test/v/{token}", progress="https://example.test/progress")
AUTHORITY = "福州市鼓楼区市场监督管理局"


def text_of(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).replace("\n", "")


def seal_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (200, 200), (200, 0, 0, 128)).save(out, "PNG")
    return out.getvalue()


def kinds(bureau, who, case_id) -> list[str]:
    return [d.kind for d in case_view.case_view(bureau.db, bureau.people[who], case_id).documents]


def render(bureau, who, case_id, key) -> str:
    rendered = documents.render(bureau.db, bureau.people[who], case_id, key, LINKS)
    assert rendered.data.startswith(b"%PDF") and rendered.content_type == "application/pdf"
    return text_of(rendered.data)


def test_granted_food_licence_has_every_document_with_number_enterprise_and_date(bureau):
    documents.set_office(bureau.db, bureau.people["admin"], {"authority": AUTHORITY, "phone": "0591-87654321"},
                         seal=seal_png())
    case = decide(bureau, data={"legal_representative": "王五", "production_address": "福州市仓山区建新路 8 号"})
    assert kinds(bureau, "applicant_a", case.id) == ["acceptance", "grant", "certificate", "delivery"]
    for ref in case_view.case_view(bureau.db, bureau.people["applicant_a"], case.id).documents:
        text = render(bureau, "applicant_a", case.id, ref.key)
        assert case.number in text and ORG_A[1] in text and AUTHORITY in text and "2026年3月2日" in text, ref.kind
    licence = render(bureau, "applicant_a", case.id, next(d.key for d in case_view.case_view(
        bureau.db, bureau.people["applicant_a"], case.id).documents if d.kind == "certificate"))
    for field in ("生产者名称", ORG_A[0], "法定代表人王五", "住所", "生产地址福州市仓山区建新路 8 号", "食品类别",
                  "16 蔬菜制品（绿茶、乌龙茶）", "有效期2026-03-02 至 2031-03-02", "日常监督管理机构", "签发人food_approver",
                  "发证机关", "发证日期2026-03-02", "扫码核验"):
        assert field.replace(" ", "") in licence.replace(" ", ""), field


def test_acceptance_notice_prints_the_query_code_and_the_limit(bureau):
    case = decide(bureau)
    text = render(bureau, "applicant_a", case.id, kinds_keys(bureau, case.id)["acceptance"])
    assert case.query_code and case.query_code in text and "https://example.test/progress" in text
    assert "第三十二条" in text and "10个工作日" in text and "（发证机关全称未设置）" in text


def kinds_keys(bureau, case_id, who="applicant_a") -> dict[str, str]:
    return {d.kind: d.key for d in case_view.case_view(bureau.db, bureau.people[who], case_id).documents}


def test_denial_gives_reasons_and_the_rights_of_review_and_suit(bureau):
    case = bureau.file(["food_license"])
    bureau.accept(case.id)
    bureau.act("food_reviewer", case.id, "document_review", decision="pass")
    bureau.act("food_inspector", case.id, "onsite_inspection", decision="fail",
               team=["food_inspector", "food_inspector2"])
    bureau.act("food_approver", case.id, "approval", decision="deny", opinion="生产场所与申请材料不符")
    assert kinds(bureau, "applicant_a", case.id) == ["acceptance", "denial", "delivery"]
    text = render(bureau, "applicant_a", case.id, kinds_keys(bureau, case.id)["denial"])
    for words in ("生产场所与申请材料不符", "第三十八条第二款", "六十日内", "行政复议法", "第二十条", "六个月内",
                  "行政诉讼法", "第四十六条"):
        assert words in text, words


def test_correction_notice_lists_every_item_and_refusal_its_reason(bureau):
    case = bureau.file(["food_license"])
    bureau.act("window", case.id, "acceptance", decision="correct", items=["营业执照副本不清晰", "缺少平面图"])
    text = render(bureau, "applicant_a", case.id, kinds_keys(bureau, case.id)["correction"])
    assert "1. 营业执照副本不清晰" in text and "2. 缺少平面图" in text and "一次性告知" in text
    other = bureau.file(["food_license"])
    bureau.act("window", other.id, "acceptance", decision="refuse", refuse_reason="不属于本机关职权范围")
    text = render(bureau, "applicant_a", other.id, kinds_keys(bureau, other.id)["refusal"])
    assert "不属于本机关职权范围" in text and "决定不予受理" in text and "六十日内" in text


def test_correction_after_acceptance_does_not_restart_the_acceptance_period(bureau):
    """Walking a reviewer's 退回补正: its notice cited the intake article and said "受理期限重新计算"
    of a case accepted days before, while the case page (truly) showed the decision clock paused."""
    case = bureau.file(["food_license"])
    bureau.accept(case.id)
    review = bureau.claim("food_reviewer", case.id, "document_review")
    tasks.return_to_applicant(bureau.db, bureau.people["food_reviewer"], review.id, "请补充", ["补充产品说明书"])
    text = render(bureau, "applicant_a", case.id, kinds_keys(bureau, case.id)["correction"])
    assert "1. 补充产品说明书" in text and "一次性告知" in text
    assert "受理期限重新计算" not in text and "第三十二条" not in text
    assert "已于2026年3月2日受理" in text and "不计入审批期限" in text


def test_documents_are_not_found_for_other_enterprises_and_unknown_keys(bureau):
    case = decide(bureau)
    key = kinds_keys(bureau, case.id)["grant"]
    with pytest.raises(NotFound):
        documents.render(bureau.db, bureau.people["applicant_b"], case.id, key, LINKS)
    with pytest.raises(NotFound):
        documents.render(bureau.db, bureau.people["applicant_a"], case.id, "grant-999999", LINKS)
    assert render(bureau, "window", case.id, key)


def test_office_settings_refuse_a_fake_seal_and_need_the_authority(bureau):
    admin = bureau.people["admin"]
    with pytest.raises(ValidationError) as bad:
        documents.set_office(bureau.db, admin, {"authority": AUTHORITY}, seal=b"%PDF-1.4 not an image")
    assert "seal" in bad.value.fields
    with pytest.raises(ValidationError) as empty:
        documents.set_office(bureau.db, admin, {"authority": "  "})
    assert "authority" in empty.value.fields
    office = documents.set_office(bureau.db, admin, {"authority": AUTHORITY}, seal=seal_png())
    assert office.seal and office.authority == AUTHORITY
    assert documents.set_office(bureau.db, admin, {"authority": AUTHORITY}, remove_seal=True).seal is None


def test_upgrade_reaches_head_keeping_older_cases_and_ratings(tmp_path):
    """0012 adds office settings and the query code (older cases get one) and rates per matter
    (an older case rating becomes the rating of each of its matters)."""
    from alembic import command
    from alembic.script import ScriptDirectory
    from sqlalchemy import text

    from workflow.storage.db import Database
    from workflow.storage.schema import alembic_config, upgrade
    db = Database(f"sqlite:///{tmp_path / 'old.db'}")
    with db.engine.begin() as connection:
        config = alembic_config(db)
        config.attributes["connection"] = connection
        command.upgrade(config, "0007")
        connection.execute(text("INSERT INTO organisations (id, credit_code, name) VALUES (1, 'x', 'x')"))
        connection.execute(text("INSERT INTO users (id, username, password_hash, display_name, role, active, "
                                "created_at) VALUES (1, 'u', 'h', 'u', 'applicant', 1, '2026-01-01')"))
        connection.execute(text("INSERT INTO cases (id, number, organisation_id, applicant_id, title, matters, data, "
                                "status, green_channel, created_at, deemed_accepted, extended_days, used_days, light,"
                                " suspended) VALUES (1, 'SL2025-000001', 1, 1, 't', '[]', '{}', 'submitted', 0, "
                                "'2026-01-01', 0, 0, 0, 'green', 0)"))
        connection.execute(text("INSERT INTO process_versions (id, process_id, version, filename, sha256, xml, "
                                "spec_json, deployed_at) VALUES (1, 'p', 1, 'p.bpmn', 's', 'x', '{}', '2026-01-01')"))
        for instance_id, matter in ((1, "food_license"), (2, "equipment_registration")):
            connection.execute(text(
                "INSERT INTO process_instances (id, case_id, matter_code, process_version_id, state, version, status,"
                f" created_at, updated_at) VALUES ({instance_id}, 1, '{matter}', 1, X'00', 1, 'completed',"
                " '2026-01-01', '2026-01-01')"))
        connection.execute(text("INSERT INTO ratings (case_id, level, comment, rated_by, rated_at) "
                                "VALUES (1, 2, '慢', 1, '2026-01-02')"))
    upgrade(db)
    head = ScriptDirectory.from_config(alembic_config(db)).get_current_head()
    with db.engine.connect() as connection:
        assert connection.scalar(text("SELECT version_num FROM alembic_version")) == head
        assert len(connection.scalar(text("SELECT query_code FROM cases WHERE id = 1"))) == 8
        ratings = connection.execute(text("SELECT matter_code, level, comment, reply FROM ratings "
                                          "ORDER BY matter_code"))
        assert ratings.all() == [("equipment_registration", 2, "慢", None), ("food_license", 2, "慢", None)]
    db.dispose()


def test_a_registration_refused_in_review_gets_a_denial_and_one_at_the_counter_a_grant(bureau):
    refused = bureau.file(["equipment_registration"])
    bureau.act("window", refused.id, "acceptance", decision="accept")
    bureau.act("equip_reviewer", refused.id, "document_review", decision="fail", opinion="监督检验证书已过期")
    assert kinds(bureau, "applicant_a", refused.id) == ["acceptance", "denial", "delivery"]
    assert "监督检验证书已过期" in render(bureau, "applicant_a", refused.id, kinds_keys(bureau, refused.id)["denial"])
    counter = bureau.file(["equipment_registration"])
    bureau.act("window", counter.id, "acceptance", decision="register_now")
    assert kinds(bureau, "applicant_a", counter.id) == ["acceptance", "grant", "certificate", "delivery"]
    licence = render(bureau, "applicant_a", counter.id, kinds_keys(bureau, counter.id)["certificate"])
    assert "使用单位" in licence and "电梯" in licence and "签发人window" in licence


def test_joint_filing_one_acceptance_two_decisions_and_a_cng_batch_one_certificate_per_vehicle(bureau):
    from tests.flows.test_equipment import VALID
    case = bureau.file(["food_license", "equipment_registration"])
    bureau.accept(case.id)
    bureau.act("equip_reviewer", case.id, "document_review", decision="pass")
    bureau.act("food_reviewer", case.id, "document_review", decision="pass")
    bureau.act("food_inspector", case.id, "onsite_inspection", decision="pass",
               team=["food_inspector", "food_inspector2"])
    bureau.act("food_approver", case.id, "approval", decision="approve")
    assert sorted(kinds(bureau, "applicant_a", case.id)) == sorted(
        ["acceptance", "grant", "grant", "certificate", "certificate", "delivery"])
    grants = [d for d in case_view.case_view(bureau.db, bureau.people["applicant_a"], case.id).documents
              if d.kind == "grant"]
    texts = [render(bureau, "applicant_a", case.id, d.key) for d in grants]
    assert f"{case.number}号" in texts[0] and f"{case.number}-2号" in texts[1]
    assert {"食品生产许可证核发" in texts[0], "特种设备使用登记" in texts[1]} == {True} or \
        {"食品生产许可证核发" in texts[1], "特种设备使用登记" in texts[0]} == {True}
    vehicles = [{**VALID["cng_application"]["vehicles"][0], "plate_number": p, "vin": v}
                for p, v in (("闽A11111", "LSVAU2180N2183294"), ("闽A22222", "LFV2A21K6A3000001"))]
    batch = bureau.file(["cng_cylinder"], {"vehicles": vehicles})
    bureau.act("window", batch.id, "vehicle_check", decision="register", vehicles=[
        {"plate_number": "闽A11111", "decision": "register"},
        {"plate_number": "闽A22222", "decision": "refuse", "reason": "气瓶检验过期"}])
    assert kinds(bureau, "applicant_a", batch.id) == ["grant", "certificate", "delivery"]
    # granted in part: the refused vehicle, its reason and the right to review are in the decision
    decision = render(bureau, "applicant_a", batch.id, kinds_keys(bureau, batch.id)["grant"]).replace("\n", "")
    assert "决定准予行政许可" in decision and "闽A22222（气瓶检验过期）" in decision
    assert "第三十八条第二款" in decision and "行政复议" in decision and "闽A11111（" not in decision
    licence = render(bureau, "applicant_a", batch.id, kinds_keys(bureau, batch.id)["certificate"])
    assert "车牌号码闽A11111" in licence.replace(" ", "") and "LSVAU2180N2183294" in licence


def test_extension_notice_gives_the_reason_and_the_days(bureau):
    from tests.flows.test_paths import reviewed
    from workflow.services import clock
    case = reviewed(bureau)
    inspection = bureau.claim("inspector1", case.id, "onsite_inspection")
    segment = clock.request_extension(bureau.db, bureau.people["inspector1"], inspection.id, 5, "需要补充抽样检验")
    clock.decide_extension(bureau.db, bureau.people["approver"], segment.id, True, "同意延长")
    assert kinds(bureau, "applicant_a", case.id) == ["acceptance", "extension", "delivery"]
    text = render(bureau, "applicant_a", case.id, kinds_keys(bureau, case.id)["extension"])
    assert "需要补充抽样检验" in text and "延长5个工作日" in text and "第四十二条" in text


def test_an_installation_notice_is_answered_with_a_receipt(bureau):
    case = bureau.file(["equipment_notice"])
    assert kinds(bureau, "applicant_a", case.id) == ["receipt", "delivery"]
    text = render(bureau, "applicant_a", case.id, kinds_keys(bureau, case.id)["receipt"])
    assert case.data["receipt_number"] in text and "第二十三条" in text and "福建某电梯工程有限公司" in text
    assert "施工类别安装" in text.replace(" ", "") and ORG_A[1] in text and case.number in text
