"""Licence and case numbers (workflow.identifiers) and their reference lists (workflow.reference).

Real numbers used as examples: the GB 32100-2015 worked example 91350100M000100Y4Z (the standard
computes check character 3 and rejects Z); credit codes printed by two companies on their own
pages; SC11644200000389 (docs/domain.md) and SC numbers read off real product labels.
"""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflow.domain import reference
from workflow.domain.identifiers import (
    CREDIT_CODE_ALPHABET,
    CREDIT_CODE_WEIGHTS,
    credit_code_check_char,
    is_valid_credit_code,
    is_valid_sc_number,
    make_case_number,
    make_credit_code,
    make_equipment_certificate_number,
    make_equipment_registration_code,
    make_filing_receipt_number,
    make_sc_number,
    make_xk_number,
    parse_case_number,
    parse_equipment_certificate_number,
    parse_equipment_registration_code,
    parse_filing_receipt_number,
    parse_sc_number,
    parse_xk_number,
    sc_check_digit,
)

REAL_SC_NUMBERS = [
    "SC11644200000389",  # docs/domain.md: vegetable products, Zhongshan 442000
    "SC10741018302531",
    "SC10744030704994",
    "SC11351090100010",
    "SC12336098200173",
    "SC12434017430075",
]
REAL_CREDIT_CODES = [
    "91350100M000100Y43",  # GB 32100-2015 worked example, corrected check character
    "91440300MA5H0HLK5U",
    "91133100MA0D8N1J7G",
]


def mutations(text: str, alphabet: str):
    """Every text that differs from ``text`` in exactly one position, over ``alphabet``."""
    for i, old in enumerate(text):
        for new in alphabet:
            if new != old:
                yield text[:i] + new + text[i + 1:]


# --- strategies ------------------------------------------------------------------------------

credit_first17 = st.builds(
    lambda head, area, org: head + area + org,
    st.text(CREDIT_CODE_ALPHABET, min_size=2, max_size=2),
    st.text("0123456789", min_size=6, max_size=6),
    st.text(CREDIT_CODE_ALPHABET, min_size=9, max_size=9),
)
area_codes = st.sampled_from(["110000", "110105", "350100", "350600", "350602", "440300",
                              "440305", "442000", "510901", "653101"])
food_kind_and_category = st.sampled_from(
    [(kind, c.code) for kind in (1, 2) for c in reference.food_categories(kind)])
sc_numbers = st.builds(
    lambda kc, area, serial: make_sc_number(kc[0], kc[1], area, serial),
    food_kind_and_category, area_codes, st.integers(1, 9999))
province_abbrs = st.sampled_from([p.abbr for p in reference.provinces()])
equipment_chars = st.sampled_from([k.char for k in reference.equipment_kinds()])
variety_codes = st.sampled_from(["1000", "2150", "2310", "3110", "4100", "5110", "6000",
                                 "8300", "9100"])
two_digits = st.integers(0, 99).map(lambda n: f"{n:02d}")


# --- unified social credit code ---------------------------------------------------------------


def test_credit_code_weights_are_powers_of_three_mod_31():
    assert CREDIT_CODE_WEIGHTS == tuple(pow(3, i, 31) for i in range(17))


def test_credit_code_standard_worked_example():
    assert credit_code_check_char("91350100M000100Y4") == "3"
    assert not is_valid_credit_code("91350100M000100Y4Z")


@pytest.mark.parametrize("code", REAL_CREDIT_CODES)
def test_real_credit_codes_validate(code):
    assert is_valid_credit_code(code)
    assert make_credit_code(code[:17]) == code


@pytest.mark.parametrize("code", [
    "", "91350100M000100Y4", "91350100M000100Y433", "91350100m000100y43",
    "91350A00M000100Y43",   # letter in the area code
    "91350100M000100I43",   # I is not in the alphabet
    "９1350100M000100Y43",  # full-width digit
    None, 91350100,
])
def test_malformed_credit_codes_are_rejected(code):
    assert not is_valid_credit_code(code)


def test_credit_code_check_char_refuses_bad_input():
    with pytest.raises(ValueError):
        credit_code_check_char("9135010OM000100Y4")  # letter O
    with pytest.raises(ValueError):
        make_credit_code("91350100M000100Y")


@given(credit_first17)
def test_every_made_credit_code_validates(first17):
    code = make_credit_code(first17)
    assert len(code) == 18 and is_valid_credit_code(code)


@given(credit_first17)
def test_any_single_character_change_breaks_a_credit_code(first17):
    code = make_credit_code(first17)
    assert not any(is_valid_credit_code(m) for m in mutations(code, CREDIT_CODE_ALPHABET + "IOZ"))


# --- SC food production licence ------------------------------------------------------------------


@pytest.mark.parametrize("number", REAL_SC_NUMBERS)
def test_real_sc_numbers_validate(number):
    assert sc_check_digit(number[2:15]) == number[15]
    assert is_valid_sc_number(number)


