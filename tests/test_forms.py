"""Application and task forms: each accepts a valid example and refuses typical mistakes with
the field and message a clerk or applicant would need; every message has Chinese."""
from __future__ import annotations

import re

import pytest
from babel.support import Translations

from webapp.i18n_import import TRANSLATIONS
from workflow.domain import forms
from workflow.errors import Message, ValidationError

PROVOKED: set[str] = set()

COMMON = {
    "title": "新建生产线许可申请",
    "company_name": "福州甲食品有限公司",
    "credit_code": "91350100M000100Y43",
    "contact": "林小明",
    "phone": "13800138000",
    "address": "福州市鼓楼区五四路 100 号",
    "area_code": "350102",
}

VEHICLE = {
    "plate_number": "闽A12345",
    "vin": "LSVAU2180N2183294",
    "cylinder_serial": "CNG-2026-0001",
    "cylinder_count": 2,
    "cylinder_valid_until": "2030-06-30",
}

VALID: dict[str, dict] = {
    "industrial_application": {**COMMON, "product_name": "电线电缆", "industry_code": "06",
                               "product_code": "001", "commitment_path": True},
    "food_application": {**COMMON, "food_kind": 1, "food_category": "16",
                         "food_names": ["绿茶", "乌龙茶"], "premises_area": 850.5, "employees": 36},
    "food_change_application": {**COMMON, "change_kind": "change", "license_number": "SC11644200000389",
                                "change_items": ["生产地址"], "new_production_address": "福州市仓山区建新路 8 号",
                                "reason": "搬迁新厂区"},
    "equipment_notice_application": {**COMMON, "equipment_kind": "3000", "work_kind": "installation",
                                     "contractor_name": "福建某电梯工程有限公司",
                                     "contractor_license": "TS3335001-2027", "site_address": "福州市仓山区某小区 3 号楼",
                                     "planned_start": "2026-12-01", "units": 4},
    "equipment_registration_application": {**COMMON, "equipment_kind": "3000", "variety_code": "3110",
                                           "product_number": "F2026-0815", "manufacturer": "某电梯有限公司",
                                           "use_location": "福州市鼓楼区某大厦", "start_use_date": "2026-11-01",
                                           "inspection_certificate_no": "JD-2026-1234"},
    "cng_application": {**COMMON, "vehicles": [
        VEHICLE, {**VEHICLE, "plate_number": "粤B·D12345", "vin": "LFV2A21K6A3000001"}]},
    "award_application": {**COMMON, "category": "manufacturing", "round": "2026",
                          "self_evaluation_score": 720, "summary": "企业坚持质量第一，建立卓越绩效管理模式。"},
    "generic": {"opinion": "同意"},
    "acceptance": {"opinion": "材料齐全，予以受理", "decision": "accept", "green_channel": True},
    "correction": {"changes": {"address": "福州市鼓楼区五四路 200 号"}, "note": "已更正地址"},
    "review": {"opinion": "符合要求", "decision": "pass"},
    "post_inspection": {"opinion": "现场与承诺一致", "decision": "pass"},
    "decision": {"opinion": "准予许可", "decision": "approve"},
    "inspection": {"opinion": "需整改", "decision": "rectify", "team": ["inspector1", "inspector2"],
                   "rectify_days": 30, "findings": "仓库温湿度记录不全"},
    "rectification": {"report": "已补全温湿度记录并培训人员。"},
    "testing": {"opinion": "检验合格", "decision": "pass", "report_number": "JY2026-0456"},
    "registration_acceptance": {"opinion": "资料齐全，当场办结", "decision": "register_now"},
    "vehicle_check": {"opinion": "一辆车行驶证过期", "decision": "register", "vehicles": [
        {"plate_number": "闽A12345", "decision": "register"},
        {"plate_number": "闽A54321", "decision": "refuse", "reason": "行驶证过期"}]},
    "eligibility": {"opinion": "符合申报条件", "decision": "eligible"},
    "recommendation": {"opinion": "推荐上报", "decision": "recommend",
                       "experts": ["expert1", "expert2", "expert3"]},
    "expert_score": {"opinion": "领导作用突出", "score": 812,
                     "scores_by_criterion": {"leadership": 95, "results": 300}},
    "onsite_review": {"opinion": "现场情况属实", "decision": "pass"},
    "committee": {"opinion": "同意授奖", "decision": "award"},
    "public_notice": {"opinion": "公示期内收到异议", "decision": "objection", "objection": "自评分数与实际不符"},
    "objection": {"opinion": "异议不成立", "decision": "dismissed"},
    "ranking": {"opinion": "第1名，入选", "decision": "selected", "rank": 1},
}


