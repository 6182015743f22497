"""Special equipment: installation notices, use registration, CNG cylinder batches (TSG 08-2017)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.test_forms import VALID
from workflow.domain.identifiers import parse_equipment_certificate_number
from workflow.errors import ValidationError
from workflow.services import case_view
from workflow.storage.models import Certificate


def test_installation_notice_is_filed_at_once(bureau):
    case = bureau.file(["equipment_notice"])
    got = bureau.outcome(case.id)
    assert (got.case.status, got.case.outcome) == ("completed", "filed")
    assert got.case.data["receipt_number"].startswith("GZ") and bureau.open_steps(case.id) == []


def test_registered_on_the_spot(bureau):
    case = bureau.file(["equipment_registration"])
    bureau.act("window", case.id, "acceptance", decision="register_now")
    got = bureau.outcome(case.id)
    assert got.case.outcome == "registered"
    assert parse_equipment_certificate_number(got.certificates[0].number)["kind"] == "梯"


def test_registration_reviewed_and_refused(bureau):
    case = bureau.file(["equipment_registration"])
    bureau.act("window", case.id, "acceptance", decision="accept")
    bureau.act("equip_reviewer", case.id, "document_review", decision="fail")
    got = bureau.outcome(case.id)
    assert (got.case.outcome, got.certificates) == ("denied", [])


def test_cng_batch_with_one_vehicle_refused_tells_the_applicant(bureau):
    vehicles = [{**VALID["cng_application"]["vehicles"][0], "plate_number": p, "vin": v}
                for p, v in (("闽A11111", "LSVAU2180N2183294"), ("闽A22222", "LFV2A21K6A3000001"),
                             ("闽A33333", "LFV2A21K6A3000002"))]
    case = bureau.file(["cng_cylinder"], {"vehicles": vehicles})
    bureau.act("window", case.id, "vehicle_check", decision="register", vehicles=[
        {"plate_number": "闽A11111", "decision": "register"},
        {"plate_number": "闽A22222", "decision": "refuse", "reason": "气瓶检验过期"},
        {"plate_number": "闽A33333", "decision": "register"}])
    got = bureau.outcome(case.id)
    assert got.case.outcome == "partly_granted"
    assert sorted(c.details["plate_number"] for c in got.certificates) == ["闽A11111", "闽A33333"]
    seen = case_view.case_view(bureau.db, bureau.people["applicant_a"], case.id)
    assert seen.vehicle_results["refused"] == [{"plate_number": "闽A22222", "reason": "气瓶检验过期"}]
    assert len(seen.vehicle_results["registered"]) == 2 and len(seen.certificates) == 2


def test_cng_batch_decides_exactly_the_vehicles_filed(bureau):
    """Walking the window's CNG check: a plate typed that was never filed got a valid certificate
    (with no VIN, no cylinder), and a filed vehicle left off the list got no decision at all."""
    vehicles = [{**VALID["cng_application"]["vehicles"][0], "plate_number": p, "vin": v}
                for p, v in (("闽A11111", "LSVAU2180N2183294"), ("闽A22222", "LFV2A21K6A3000001"))]
    case = bureau.file(["cng_cylinder"], {"vehicles": vehicles})
    with pytest.raises(ValidationError) as stranger:
        bureau.act("window", case.id, "vehicle_check", decision="register", vehicles=[
            {"plate_number": "闽A11111", "decision": "register"}, {"plate_number": "闽B88888", "decision": "register"}])
    assert set(stranger.value.fields) == {"vehicles.1.plate_number", "vehicles"}, stranger.value.fields
    with pytest.raises(ValidationError) as left_out:
        bureau.act("window", case.id, "vehicle_check", decision="register", vehicles=[
            {"plate_number": "闽A11111", "decision": "register"}])
    assert set(left_out.value.fields) == {"vehicles"}
    with bureau.db.reading() as s:
        assert s.scalars(select(Certificate).where(Certificate.case_id == case.id)).all() == []
    assert bureau.open_steps(case.id)                               # still at the window, nothing written
    bureau.act("window", case.id, "vehicle_check", decision="register", vehicles=[
        {"plate_number": "闽A·11111", "decision": "register"},      # the same plate written with its dot
        {"plate_number": "闽A22222", "decision": "refuse", "reason": "气瓶检验过期"}])
    got = bureau.outcome(case.id)
    assert [c.details["vin"] for c in got.certificates] == ["LSVAU2180N2183294"]


def test_a_vehicle_already_registered_is_not_registered_again(bureau):
    """Walking a second CNG filing for a registered vehicle: it got a second valid certificate."""
    first = bureau.file(["cng_cylinder"], {"vehicles": VALID["cng_application"]["vehicles"][:1]})
    pending = bureau.file(["cng_cylinder"], {"vehicles": VALID["cng_application"]["vehicles"][:1]})
    bureau.act("window", first.id, "vehicle_check", decision="register",
               vehicles=[{"plate_number": "闽A12345", "decision": "register"}])
    number = bureau.outcome(first.id).certificates[0].number
    with pytest.raises(ValidationError) as again:         # filing it again
        bureau.file(["cng_cylinder"], {"vehicles": [{**VALID["cng_application"]["vehicles"][0],
                                                      "plate_number": "闽A·12345"}]})
    assert number in again.value.fields["vehicles.0.plate_number"][0]
    with pytest.raises(ValidationError) as meanwhile:     # a filing sent before the first was registered
        bureau.act("window", pending.id, "vehicle_check", decision="register",
                   vehicles=[{"plate_number": "闽A12345", "decision": "register"}])
    assert set(meanwhile.value.fields) == {"vehicles.0.plate_number"}
    bureau.act("window", pending.id, "vehicle_check", decision="refuse", refuse_reason="该车辆已登记")
    with bureau.db.reading() as s:
        assert len(s.scalars(select(Certificate).where(Certificate.scope.contains("12345"))).all()) == 1