def test_sc_example_parts():
    parts = parse_sc_number("SC11644200000389")
    assert parts == {"kind": 1, "category": "16", "area_code": "442000", "serial": 38}
    assert make_sc_number(**parts) == "SC11644200000389"
    assert make_sc_number(1, 16, "442000", 38) == "SC11644200000389"


@given(st.text("0123456789", min_size=13, max_size=13))
def test_sc_check_digit_satisfies_the_mod_11_10_validation_rule(first13):
    # ISO 7064 MOD 11,10 in its checking form: run P = (((P + d) mod 10 or 10) * 2) mod 11 from
    # P = 10 over the 13 digits; the number is right when (P + check digit) mod 10 == 1.
    p = 10
    for digit in first13:
        p = ((p + int(digit)) % 10 or 10) * 2 % 11
    assert (p + int(sc_check_digit(first13))) % 10 == 1


def test_sc_check_digit_refuses_bad_input():
    for bad in ("123", "１" * 13, "12345678901234", None):
        with pytest.raises(ValueError):
            sc_check_digit(bad)


@pytest.mark.parametrize("number", [
    "SC11644200000388",   # wrong check digit
    "SC31644200000389",   # kind 3 does not exist
    "SC13244200000380",   # category 32 does not exist
    "SC20444200000380",   # additive category 04 does not exist
    "SC11699200000385",   # province 99
    "SC11635990000385",   # Fujian has no prefecture 3599
    "SC11644200000009",   # serial 0000
    "sc11644200000389", "SC1164420000038", "QS11644200000389", "", None,
])
def test_bad_sc_numbers_are_rejected(number):
    assert not is_valid_sc_number(number)


def test_make_sc_number_refuses_unknown_parts():
    with pytest.raises(ValueError):
        make_sc_number(1, 32, "442000", 1)
    with pytest.raises(ValueError):
        make_sc_number(1, 16, "999999", 1)
    with pytest.raises(ValueError):
        make_sc_number(1, 16, "442000", 10000)


@given(sc_numbers)
def test_every_made_sc_number_validates_and_round_trips(number):
    assert is_valid_sc_number(number)
    assert make_sc_number(**parse_sc_number(number)) == number


@given(sc_numbers)
def test_any_single_digit_change_breaks_an_sc_number(number):
    assert not any(is_valid_sc_number("SC" + m) for m in mutations(number[2:], "0123456789"))


# --- XK industrial product licence -------------------------------------------------------------


def test_xk_example():
    assert make_xk_number("粤", 16, 205, 123) == "(粤)XK16-205-00123"
    assert make_xk_number("粤", "16", "205", 123, full_width=True) == "（粤）XK16-205-00123"
    expected = {"province_abbr": "粤", "industry": "16", "product": "205", "serial": 123}
    assert parse_xk_number("(粤)XK16-205-00123") == expected
    assert parse_xk_number("（粤）XK16-205-00123") == expected


@pytest.mark.parametrize("text", [
    "(X)XK16-205-00123", "(粤)XK16-205-0012", "(粤)XK16205-00123", "粤XK16-205-00123",
    "(粤)XK16-205-00000", "(粤)xk16-205-00123", "", None,
])
def test_bad_xk_numbers_are_rejected(text):
    assert parse_xk_number(text) is None


@given(province_abbrs, two_digits, st.integers(0, 999), st.integers(1, 99999), st.booleans())
def test_xk_numbers_round_trip(abbr, industry, product, serial, full_width):
    number = make_xk_number(abbr, industry, product, serial, full_width=full_width)
    parts = parse_xk_number(number)
    assert parts is not None
    assert make_xk_number(**parts, full_width=full_width) == number


# --- special equipment ----------------------------------------------------------------------


def test_equipment_certificate_example():
    assert make_equipment_certificate_number("梯", "11", "闽", "E", 3622, 2016) == "梯11闽E3622(16)"
    assert parse_equipment_certificate_number("梯11闽E3622(16)") == {
        "kind": "梯", "variety": "11", "province_char": "闽", "city_letter": "E",
        "serial": 3622, "year": 2016}
    assert parse_equipment_certificate_number("梯11闽E3622（16）") is not None


@pytest.mark.parametrize("text", [
    "电11闽E3622(16)", "梯11X E3622(16)", "梯11闽e3622(16)", "梯11闽E362(16)", "梯1闽E3622(16)",
    "梯11闽E03622(16)", "梯11闽E3622(2016)", "", None,
])
def test_bad_equipment_certificates_are_rejected(text):
    assert parse_equipment_certificate_number(text) is None


@given(equipment_chars, two_digits, province_abbrs, st.sampled_from("ABCDEFGHJKLMNPQRS"),
       st.integers(1, 999999), st.integers(2000, 2099))
def test_equipment_certificates_round_trip(kind, variety, province, city, serial, year):
    number = make_equipment_certificate_number(kind, variety, province, city, serial, year)
    assert make_equipment_certificate_number(
        **parse_equipment_certificate_number(number)) == number