def refused(key: str, data: dict) -> dict[str, list[str]]:
    """The per-field messages of a refused form; every message is kept for the translation check."""
    with pytest.raises(ValidationError) as exc:
        forms.validate(key, data)
    for messages in exc.value.fields.values():
        PROVOKED.update(messages)
    return exc.value.fields


def with_(key: str, **changes) -> dict:
    data = {**VALID[key], **changes}
    return {k: v for k, v in data.items() if v is not DROP}


DROP = object()

# key, data, expected {field: message}; only the listed fields are checked, and each must be
# among the errors. An application form's data is the changes to its valid example (``with_``).
BAD: list[tuple[str, dict, dict[str, str]]] = [
    # common application fields
    ("industrial_application", dict(credit_code="91350100M000100Y4Z"),
     {"credit_code": "Not a valid unified social credit code (check character wrong)."}),
    ("industrial_application", dict(credit_code="91350100m000100y43"),
     {"credit_code": "Not a valid unified social credit code (check character wrong)."}),
    ("industrial_application", dict(company_name=DROP, contact="  "),
     {"company_name": "Missing data for required field.", "contact": "May not be blank."}),
    ("industrial_application", dict(company_name="甲", contact="张" * 31),
     {"company_name": "Length must be between 2 and 100.", "contact": "Length must be between 2 and 30."}),
    ("industrial_application", dict(phone="12800138000"),
     {"phone": "Not a valid phone number (mobile 1xxxxxxxxxx or landline such as 0591-87654321)."}),
    ("industrial_application", dict(phone="87654321"),
     {"phone": "Not a valid phone number (mobile 1xxxxxxxxxx or landline such as 0591-87654321)."}),
    ("industrial_application", dict(area_code="359900"),
     {"area_code": "Not a valid area code."}),
    ("industrial_application", dict(area_code="35010"),
     {"area_code": "Must be exactly 6 digits."}),
    ("industrial_application", dict(title="题" * 201, address=123),
     {"title": "Longer than maximum length 200.", "address": "Not a valid string."}),
    ("industrial_application", dict(surprise=1),
     {"surprise": "Unknown field."}),
    ("industrial_application", dict(phone=None),
     {"phone": "Field may not be null."}),
    # industrial
    ("industrial_application", dict(hazardous_chemical=True),
     {"commitment_path": "Hazardous chemicals and fertiliser may not take the commitment path."}),
    ("industrial_application", dict(fertiliser="yes-please"),
     {"fertiliser": "Not a valid boolean."}),
    ("industrial_application", dict(industry_code="6", product_code="０１２"),
     {"industry_code": "Must be exactly 2 digits.", "product_code": "Must be exactly 3 digits."}),
    # food
    ("food_application", dict(food_kind=2, food_category="16"),
     {"food_category": "Not a food category of this kind."}),
    ("food_application", dict(food_kind=3),
     {"food_kind": "Must be one of: 1, 2."}),
    ("food_application", dict(food_names=[]),
     {"food_names": "Give between 1 and 50 entries."}),
    ("food_application", dict(food_names="绿茶"),
     {"food_names": "Not a valid list."}),
    ("food_application", dict(food_names=["绿茶", 5]),
     {"food_names.1": "Not a valid string."}),
    ("food_application", dict(premises_area=0.5, employees=0),
     {"premises_area": "Must be greater than or equal to 1 and less than or equal to 1000000.",
      "employees": "Must be greater than or equal to 1 and less than or equal to 100000."}),
    ("food_application", dict(premises_area="large", employees=12.5),
     {"premises_area": "Not a valid number.", "employees": "Not a valid integer."}),
    ("food_application", dict(premises_area=float("nan")),
     {"premises_area": "Special numeric values (nan or infinity) are not permitted."}),
    # food change
    ("food_change_application", dict(license_number="SC11644200000388"),
     {"license_number": "Not a valid food production licence number (SC)."}),
    ("food_change_application", dict(new_production_address=DROP),
     {"new_food_names": "Give the new particulars: company name, production address or food names."}),
    ("food_change_application", dict(change_kind="transfer"),
     {"change_kind": "Must be one of: change, renewal, cancellation."}),
    ("food_change_application", dict(reason="因" * 501),
     {"reason": "Longer than maximum length 500."}),
    # equipment notice
    ("equipment_notice_application", dict(equipment_kind="7000"),
     {"equipment_kind": "Not a known special equipment kind."}),
    ("equipment_notice_application", dict(planned_start="2026-02-30"),
     {"planned_start": "Not a valid date."}),
    ("equipment_notice_application", dict(planned_start="1/12/2026"),
     {"planned_start": "Not a valid date."}),
    ("equipment_notice_application", dict(units=501, work_kind="demolition"),
     {"units": "Must be greater than or equal to 1 and less than or equal to 500.",
      "work_kind": "Must be one of: installation, modification, repair."}),
    # equipment registration
    ("equipment_registration_application", dict(variety_code="2310"),
     {"variety_code": "Not a variety code of this equipment kind."}),
    ("equipment_registration_application", dict(variety_code="311"),
     {"variety_code": "Must be exactly 4 digits."}),
    ("equipment_registration_application", dict(product_number="", inspection_certificate_no="号" * 51),
     {"product_number": "May not be blank.", "inspection_certificate_no": "Length must be between 1 and 50."}),
    # CNG
    ("cng_application", dict(vehicles=[]),
     {"vehicles": "Length must be between 1 and 200."}),
    ("cng_application", dict(vehicles=[VEHICLE, {**VEHICLE, "plate_number": "闽A·12345"}]),
     {"vehicles.1.plate_number": "Each plate number may appear only once."}),
    ("cng_application", dict(vehicles=[VEHICLE, {**VEHICLE, "plate_number": "闽A54321"}]),   # one vehicle, two plates
     {"vehicles.1.vin": "Each vehicle identification number may appear only once."}),
    ("cng_application", dict(vehicles=[
        {**VEHICLE, "plate_number": "闽AI2345", "vin": "LSVAU2180N218329O", "cylinder_count": 13},
        {**VEHICLE, "plate_number": "港A12345", "cylinder_valid_until": "2030-13-01"}]),
     {"vehicles.0.plate_number": "Not a valid licence plate number (such as 闽A12345 or 粤B·D12345).",
      "vehicles.0.vin": "Not a valid vehicle identification number (17 characters, no I, O or Q).",
      "vehicles.0.cylinder_count": "Must be greater than or equal to 1 and less than or equal to 12.",
      "vehicles.1.plate_number": "Not a valid licence plate number (such as 闽A12345 or 粤B·D12345).",
      "vehicles.1.cylinder_valid_until": "Not a valid date."}),
    ("cng_application", dict(vehicles=["闽A12345"]),
     {"vehicles.0._schema": "Invalid input type."}),
    # award
    ("award_application", dict(self_evaluation_score=1001, summary="太短"),
     {"self_evaluation_score": "Must be greater than or equal to 0 and less than or equal to 1000.",
      "summary": "Length must be between 10 and 5000."}),
    ("award_application", dict(category="mining", round=DROP),
     {"category": "Must be one of: manufacturing, agriculture, services.",
      "round": "Missing data for required field."}),
    # task forms
    ("generic", {"opinion": "同意", "decision": "maybe"}, {"decision": "Must be one of: approve, deny, done."}),
    ("acceptance", {"opinion": "请补正", "decision": "correct"},
     {"items": "List every item the applicant must correct."}),
    ("acceptance", {"opinion": "请补正", "decision": "correct", "items": []},
     {"items": "List every item the applicant must correct."}),
    ("acceptance", {"opinion": "不予受理", "decision": "refuse"},
     {"refuse_reason": "Missing data for required field."}),
    ("acceptance", {"opinion": "  ", "decision": "approve"},
     {"opinion": "May not be blank.", "decision": "Must be one of: accept, correct, refuse."}),
    ("acceptance", {"decision": "accept", "green_channel": "maybe"},
     {"opinion": "Missing data for required field.", "green_channel": "Not a valid boolean."}),
    ("acceptance", {"opinion": "意" * 2001, "decision": "accept"},
     {"opinion": "Length must be between 1 and 2000."}),
    ("correction", {"changes": ["address"], "decision": "accept"},
     {"changes": "Not a valid mapping type.", "decision": "Unknown field."}),
    ("review", {"opinion": "同意"}, {"decision": "Missing data for required field."}),
    ("post_inspection", {"opinion": "不一致", "decision": "revoke"}, {"decision": "Must be one of: pass, fail."}),
    ("decision", {"opinion": "同意", "decision": "pass"},
     {"decision": "Must be one of: approve, deny, revoke, keep."}),
    ("inspection", {"opinion": "需整改", "decision": "rectify", "team": ["inspector1", "inspector1"]},
     {"team": "On-site inspection needs 2 to 4 different inspectors.",
      "rectify_days": "Missing data for required field."}),
    ("inspection", {"opinion": "合格", "decision": "pass", "team": ["a", "b", "c", "d", "e"]},
     {"team": "On-site inspection needs 2 to 4 different inspectors."}),
    ("inspection", {"opinion": "需整改", "decision": "rectify", "team": ["a", "b"], "rectify_days": 91},
     {"rectify_days": "Must be greater than or equal to 1 and less than or equal to 90."}),
    ("rectification", {"report": "   "}, {"report": "May not be blank."}),
    ("testing", {"opinion": "合格", "decision": "pass"}, {"report_number": "Missing data for required field."}),
    ("registration_acceptance", {"opinion": "请补正", "decision": "correct"},
     {"items": "List every item the applicant must correct."}),
    ("registration_acceptance", {"opinion": "不予受理", "decision": "refuse", "items": ["营业执照"]},
     {"refuse_reason": "Missing data for required field."}),
    ("vehicle_check", {"opinion": "均不符合", "decision": "register", "vehicles": [
        {"plate_number": "闽A12345", "decision": "refuse"}]},
     {"vehicles.0.reason": "Missing data for required field.", "decision": "Register at least one vehicle."}),
    ("vehicle_check", {"opinion": "登记", "decision": "register"},
     {"decision": "Register at least one vehicle."}),
    ("vehicle_check", {"opinion": "登记", "decision": "register", "vehicles": [
        {"plate_number": "闽A12345", "decision": "register"}, {"plate_number": "闽A12345", "decision": "ok"}]},
     {"vehicles.1.plate_number": "Each plate number may appear only once.",
      "vehicles.1.decision": "Must be one of: register, refuse."}),
    ("vehicle_check", {"opinion": "请补正", "decision": "correct"},
     {"items": "List every item the applicant must correct."}),
    ("eligibility", {"opinion": "请补正", "decision": "correct"},
     {"items": "List every item the applicant must correct."}),
    ("recommendation", {"opinion": "推荐", "decision": "recommend"},
     {"experts": "Expert review needs 3 to 9 different experts."}),
    ("recommendation", {"opinion": "推荐", "decision": "recommend", "experts": ["e1", "e2", "e2"],
                        "shortlist_threshold": 1200},
     {"experts": "Expert review needs 3 to 9 different experts.",
      "shortlist_threshold": "Must be greater than or equal to 0 and less than or equal to 1000."}),
    ("expert_score", {"score": "八百", "scores_by_criterion": {"leadership": -1}},
     {"opinion": "Missing data for required field.", "score": "Not a valid integer.",
      "scores_by_criterion.leadership.value": "Must be greater than or equal to 0 and less than or equal to 1000."}),
    ("expert_score", {"opinion": "好", "score": 1001}, {"score": "Must be greater than or equal to 0 and less than or equal to 1000."}),
    ("onsite_review", {"opinion": "同意", "decision": "award"}, {"decision": "Must be one of: pass, fail."}),
    ("committee", {"opinion": "同意", "decision": "pass"}, {"decision": "Must be one of: award, reject."}),
    ("public_notice", {"opinion": "有异议", "decision": "objection"},
     {"objection": "Missing data for required field."}),
    ("objection", {"opinion": "同意", "decision": "accepted"}, {"decision": "Must be one of: upheld, dismissed."}),
]


