"""Reference lists the licence numbers are built from: areas, food categories, equipment kinds.

The lists live as UTF-8 CSV files in ``workflow/data/`` so that an office can correct a name or
add a county without touching code; this module only reads them (once, then cached).

* ``provinces.csv``: the GB/T 2260 province-level codes (31 mainland provinces plus Taiwan 71,
  Hong Kong 81 and Macao 82) with the one-character abbreviation printed in licence numbers
  (``(粤)XK…``, ``梯11闽E…``).
* ``areas.csv``: a *partial* list of prefecture- and county-level codes. It covers every
  prefecture of Fujian (35) and Guangdong (44), the provinces the seeds come from, and some of
  their counties. Prefectures are checked only where a province's prefectures are listed; county
  lists are never complete, so an unlisted county under a known prefecture is accepted.
* ``food_categories.csv``: the 31 food categories of the Food Production Licensing Measures
  (SAMR Order No. 24, Art. 11) and the three food-additive categories, numbered as in the SC
  number (kind 1 = food, kind 2 = food additive).
* ``equipment_kinds.csv``: the special-equipment kinds of the 特种设备目录 used for TSG 08-2017
  use registration, with the character that starts the registration certificate number.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Union

DATA_DIR = Path(__file__).resolve().parent / "data"

FOOD = 1
"""SC kind digit of food (食品)."""
FOOD_ADDITIVE = 2
"""SC kind digit of food additives (食品添加剂)."""


@dataclass(frozen=True)
class Province:
    """A province-level division: its GB/T 2260 code and the abbreviation used in numbers."""

    code: str
    abbr: str
    name_zh: str
    name_en: str


@dataclass(frozen=True)
class FoodCategory:
    """A food (kind 1) or food-additive (kind 2) category of the SC licence."""

    kind: int
    code: str
    name_zh: str
    name_en: str


@dataclass(frozen=True)
class EquipmentKind:
    """A special-equipment kind: catalogue code, certificate character and names."""

    code: str
    char: str
    name_zh: str
    name_en: str


def _rows(filename: str) -> list[dict[str, str]]:
    """Read one data file; UTF-8 with an optional BOM, since admins may save it from Excel."""
    with open(DATA_DIR / filename, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@lru_cache(maxsize=None)
def provinces() -> tuple[Province, ...]:
    """All province-level divisions, in code order."""
    return tuple(Province(**row) for row in _rows("provinces.csv"))


@lru_cache(maxsize=None)
def _provinces_by_code() -> dict[str, Province]:
    return {p.code: p for p in provinces()}


@lru_cache(maxsize=None)
def _provinces_by_abbr() -> dict[str, Province]:
    return {p.abbr: p for p in provinces()}


@lru_cache(maxsize=None)
def _areas() -> dict[str, str]:
    """Listed prefecture- and county-level codes -> Chinese name."""
    return {row["code"]: row["name_zh"] for row in _rows("areas.csv")}


@lru_cache(maxsize=None)
def _provinces_with_prefectures() -> frozenset[str]:
    """Provinces whose prefecture list is complete, so unknown prefectures there are errors."""
    return frozenset(code[:2] for code in _areas() if code.endswith("00"))


def province(code: str) -> Province | None:
    """The province with this 2-digit code, or None."""
    return _provinces_by_code().get(code)


def province_by_abbr(abbr: str) -> Province | None:
    """The province whose one-character abbreviation (粤, 闽 …) this is, or None."""
    return _provinces_by_abbr().get(abbr)


def is_digits(value: object, width: int) -> bool:
    """Whether ``value`` is a string of exactly ``width`` ASCII digits.

    ``str.isdigit`` alone would let full-width (１２) and other scripts' digits through, which
    look right on screen but are different numbers to every other system.
    """
    return isinstance(value, str) and len(value) == width and value.isascii() and value.isdigit()


def is_valid_area_code(code: str) -> bool:
    """Whether ``code`` can be a GB/T 2260 area code.

    The province must exist. Where the province's prefectures are listed (Fujian, Guangdong) the
    prefecture must be one of them, and a province-level code (``xx00zz``) may not name a county.
    Elsewhere the lists are too partial to reject anything below province level.
    """
    if not is_digits(code, 6) or province(code[:2]) is None:
        return False
    if code[2:] == "0000" or code[:2] not in _provinces_with_prefectures():
        return True
    return code[:4] + "00" in _areas()


def area_name(code: str) -> str | None:
    """The full name of an area code as far as the lists know it, e.g. 福建省漳州市芗城区.

    Returns None for an invalid code; an unlisted prefecture or county simply adds nothing.
    """
    if not is_valid_area_code(code):
        return None
    parts = [_provinces_by_code()[code[:2]].name_zh]
    for listed in (code[:4] + "00", code):
        name = _areas().get(listed)
        if name and name not in parts:
            parts.append(name)
    return "".join(parts)


@lru_cache(maxsize=None)
def _food_categories() -> tuple[FoodCategory, ...]:
    return tuple(
        FoodCategory(int(row["kind"]), row["code"], row["name_zh"], row["name_en"])
        for row in _rows("food_categories.csv")
    )


def food_categories(kind: int) -> tuple[FoodCategory, ...]:
    """The categories of one SC kind (1 food, 2 food additive); empty for any other kind."""
    return tuple(c for c in _food_categories() if c.kind == kind)


def is_valid_food_category(kind: int, code: str) -> bool:
    """Whether ``code`` (two digits, e.g. "16") is a category of the SC kind ``kind``."""
    return any(c.code == code for c in food_categories(kind))


@lru_cache(maxsize=None)
def equipment_kinds() -> tuple[EquipmentKind, ...]:
    """The special-equipment kinds, in catalogue-code order."""
    return tuple(sorted((EquipmentKind(**row) for row in _rows("equipment_kinds.csv")),
                        key=lambda kind: kind.code))


def equipment_kind(code: Union[str, int]) -> EquipmentKind | None:
    """The kind with this 4-digit catalogue code (1000 boiler … 9000 ropeway), or None."""
    return next((k for k in equipment_kinds() if k.code == str(code)), None)


def equipment_kind_by_char(char: str) -> EquipmentKind | None:
    """The kind whose certificate character (锅 容 瓶 …) this is, or None."""
    return next((k for k in equipment_kinds() if k.char == char), None)


def equipment_kind_of_variety(variety_code: str) -> EquipmentKind | None:
    """The kind a 4-digit variety code belongs to (3110 -> elevator, 2310 -> gas cylinder).

    A kind code stands for all codes that share its digits before the trailing zeros; the longest
    such match wins, because gas cylinders (2300) sit inside pressure vessels (2000).
    """
    if not is_digits(variety_code, 4):
        return None
    matches = [k for k in equipment_kinds() if variety_code.startswith(k.code.rstrip("0"))]
    return max(matches, key=lambda k: len(k.code.rstrip("0")), default=None)
