"""Certificate numbers in each matter's official format; the catalogue names one per matter.

Serials come from :func:`workflow.storage.counters.next_value`, so numbers stay unique when
several workers issue at once.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from workflow.domain import identifiers, reference
from workflow.storage.counters import next_value
from workflow.storage.models import Case, Organisation

DEFAULT_AREA = "350100"


@dataclass(frozen=True)
class NumberRequest:
    """What a number is made from: the case, its enterprise, the day, and the item (one vehicle)."""
    session: Session
    case: Case
    organisation: Organisation
    today: date
    item: dict

    @property
    def area(self) -> str:
        area = str(self.case.data.get("area_code") or self.organisation.area_code or DEFAULT_AREA)
        return area if reference.is_valid_area_code(area) else DEFAULT_AREA

    @property
    def province_abbr(self) -> str:
        province = reference.province(self.area[:2])
        return province.abbr if province else "闽"

    def field(self, name: str, default: str) -> str:
        return str(self.item.get(name) or self.case.data.get(name) or default)


Numbering = Callable[[NumberRequest], str]


def sc_number(req: NumberRequest) -> str:
    """食品生产许可证: SC + kind + category + area + serial + check digit (SAMR Order 24)."""
    serial = next_value(req.session, f"sc:{req.area}")
    return identifiers.make_sc_number(int(req.field("food_kind", "1")), req.field("food_category", "01"),
                                      req.area, serial)


def xk_number(req: NumberRequest) -> str:
    """工业产品生产许可证: (省)XK + industry + product + serial (State Council Order 440)."""
    serial = next_value(req.session, f"xk:{req.province_abbr}")
    return identifiers.make_xk_number(req.province_abbr, req.field("industry_code", "01"),
                                      req.field("product_code", "001"), serial)


def equipment_number(default_kind: str) -> Numbering:
    """使用登记证: kind character + variety + province/city letters + serial + (year) (TSG 08-2017)."""
    def number(req: NumberRequest) -> str:
        kind = reference.equipment_kind(req.field("equipment_kind", default_kind))
        variety = req.field("variety_code", kind.code if kind else default_kind)
        serial = next_value(req.session, f"eq:{req.area[:4]}:{req.today.year}")
        return identifiers.make_equipment_certificate_number(
            kind.char if kind else "瓶", variety[:2], req.province_abbr, "A", serial, req.today.year)
    return number


def serial_number(prefix: str) -> Numbering:
    """A plain yearly serial for documents without an official format (award certificates)."""
    def number(req: NumberRequest) -> str:
        serial = next_value(req.session, f"cert:{prefix}:{req.today.year}")
        return f"{prefix}{req.today.year}-{serial:05d}"
    return number
