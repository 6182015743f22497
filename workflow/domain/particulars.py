"""What a matter's written documents print of its own, as its regulation lays them out.

A catalogue entry (``matters.Matter``) names its layouts here; the document writers
(``workflow/documents``) print whatever layout the entry names and never look at its code.

SC licence (食品生产许可管理办法, 市场监管总局令第24号, Art. 29): producer, unified social credit
code, legal representative, domicile, production address, food categories, licence number,
validity, the supervising authority, the issuer, the issuing authority and the date of issue.
The industrial licence (国务院令第440号, Art. 27) prints the enterprise, domicile, production
address, product, number and validity; a use registration certificate (TSG 08-2017) the user,
the equipment, its registration code and place of use.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from workflow.domain import reference

Rows = list[tuple[str, str | None]]
# The particulars of one certificate: ``data`` is the application with the certificate's own
# details over it (a CNG batch's vehicle), ``scope`` the certificate's scope.
Particulars = Callable[[dict, str | None], Rows]


def scope(_data: dict, scope_: str | None) -> Rows:
    """The default: the certificate's scope and nothing else."""
    return [("范围", scope_)]


def _food_categories(data: dict) -> str:
    kind, code = data.get("food_kind"), data.get("food_category")
    found = next((c for c in reference.food_categories(int(kind)) if c.code == code), None) if kind else None
    names = "、".join(data.get("food_names") or [])
    return f"{code} {found.name_zh}（{names}）" if found else names


def _equipment_kind(data: dict) -> str | None:
    kind = reference.equipment_kind(data.get("equipment_kind") or "")
    return kind.name_zh if kind else None


def food_licence(data: dict, _scope: str | None) -> Rows:
    """SC licence (Order 24 Art. 29); a change prints the new production address."""
    return [("生产地址", data.get("new_production_address") or data.get("production_address")
             or data.get("address")), ("食品类别", _food_categories(data))]


def industrial_licence(data: dict, scope_: str | None) -> Rows:
    return [("生产地址", data.get("production_address") or data.get("address")), ("产品名称", scope_)]


def use_registration(data: dict, _scope: str | None) -> Rows:
    equipment = " ".join(p for p in (_equipment_kind(data), data.get("variety_code")) if p)
    return [("设备种类", equipment), ("产品编号", data.get("product_number")), ("使用地点", data.get("use_location"))]


def vehicle_cylinder(data: dict, _scope: str | None) -> Rows:
    """One certificate per vehicle of a CNG batch: the vehicle's own particulars."""
    return [("车牌号码", data.get("plate_number")), ("车辆识别代号", data.get("vin")),
            ("气瓶编号", data.get("cylinder_serial")), ("气瓶数量", str(data.get("cylinder_count") or "")),
            ("气瓶检验有效期至", data.get("cylinder_valid_until"))]


AWARD_CATEGORIES = {"manufacturing": "制造业", "agriculture": "农业", "services": "服务业"}


def award(data: dict, _scope: str | None) -> Rows:
    return [("奖项类别", AWARD_CATEGORIES.get(data.get("category"), data.get("category"))),
            ("评选年度", data.get("round"))]


WORK_KINDS = {"installation": "安装", "modification": "改造", "repair": "修理"}


def installation_notice(data: dict) -> Rows:
    """The receipt of an installation / modification / repair notice (特种设备安全法 Art. 23)."""
    return [("施工单位", data.get("contractor_name")), ("施工单位许可证编号", data.get("contractor_license")),
            ("设备种类", _equipment_kind(data)), ("施工类别", WORK_KINDS.get(data.get("work_kind"))),
            ("施工地点", data.get("site_address")), ("计划开工日期", data.get("planned_start")),
            ("台数", str(data.get("units") or ""))]


@dataclass(frozen=True)
class CertificateLayout:
    """How a matter's certificate is printed: its name, the word for its holder, its own rows.

    An honour (an award) is not a licence: it prints no validity, supervisor or legal
    representative.
    """
    title: str
    holder_label: str = "生产者名称"
    particulars: Particulars = scope
    honour: bool = False


@dataclass(frozen=True)
class Reissue:
    """Which fields of a granted change (变更) carry the licence's new particulars: the holder's
    new name, the new scope (a list joined with 、) and details printed from then on."""
    holder: str | None = None
    scope: str | None = None
    details: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReceiptLayout:
    """A filing's receipt (告知回执): the statement of the law it is filed under and its rows."""
    statement: str
    particulars: Callable[[dict], Rows]


PARTICULARS: dict[str, Particulars] = {
    "scope": scope, "food_licence": food_licence, "industrial_licence": industrial_licence,
    "use_registration": use_registration, "vehicle_cylinder": vehicle_cylinder, "award": award}
RECEIPTS: dict[str, Callable[[dict], Rows]] = {"installation_notice": installation_notice}
