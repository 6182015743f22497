"""Numbers the bureau checks at the window and prints on documents.

Every number here is built by one ``make_*`` function, which validates its parts, and read by a
``parse_*`` function that splits the text and accepts it only if ``make_*`` rebuilds exactly the
same text: one set of rules serves both directions, so a number the office issues always parses
and a number it parses could have been issued.

Unified social credit code (统一社会信用代码, GB 32100-2015)
    18 characters from ``0-9`` and the capitals without I O S V Z: registration authority (1),
    organisation type (1), registration area code (6 digits, GB/T 2260), organisation code (9),
    check character. Check: ``31 - (Σ value_i × 3^(i-1) mod 31) mod 31``, 31 giving ``0``.
    Checked against the worked example of the standard (91350100M000100Y4Z is rejected, the
    check character being 3) and against codes published by real companies.

Food production licence (食品生产许可证, ``SC`` + 14 digits)
    kind (1 food, 2 food additive), category (2), area code (6), serial (4), check digit. The check
    digit is ISO 7064 MOD 11,10 (GB/T 17710) over the 13 digits, as third-party explanations of
    the numbering rules state. Verified on the real number SC11644200000389 and on five more
    numbers printed on real product labels, all of which a plain digit sum mod 10 (the other
    candidate) gets wrong but MOD 11,10 gets right.

Industrial product production licence (工业产品生产许可证)
    ``(粤)XK16-205-00123``: province abbreviation in ASCII or full-width parentheses, ``XK``,
    industry (2), product (3), serial (5).

Special equipment use registration (TSG 08-2017)
    Certificate number ``梯11闽E3622(16)``: kind character, 2-digit variety, province character,
    licence-plate city letter, serial (at least 4 digits; longer serials are printed in full,
    the exact width being unconfirmed), 2-digit year. Registration code
    ``31103506002016053337``: variety code (4), area code (6), year (4), month (2), serial (4).

Office numbers
    Case (受理) numbers ``SL2026-000123`` and installation-notice receipt (告知) numbers
    ``GZ2026-000045``: prefix, year, 6-digit serial restarting every year.
"""
from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Callable, Mapping
from typing import Union

from workflow.domain import reference
from workflow.domain.reference import is_digits

Code = Union[str, int]
"""A fixed-width code given either as its digits ("05") or as a number (5)."""
Parts = dict[str, Union[str, int]]
"""The fields of a parsed number, named like the ``make_*`` parameters that rebuild it."""

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_CHAR = "[0-9A-HJ-NPQRTUWXY]"
_CREDIT_BODY = re.compile(f"{_CREDIT_CHAR}{{2}}[0-9]{{6}}{_CREDIT_CHAR}{{9}}")

CASE_NUMBER_PREFIX = "SL"
FILING_RECEIPT_PREFIX = "GZ"

_FULL_WIDTH_PARENS = str.maketrans("（）", "()")


# --- shared field rules -------------------------------------------------------------------