def test_every_application_form_of_the_catalogue_and_every_task_form_has_an_example():
    from workflow.domain.matters import MATTERS
    application_forms = {m.application_form for m in MATTERS.values() if m.code != "bench"}
    assert application_forms <= set(VALID)
    assert set(VALID) == set(forms.FORMS) - {"bench_application"}


@pytest.mark.parametrize("key", sorted(VALID))
def test_valid_example_is_accepted(key):
    clean = forms.validate(key, VALID[key])
    assert set(clean) >= set(VALID[key])


@pytest.mark.parametrize("key,data,expected", BAD, ids=[f"{k}-{i}" for i, (k, _, _) in enumerate(BAD)])
def test_bad_input_is_refused_with_the_field_and_message(key, data, expected):
    errors = refused(key, with_(key, **data) if key.endswith("_application") else data)
    for field, message in expected.items():
        assert message in errors.get(field, []), (field, errors)


# --- details of the clean data -------------------------------------------------------------


def test_defaults_and_clean_values():
    clean = forms.validate("industrial_application", {
        **COMMON, "company_name": "  福州甲食品有限公司 ", "product_name": "电线电缆",
        "industry_code": "06", "product_code": "001"})
    assert clean["company_name"] == "福州甲食品有限公司"
    assert clean["industry_code"] == "06" and clean["product_code"] == "001"
    assert (clean["commitment_path"], clean["hazardous_chemical"], clean["fertiliser"]) == (False, False, False)
    assert forms.validate("recommendation", {"opinion": "不推荐", "decision": "reject"})["shortlist_threshold"] == 600


