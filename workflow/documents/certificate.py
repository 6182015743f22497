"""The fields each certificate prints, as its regulation lays the certificate out.

SC licence (食品生产许可管理办法, 市场监管总局令第24号, Art. 29): producer, unified social credit
code, legal representative, domicile, production address, food categories, licence number,
validity, the supervising authority, the issuer, the issuing authority and the date of issue.
The industrial licence (国务院令第440号, Art. 27) prints the enterprise, domicile, production
address, product, number and validity; a use registration certificate (TSG 08-2017) the user,
the equipment, its registration code and place of use.
"""
from __future__ import annotations

from datetime import date

from workflow.domain import reference
from workflow.domain.matters import MATTERS
from workflow.storage.models import Case, Certificate

CERTIFICATE_TITLES = {
    "industrial_license": "全国工业产品生产许可证", "food_license": "食品生产许可证",
    "food_license_change": "食品生产许可证", "equipment_registration": "特种设备使用登记证",
    "cng_cylinder": "特种设备使用登记证（车用气瓶）", "quality_award": "质量奖证书",
}


def title(cert: Certificate) -> str:
    return CERTIFICATE_TITLES.get(cert.matter_code) or MATTERS[cert.matter_code].title_zh


def _validity(cert: Certificate) -> str:
    end = cert.valid_until.isoformat() if cert.valid_until else "长期"
    return f"{(cert.reissued_on or cert.issued_on).isoformat()} 至 {end}"


def _food_categories(data: dict) -> str:
    kind, code = data.get("food_kind"), data.get("food_category")
    found = next((c for c in reference.food_categories(int(kind)) if c.code == code), None) if kind else None
    names = "、".join(data.get("food_names") or [])
    return f"{code} {found.name_zh}（{names}）" if found else names


def _equipment(data: dict) -> str:
    kind = reference.equipment_kind(data.get("equipment_kind") or "")
    return " ".join(p for p in (kind.name_zh if kind else None, data.get("variety_code")) if p)


def _specific(cert: Certificate, data: dict) -> list[tuple[str, str]]:
    """The rows only this kind of certificate prints."""
    matter = cert.matter_code
    if matter in ("food_license", "food_license_change"):
        return [("生产地址", data.get("new_production_address") or data.get("production_address")
                 or data.get("address")), ("食品类别", _food_categories(data))]
    if matter == "industrial_license":
        return [("生产地址", data.get("production_address") or data.get("address")), ("产品名称", cert.scope)]
    if matter == "equipment_registration":
        return [("设备种类", _equipment(data)), ("产品编号", data.get("product_number")),
                ("使用地点", data.get("use_location"))]
    if matter == "cng_cylinder":
        item = cert.details or {}
        return [("车牌号码", item.get("plate_number")), ("车辆识别代号", item.get("vin")),
                ("气瓶编号", item.get("cylinder_serial")), ("气瓶数量", str(item.get("cylinder_count") or "")),
                ("气瓶检验有效期至", item.get("cylinder_valid_until"))]
    return [("范围", cert.scope)]


def rows(cert: Certificate, case: Case, issuer: str | None, authority: str, supervisor: str,
         issued: date) -> list[tuple[str, str]]:
    """Every field the certificate prints, in the order the form prints them."""
    data = {**(case.data or {}), **(cert.details or {})}
    holder_word = "使用单位" if cert.matter_code.startswith(("equipment", "cng")) else "生产者名称"
    return [(holder_word, cert.holder), ("统一社会信用代码", cert.holder_code),
            ("法定代表人", data.get("legal_representative")), ("住所", data.get("address")),
            *_specific(cert, data), ("证书编号", cert.number), ("有效期", _validity(cert)),
            ("日常监督管理机构", supervisor), ("签发人", issuer), ("发证机关", authority),
            ("发证日期", issued.isoformat())]
