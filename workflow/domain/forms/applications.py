"""Application forms: one per matter (``workflow.domain.matters``, ``application_form``).

A joint filing gives each chosen matter's form only the fields it declares, so the common
fields below are shared by name and validated the same way for every matter.
"""
from __future__ import annotations

import re

from marshmallow import ValidationError, fields, validate, validates_schema

from workflow.domain import identifiers, reference
from workflow.domain.forms import form
from workflow.domain.forms.fields import (
    Form, area_code, choice, credit_code, date, digits, flag, integer, number, phone, rule, text, text_list)
from workflow.errors import ValidationError as EngineValidationError
from workflow.errors import msg

PLATE_NUMBER = msg("Not a valid licence plate number (such as 闽A12345 or 粤B·D12345).")
VIN = msg("Not a valid vehicle identification number (17 characters, no I, O or Q).")


class ApplicationForm(Form):
    """Fields every application carries: who applies and where."""

    title = text(required=False, max=200)
    company_name = text(min=2, max=100)
    credit_code = credit_code()
    legal_representative = text(required=False, max=30)
    contact = text(min=2, max=30)
    phone = phone()
    address = text(max=200)
    area_code = area_code()


@form("industrial_application")
class IndustrialApplication(ApplicationForm):
    product_name = text(max=100)
    production_address = text(required=False, max=200)
    industry_code = digits(2)
    product_code = digits(3)
    commitment_path = flag(False)
    hazardous_chemical = flag(False)
    fertiliser = flag(False)

    @validates_schema(skip_on_field_errors=False)
    def _commitment_allowed(self, data: dict, **kwargs) -> None:
        # 告知承诺 excludes hazardous chemicals and (since 2024) fertiliser.
        if data.get("commitment_path") and (data.get("hazardous_chemical") or data.get("fertiliser")):
            raise ValidationError(msg("Hazardous chemicals and fertiliser may not take the commitment path."),
                                  "commitment_path")


@form("food_application")
class FoodApplication(ApplicationForm):
    food_kind = choice(reference.FOOD, reference.FOOD_ADDITIVE)
    food_category = digits(2)
    food_names = text_list(min=1, max=50, item_max=100)
    production_address = text(required=False, max=200)
    premises_area = number(1, 1_000_000)
    employees = integer(1, 100_000)

    @validates_schema(skip_on_field_errors=False)
    def _category_of_kind(self, data: dict, **kwargs) -> None:
        kind, category = data.get("food_kind"), data.get("food_category")
        if kind is not None and category is not None \
                and not reference.is_valid_food_category(kind, category):
            raise ValidationError(msg("Not a food category of this kind."), "food_category")


@form("food_change_application")
class FoodChangeApplication(ApplicationForm):
    """变更、延续、注销 of a food licence the enterprise holds (SAMR Order 24, Art. 32–42).

    A change names its new particulars so a grant can reissue the licence with them.
    """

    change_kind = choice("change", "renewal", "cancellation")
    license_number = text(validators=[rule(identifiers.is_valid_sc_number,
                                           msg("Not a valid food production licence number (SC)."))])
    change_items = text_list(required=False, max=50)
    new_company_name = text(required=False, max=100)
    new_production_address = text(required=False, max=200)
    new_food_names = text_list(required=False, max=50, item_max=100)
    reason = text(required=False, max=500, metadata={"multiline": True})

    @validates_schema(skip_on_field_errors=False)
    def _change_names_its_particulars(self, data: dict, **kwargs) -> None:
        if data.get("change_kind") == "change" and not any(
                data.get(name) for name in ("new_company_name", "new_production_address", "new_food_names")):
            raise ValidationError(msg("Give the new particulars: company name, production address or food names."),
                                  "new_food_names")


def equipment_kind() -> fields.String:
    return fields.String(required=True, validate=validate.OneOf(
        [kind.code for kind in reference.equipment_kinds()], error=msg("Not a known special equipment kind.")))


@form("equipment_notice_application")
class EquipmentNoticeApplication(ApplicationForm):
    equipment_kind = equipment_kind()
    work_kind = choice("installation", "modification", "repair")
    contractor_name = text(min=2, max=100)
    contractor_license = text(max=50)
    site_address = text(max=200)
    planned_start = date()
    units = integer(1, 500)


@form("equipment_registration_application")
class EquipmentRegistrationApplication(ApplicationForm):
    equipment_kind = equipment_kind()
    variety_code = digits(4)
    product_number = text(min=1, max=50)
    manufacturer = text(min=2, max=100)
    use_location = text(max=200)
    start_use_date = date()
    inspection_certificate_no = text(min=1, max=50)

    @validates_schema(skip_on_field_errors=False)
    def _variety_of_kind(self, data: dict, **kwargs) -> None:
        # 3110 is an elevator variety; gas cylinders (23xx) sit inside pressure vessels (2xxx).
        kind, variety = data.get("equipment_kind"), data.get("variety_code")
        if kind is None or variety is None:
            return
        found = reference.equipment_kind_of_variety(variety)
        if found is None or found.code != kind:
            raise ValidationError(msg("Not a variety code of this equipment kind."), "variety_code")