def _code(value: Code, width: int, what: str) -> str:
    """A fixed-width code field as text, so that 5 and "05" mean the same category."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10 ** width:
        return f"{value:0{width}d}"
    if is_digits(value, width):
        return value
    raise ValueError(f"{what} must be {width} digits, got {value!r}")


def _number(value: int, low: int, high: int, what: str) -> int:
    """An integer field within its range; bools are refused because True is not a serial."""
    if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
        return value
    raise ValueError(f"{what} must be an integer from {low} to {high}, got {value!r}")


def _serial(value: int, width: int) -> str:
    """A running number zero-padded to ``width``; numbering starts at 1 (从 0001 起)."""
    return f"{_number(value, 1, 10 ** width - 1, 'serial'):0{width}d}"


def _province_abbr(abbr: str) -> str:
    """A province abbreviation known to the reference list (粤, 闽 …)."""
    if reference.province_by_abbr(abbr) is None:
        raise ValueError(f"unknown province abbreviation {abbr!r}")
    return abbr


def _area_code(code: str) -> str:
    if not reference.is_valid_area_code(code):
        raise ValueError(f"unknown area code {code!r}")
    return code


def _parse(pattern: re.Pattern[str], maker: Callable[..., str], text: object,
           convert: Mapping[str, Callable[[str], Union[str, int]]]) -> Parts | None:
    """Split ``text`` with ``pattern`` and keep the fields only if ``maker`` rebuilds ``text``.

    Rebuilding reuses every rule of the maker (ranges, reference lists, check digits) instead of
    restating them for parsing.
    """
    match = pattern.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        return None
    fields: Parts = {name: convert.get(name, str)(value)
                     for name, value in match.groupdict().items()}
    try:
        return fields if maker(**fields) == text else None
    except ValueError:
        return None


# --- unified social credit code ------------------------------------------------------------


def credit_code_check_char(first17: str) -> str:
    """The GB 32100-2015 check character for the first 17 characters of a credit code."""
    if not (isinstance(first17, str) and _CREDIT_BODY.fullmatch(first17)):
        raise ValueError(f"not the first 17 characters of a credit code: {first17!r}")
    total = sum(CREDIT_CODE_ALPHABET.index(char) * weight
                for char, weight in zip(first17, CREDIT_CODE_WEIGHTS))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def make_credit_code(first17: str) -> str:
    """A complete credit code: the 17 characters given plus their check character."""
    return first17 + credit_code_check_char(first17)


def is_valid_credit_code(code: str) -> bool:
    """Whether ``code`` is a well-formed 18-character credit code with the right check character.

    Strict: lower case, spaces and full-width characters are refused, since the code is compared
    character by character with other registers.
    """
    if not (isinstance(code, str) and len(code) == 18 and _CREDIT_BODY.fullmatch(code[:17])):
        return False
    return code[17] == credit_code_check_char(code[:17])


# --- food production licence (SC) ----------------------------------------------------------

_SC = re.compile(r"SC(?P<kind>[0-9])(?P<category>[0-9]{2})(?P<area_code>[0-9]{6})"
                 r"(?P<serial>[0-9]{4})[0-9]")


def sc_check_digit(first13: str) -> str:
    """The ISO 7064 MOD 11,10 check digit of the 13 digits after ``SC``."""
    if not is_digits(first13, 13):
        raise ValueError(f"need 13 digits, got {first13!r}")
    product = 10
    for digit in first13:
        product = (((product + int(digit)) % 10 or 10) * 2) % 11
    return str((11 - product) % 10)


def make_sc_number(kind: int, category: Code, area_code: str, serial: int) -> str:
    """An SC number for a producer of ``kind`` (1 food, 2 additive) in a category and county."""
    kind = _number(kind, 1, 2, "kind")
    category = _code(category, 2, "category")
    if not reference.is_valid_food_category(kind, category):
        raise ValueError(f"no category {category} for kind {kind}")
    first13 = f"{kind}{category}{_area_code(area_code)}{_serial(serial, 4)}"
    return f"SC{first13}{sc_check_digit(first13)}"


def parse_sc_number(number: str) -> Parts | None:
    """The kind, category, area code and serial of a valid SC number, or None."""
    return _parse(_SC, make_sc_number, number, {"kind": int, "serial": int})


def is_valid_sc_number(number: str) -> bool:
    """Whether ``number`` is an SC number with known kind, category, area and a right check."""
    return parse_sc_number(number) is not None


# --- industrial product production licence (XK) -------------------------------------------

_XK = re.compile(r"\((?P<province_abbr>[^()])\)XK(?P<industry>[0-9]{2})-(?P<product>[0-9]{3})"
                 r"-(?P<serial>[0-9]{5})")


def make_xk_number(province_abbr: str, industry: Code, product: Code, serial: int,
                   *, full_width: bool = False) -> str:
    """An XK licence number; ``full_width`` prints （粤） as on paper certificates."""
    number = (f"({_province_abbr(province_abbr)})XK{_code(industry, 2, 'industry')}"
              f"-{_code(product, 3, 'product')}-{_serial(serial, 5)}")
    return number.replace("(", "（").replace(")", "）") if full_width else number


def parse_xk_number(s: str) -> Parts | None:
    """Province abbreviation, industry, product and serial of an XK number, or None.

    ASCII and full-width parentheses are both accepted: certificates print full-width ones,
    forms typed on a PC often have ASCII ones.
    """
    text = s.translate(_FULL_WIDTH_PARENS) if isinstance(s, str) else s
    return _parse(_XK, make_xk_number, text, {"serial": int})


# --- special equipment -------------------------------------------------------------------

_EQUIPMENT_CERTIFICATE = re.compile(
    r"(?P<kind>[^0-9])(?P<variety>[0-9]{2})(?P<province_char>[^0-9A-Z])(?P<city_letter>[A-Z])"
    r"(?P<serial>[0-9]{4,})\((?P<year>[0-9]{2})\)")
_EQUIPMENT_REGISTRATION = re.compile(
    r"(?P<variety_code>[0-9]{4})(?P<area_code>[0-9]{6})(?P<year>[0-9]{4})(?P<month>[0-9]{2})"
    r"(?P<serial>[0-9]{4})")


def make_equipment_certificate_number(kind: str, variety: Code, province_char: str,
                                      city_letter: str, serial: int, year: int) -> str:
    """A use registration certificate number such as 梯11闽E3622(16).

    ``kind`` is the certificate character (梯, 锅 …), ``variety`` the two digits after the kind
    digit of the variety code (11 for 3110), ``year`` the full registration year (2000-2099).
    """
    if reference.equipment_kind_by_char(kind) is None:
        raise ValueError(f"unknown equipment kind character {kind!r}")
    if not (isinstance(city_letter, str) and len(city_letter) == 1
            and "A" <= city_letter <= "Z"):
        raise ValueError(f"city letter must be one capital A-Z, got {city_letter!r}")
    serial_text = f"{_number(serial, 1, 10 ** 9 - 1, 'serial'):04d}"
    return (f"{kind}{_code(variety, 2, 'variety')}{_province_abbr(province_char)}{city_letter}"
            f"{serial_text}({_number(year, 2000, 2099, 'year') % 100:02d})")


def parse_equipment_certificate_number(s: str) -> Parts | None:
    """The parts of a use registration certificate number, the year as 20yy, or None."""
    text = s.translate(_FULL_WIDTH_PARENS) if isinstance(s, str) else s
    return _parse(_EQUIPMENT_CERTIFICATE, make_equipment_certificate_number, text,
                  {"serial": int, "year": lambda yy: 2000 + int(yy)})


def make_equipment_registration_code(variety_code: str, area_code: str, year: int, month: int,
                                     serial: int) -> str:
    """A 20-digit equipment registration code such as 31103506002016053337.

    The serial counts units of that variety registered in that month by that office.
    """
    if reference.equipment_kind_of_variety(variety_code) is None:
        raise ValueError(f"unknown equipment variety code {variety_code!r}")
    return (f"{variety_code}{_area_code(area_code)}{_number(year, 1000, 9999, 'year')}"
            f"{_number(month, 1, 12, 'month'):02d}{_serial(serial, 4)}")


def parse_equipment_registration_code(s: str) -> Parts | None:
    """Variety code, area code, year, month and serial of a registration code, or None."""
    return _parse(_EQUIPMENT_REGISTRATION, make_equipment_registration_code, s,
                  {"year": int, "month": int, "serial": int})


# --- office numbers ----------------------------------------------------------------------


def _yearly_number(prefix: str, year: int, serial: int) -> str:
    return f"{prefix}{_number(year, 1000, 9999, 'year')}-{_serial(serial, 6)}"


def _parse_yearly_number(prefix: str, text: str) -> Parts | None:
    pattern = re.compile(re.escape(prefix) + r"(?P<year>[0-9]{4})-(?P<serial>[0-9]{6})")
    return _parse(pattern, lambda **parts: _yearly_number(prefix, **parts), text,
                  {"year": int, "serial": int})


QUERY_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"   # no 0/O, 1/I: read aloud over the phone


def new_query_code() -> str:
    """The 8-character code printed on the acceptance notice for the public progress lookup (40 bits)."""
    return "".join(secrets.choice(QUERY_CODE_ALPHABET) for _ in range(8))


def make_case_number(year: int, serial: int) -> str:
    """The acceptance (受理) number of a filing, e.g. SL2026-000123; serials restart yearly."""
    return _yearly_number(CASE_NUMBER_PREFIX, year, serial)


def parse_case_number(s: str) -> Parts | None:
    """Year and serial of a case number, or None."""
    return _parse_yearly_number(CASE_NUMBER_PREFIX, s)


def make_filing_receipt_number(year: int, serial: int) -> str:
    """The receipt number given at once for an installation notice (告知), e.g. GZ2026-000045."""
    return _yearly_number(FILING_RECEIPT_PREFIX, year, serial)


def parse_filing_receipt_number(s: str) -> Parts | None:
    """Year and serial of an installation-notice receipt number, or None."""
    return _parse_yearly_number(FILING_RECEIPT_PREFIX, s)


def normalise_number(text: str) -> str:
    """A certificate number as typed by the public, in the form the office prints: full-width
    letters, digits and brackets folded (NFKC), letters upper case, spaces dropped."""
    return "".join(unicodedata.normalize("NFKC", text).split()).upper()