def test_dates_stay_iso_text_so_task_data_remains_json():
    clean = forms.validate("equipment_notice_application", VALID["equipment_notice_application"])
    assert clean["planned_start"] == "2026-12-01"
    past = with_("equipment_notice_application", planned_start="2020-01-06")
    assert forms.validate("equipment_notice_application", past)["planned_start"] == "2020-01-06"


def test_numbers_from_html_forms_and_no_silent_truncation():
    assert forms.validate("expert_score", {"opinion": "好", "score": "812"})["score"] == 812
    assert forms.validate("expert_score", {"opinion": "好", "score": 812.0})["score"] == 812
    assert "Not a valid integer." in refused("expert_score", {"opinion": "好", "score": "8.5"})["score"]
    assert "Not a valid integer." in refused("expert_score", {"opinion": "好", "score": True})["score"]


@pytest.mark.parametrize("phone", ["13800138000", "19912345678", "0591-87654321", "059187654321", "010-12345678"])
def test_phone_numbers_accepted(phone):
    assert forms.validate("award_application", with_("award_application", phone=phone))["phone"] == phone


@pytest.mark.parametrize("plate", ["闽A12345", "粤B·D12345", "粤BD12345", "闽D12345F", "京AF0236", "沪A·B1C2D"])
def test_plate_numbers_accepted(plate):
    vehicles = [{**VEHICLE, "plate_number": plate}]
    assert forms.validate("cng_application", with_("cng_application", vehicles=vehicles))["vehicles"][0][
        "plate_number"] == plate