# Plates: province abbreviation, city letter, optional separator dot, then 5 characters, or 6
# for new-energy vehicles (D/F first for small cars, last for large ones). I and O are not used.
_PLATE = re.compile(r"(?P<province>[\u4e00-\u9fff])[A-HJ-NP-Z][·•]?"
                    r"(?:[A-HJ-NP-Z0-9]{5}|[DF][A-HJ-NP-Z0-9][0-9]{4}|[0-9]{5}[DF])")
_VIN = re.compile(r"[A-HJ-NPR-Z0-9]{17}")


def plate_key(plate: str) -> str:
    """The plate without its separator dot, so 闽A·12345 and 闽A12345 are the same vehicle."""
    return plate.replace("·", "").replace("•", "")


def is_valid_plate(plate: str) -> bool:
    match = _PLATE.fullmatch(plate)
    if match is None:
        return False
    province = reference.province_by_abbr(match["province"])
    return province is not None and province.code < "71"  # no 港澳台 plates in this register


class Vehicle(Form):
    plate_number = text(validators=[rule(is_valid_plate, PLATE_NUMBER)])
    vin = text(validators=[rule(lambda v: bool(_VIN.fullmatch(v)), VIN)])
    cylinder_serial = text(min=1, max=40)
    cylinder_count = integer(1, 12)
    cylinder_valid_until = date()


@form("cng_application")
class CngApplication(ApplicationForm):
    vehicles = fields.List(fields.Nested(Vehicle), required=True,
                           validate=validate.Length(min=1, max=200))

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def _plates_unique(self, data: dict, original: dict, **kwargs) -> None:
        check_plates_unique(original)


def check_plates_unique(original: object) -> None:
    """Mark each repeated plate on its own row of ``vehicles``, so the clerk sees which clash.

    Reads the input rather than the loaded data: one bad row leaves the loaded list out
    entirely, and a duplicate should still be reported next to that row's other errors.
    """
    rows = original.get("vehicles") if isinstance(original, dict) else None
    seen: set[str] = set()
    vins: set[str] = set()   # one vehicle under two plates is as wrong as one plate twice
    errors: dict[int, dict[str, list[str]]] = {}
    for index, row in enumerate(rows if isinstance(rows, list) else []):
        plate = row.get("plate_number") if isinstance(row, dict) else None
        vin = row.get("vin") if isinstance(row, dict) else None
        if isinstance(vin, str) and _VIN.fullmatch(vin.strip()):
            if vin.strip() in vins:
                errors.setdefault(index, {})["vin"] = [msg("Each vehicle identification number may appear only once.")]
            vins.add(vin.strip())
        if not isinstance(plate, str) or not is_valid_plate(plate.strip()):
            continue
        key = plate_key(plate.strip())
        if key in seen:
            errors.setdefault(index, {})["plate_number"] = [msg("Each plate number may appear only once.")]
        seen.add(key)
    if errors:
        raise ValidationError({"vehicles": errors})


def check_vehicle_decisions(filed: list[dict], decided: list[dict]) -> None:
    """A CNG batch registration decides each vehicle the applicant filed, once (a decision for each,
    Administrative Licensing Law Art. 38): a plate that was never filed cannot be registered, and
    no filed vehicle is left without a decision. Plates compare without their separator dot."""
    plates = {plate_key(v.get("plate_number") or ""): v.get("plate_number") for v in filed or []}
    decided_keys = [plate_key(row.get("plate_number") or "") for row in decided or []]
    found: dict[str, list] = {f"vehicles.{index}.plate_number": [msg("This vehicle is not in the application.")]
                              for index, key in enumerate(decided_keys) if key not in plates}
    missing = [plate for key, plate in plates.items() if key not in decided_keys]
    if missing:
        found["vehicles"] = [msg("Decide every vehicle of the application; not yet decided: {plates}.",
                                  plates="、".join(missing))]
    elif found:
        found["vehicles"] = [msg("Decide only the vehicles of the application.")]
    if found:
        raise EngineValidationError(found)


@form("award_application")
class AwardApplication(ApplicationForm):
    category = choice("manufacturing", "agriculture", "services")
    round = text(min=1, max=20)
    self_evaluation_score = integer(0, 1000)
    summary = text(min=10, max=5000, metadata={"multiline": True})
