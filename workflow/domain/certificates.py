"""Issuing, reissuing and revoking certificates, with numbers in the real formats.

Serials come from :func:`workflow.storage.counters.next_value`, so numbers stay unique
when several workers issue at once; the verification token is random so the
public QR link cannot be guessed from a number.
"""
from __future__ import annotations

import secrets
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.domain import identifiers, reference
from workflow.errors import Conflict, NotFound
from workflow.storage.counters import next_value
from workflow.storage.models import Case, Certificate, Organisation
from workflow.timekeeping.workdays import local_date

STATUSES = ("valid", "suspended", "revoked", "expired", "cancelled")
DEFAULT_AREA = "350100"


def _area(case: Case, org: Organisation) -> str:
    area = str(case.data.get("area_code") or org.area_code or DEFAULT_AREA)
    return area if reference.is_valid_area_code(area) else DEFAULT_AREA


def _province_abbr(area: str) -> str:
    province = reference.province(area[:2])
    return province.abbr if province else "闽"


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def number_for(session: Session, matter: str, case: Case, org: Organisation, today: date, item: dict) -> str:
    """A new certificate number in the matter's official format."""
    area = _area(case, org)
    data = case.data
    if matter == "food_license":
        kind = int(data.get("food_kind") or 1)
        serial = next_value(session, f"sc:{area}")
        return identifiers.make_sc_number(kind, str(data.get("food_category") or "01"), area, serial)
    if matter == "industrial_license":
        province = _province_abbr(area)
        serial = next_value(session, f"xk:{province}")
        return identifiers.make_xk_number(province, str(data.get("industry_code") or "01"),
                                          str(data.get("product_code") or "001"), serial)
    if matter in ("equipment_registration", "cng_cylinder"):
        kind = reference.equipment_kind(str(item.get("equipment_kind") or data.get("equipment_kind") or
                                            ("2000" if matter == "cng_cylinder" else "3000")))
        variety = str(item.get("variety_code") or data.get("variety_code") or (kind.code if kind else "3000"))
        serial = next_value(session, f"eq:{area[:4]}:{today.year}")
        return identifiers.make_equipment_certificate_number(
            kind.char if kind else "瓶", variety[:2], _province_abbr(area), "A", serial, today.year)
    serial = next_value(session, f"cert:{matter}:{today.year}")
    return f"ZL{today.year}-{serial:05d}"


def issue(session: Session, case: Case, matter: str, now, validity_years: int | None,
          scope: str, item: dict | None = None) -> Certificate:
    org = session.get(Organisation, case.organisation_id)
    today = local_date(now)
    certificate = Certificate(
        number=number_for(session, matter, case, org, today, item or {}), token=secrets.token_urlsafe(16),
        case_id=case.id, matter_code=matter, organisation_id=org.id, holder=org.name,
        holder_code=org.credit_code, scope=scope, issued_on=today,
        valid_until=_add_years(today, validity_years) if validity_years else None,
        status="valid", details=item or {},
    )
    session.add(certificate)
    session.flush()
    return certificate


def by_number(session: Session, number: str) -> Certificate:
    certificate = session.scalars(select(Certificate).where(Certificate.number == number)).first()
    if certificate is None:
        raise NotFound("Certificate not found.")
    return certificate


def renew(session: Session, number: str, now, validity_years: int) -> Certificate:
    """Renewal keeps the number and extends the validity from the old expiry."""
    certificate = by_number(session, number)
    if certificate.status not in ("valid", "expired"):
        raise Conflict(f"Certificate {number} is {certificate.status} and cannot be renewed.")
    start = max(certificate.valid_until or local_date(now), local_date(now))
    certificate.valid_until, certificate.status = _add_years(start, validity_years), "valid"
    return certificate


def set_status(session: Session, number: str, status: str) -> Certificate:
    certificate = by_number(session, number)
    certificate.status = status
    return certificate


def for_case(session: Session, case_id: int) -> list[Certificate]:
    return list(session.scalars(select(Certificate).where(Certificate.case_id == case_id).order_by(Certificate.id)))