def test_commitment_path_without_exclusions_and_correction_without_opinion():
    assert forms.validate("industrial_application", VALID["industrial_application"])["commitment_path"] is True
    assert forms.validate("correction", {}) == {}
    assert forms.validate("rectification", {"report": "已整改", "opinion": "见报告"})["report"] == "已整改"


def test_vehicle_check_refusing_every_vehicle_needs_the_refuse_decision():
    data = {"opinion": "均不予登记", "decision": "refuse", "refuse_reason": "气瓶超期",
            "vehicles": [{"plate_number": "闽A12345", "decision": "refuse", "reason": "气瓶超期"}]}
    assert forms.validate("vehicle_check", data)["decision"] == "refuse"


def test_all_errors_at_once_on_a_joint_filing_form():
    errors = refused("food_application", {"food_kind": 2, "food_category": "16", "food_names": []})
    assert {"company_name", "credit_code", "contact", "phone", "address", "area_code",
            "food_category", "food_names", "premises_area", "employees"} <= set(errors)


def test_non_dict_data_is_refused():
    assert refused("review", ["pass"]) == {"_schema": ["Invalid input type."]}


# --- messages ------------------------------------------------------------------------------


def test_messages_keep_their_catalogue_id_and_values():
    """The web edge translates by id and values; the English text stays what callers saw before."""
    [message] = refused("review", {"opinion": "x" * 2001, "decision": "pass"})["opinion"]
    assert message == "Length must be between 1 and 2000."
    assert (message.msgid, message.params["min"], message.params["max"]) == \
        ("Length must be between {min} and {max}.", 1, 2000)
    [message] = refused("review", {"opinion": "ok", "decision": "maybe"})["decision"]
    assert message.msgid == "Must be one of: {choices}." and "pass" in message.params["choices"]
    [message] = refused("review", {"decision": "pass"})["opinion"]
    assert message.msgid == "Missing data for required field." and not message.params


def test_every_provoked_message_has_chinese():
    """Runs the whole bad-input table itself, so it holds when run alone or in any order."""
    for key, data, _ in BAD:
        refused(key, data)
    zh = Translations.load(str(TRANSLATIONS), ["zh"])
    for message in PROVOKED:
        assert isinstance(message, Message), message
        chinese = zh.gettext(message.msgid)
        assert re.search(r"[\u4e00-\u9fff]", chinese), message.msgid
        chinese.format(**message.params)  # every placeholder has its value