def test_equipment_registration_example():
    code = make_equipment_registration_code("3110", "350600", 2016, 5, 3337)
    assert code == "31103506002016053337"
    assert parse_equipment_registration_code(code) == {
        "variety_code": "3110", "area_code": "350600", "year": 2016, "month": 5,
        "serial": 3337}


@pytest.mark.parametrize("text", [
    "71103506002016053337",  # no kind 7000
    "31109999002016053337",  # no province 99
    "31103506002016133337",  # month 13
    "31103506002016050000",  # serial 0
    "3110350600201605333", "", None,
])
def test_bad_registration_codes_are_rejected(text):
    assert parse_equipment_registration_code(text) is None


@given(variety_codes, area_codes, st.integers(1990, 2099), st.integers(1, 12),
       st.integers(1, 9999))
def test_registration_codes_round_trip(variety, area, year, month, serial):
    code = make_equipment_registration_code(variety, area, year, month, serial)
    assert len(code) == 20
    assert make_equipment_registration_code(**parse_equipment_registration_code(code)) == code


# --- office numbers -------------------------------------------------------------------------


def test_case_and_receipt_number_examples():
    assert make_case_number(2026, 123) == "SL2026-000123"
    assert make_filing_receipt_number(2026, 45) == "GZ2026-000045"
    assert parse_case_number("SL2026-000123") == {"year": 2026, "serial": 123}
    assert parse_filing_receipt_number("GZ2026-000045") == {"year": 2026, "serial": 45}
    # a receipt number is not a case number and vice versa
    assert parse_case_number("GZ2026-000045") is None
    assert parse_filing_receipt_number("SL2026-000123") is None


@pytest.mark.parametrize("args", [(2026, 0), (2026, 1_000_000), (26, 1), (2026, True)])
def test_case_number_refuses_out_of_range_parts(args):
    with pytest.raises(ValueError):
        make_case_number(*args)


@given(st.integers(1000, 9999), st.integers(1, 999999))
def test_office_numbers_round_trip(year, serial):
    assert parse_case_number(make_case_number(year, serial)) == {"year": year, "serial": serial}
    assert parse_filing_receipt_number(make_filing_receipt_number(year, serial)) == {
        "year": year, "serial": serial}


# --- reference lists --------------------------------------------------------------------------


def test_provinces():
    provinces = reference.provinces()
    codes = [p.code for p in provinces]
    assert len(provinces) == 34 and len(set(codes)) == 34
    assert {"71", "81", "82"} <= set(codes)
    mainland = "京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川贵云藏陕甘青宁新"
    assert [p.abbr for p in provinces if p.code < "70"] == list(mainland)
    assert reference.province("35").name_zh == "福建省"
    assert reference.province_by_abbr("粤").code == "44"
    assert reference.province_by_abbr("X") is None


@pytest.mark.parametrize("code,name", [
    ("442000", "广东省中山市"), ("440300", "广东省深圳市"), ("350100", "福建省福州市"),
    ("350600", "福建省漳州市"), ("350602", "福建省漳州市芗城区"), ("350000", "福建省"),
    ("110105", "北京市"),
])
def test_area_names(code, name):
    assert reference.is_valid_area_code(code)
    assert reference.area_name(code) == name


@pytest.mark.parametrize("code", ["999999", "350012", "359900", "449900", "44200", "4420000",
                                  "44200a", "４４２０００", 442000, None])
def test_invalid_area_codes(code):
    assert not reference.is_valid_area_code(code)
    assert reference.area_name(code) is None


def test_food_categories():
    food = reference.food_categories(reference.FOOD)
    additives = reference.food_categories(reference.FOOD_ADDITIVE)
    assert [c.code for c in food] == [f"{n:02d}" for n in range(1, 32)]
    assert [c.code for c in additives] == ["01", "02", "03"]
    assert (food[0].name_zh, food[-1].name_zh) == ("粮食加工品", "其他食品")
    assert [c.name_zh for c in additives] == ["食品添加剂", "食品用香精", "复配食品添加剂"]
    assert all(c.name_en for c in food + additives)
    assert reference.food_categories(3) == ()
    assert reference.is_valid_food_category(1, "31")
    assert not reference.is_valid_food_category(2, "04")
    assert not reference.is_valid_food_category(1, "32")


def test_equipment_kinds():
    kinds = {k.code: k for k in reference.equipment_kinds()}
    assert {code: k.char for code, k in kinds.items()} == {
        "1000": "锅", "2000": "容", "2300": "瓶", "3000": "梯", "4000": "起", "5000": "车",
        "6000": "游", "8000": "管", "9000": "索"}
    assert reference.equipment_kind(3000).name_en == "Elevator"
    assert reference.equipment_kind("7000") is None
    assert reference.equipment_kind_by_char("梯").code == "3000"
    assert reference.equipment_kind_of_variety("3110").code == "3000"
    assert reference.equipment_kind_of_variety("2310").code == "2300"
    assert reference.equipment_kind_of_variety("2150").code == "2000"
    assert reference.equipment_kind_of_variety("7100") is None
