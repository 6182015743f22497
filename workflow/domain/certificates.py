"""Issuing, reissuing, renewing and revoking certificates.

Numbers follow each matter's official format (``Matter.numbering``); the
verification token is random so the public QR link cannot be guessed from a number.
"""
from __future__ import annotations

import secrets
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.domain.matters import Matter
from workflow.domain.numbering import NumberRequest, serial_number
from workflow.errors import Conflict, NotFound, msg
from workflow.storage.models import Case, Certificate, Organisation
from workflow.timekeeping.workdays import local_date

VALID, REVOKED, CANCELLED, EXPIRED = "valid", "revoked", "cancelled", "expired"


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def issue(session: Session, case: Case, matter: Matter, now, scope: str, item: dict | None = None,
          validity_years: int | None = None) -> Certificate:
    """A new certificate of ``matter`` for the case's enterprise, numbered in the matter's format."""
    org = session.get(Organisation, case.organisation_id)
    today = local_date(now)
    numbering = matter.numbering or serial_number("ZL")
    years = validity_years if validity_years is not None else matter.validity_years
    certificate = Certificate(
        number=numbering(NumberRequest(session, case, org, today, item or {})), token=secrets.token_urlsafe(16),
        case_id=case.id, matter_code=matter.code, organisation_id=org.id, holder=org.name,
        holder_code=org.credit_code, scope=scope, issued_on=today,
        valid_until=add_years(today, years) if years else None, status=VALID, details=item or {},
    )
    session.add(certificate)
    session.flush()
    return certificate


def by_number(session: Session, number: str) -> Certificate:
    certificate = session.scalars(select(Certificate).where(Certificate.number == number)).first()
    if certificate is None:
        raise NotFound("Certificate not found.")
    return certificate


def renew(certificate: Certificate, now, validity_years: int) -> Certificate:
    """Renewal keeps the number and extends the validity from the old expiry (Art. 50)."""
    if certificate.status not in (VALID, EXPIRED):
        raise Conflict(msg("Certificate {number} is {status} and cannot be renewed.", number=certificate.number, status=certificate.status))
    start = max(certificate.valid_until or local_date(now), local_date(now))
    certificate.valid_until, certificate.status = add_years(start, validity_years), VALID
    certificate.reissued_on = local_date(now)
    return certificate


def reissue(certificate: Certificate, now, *, holder: str | None = None, scope: str | None = None,
            details: dict | None = None) -> Certificate:
    """A granted change (变更): same number and validity, new particulars, reissued today."""
    if certificate.status != VALID:
        raise Conflict(msg("Certificate {number} is {status} and cannot be changed.", number=certificate.number, status=certificate.status))
    if holder:
        certificate.holder = holder
    if scope:
        certificate.scope = scope
    if details:
        certificate.details = {**(certificate.details or {}), **details}
    certificate.reissued_on = local_date(now)
    return certificate


def set_status(certificate: Certificate, status: str) -> Certificate:
    certificate.status = status
    return certificate


def for_case(session: Session, case_id: int) -> list[Certificate]:
    return list(session.scalars(select(Certificate).where(Certificate.case_id == case_id).order_by(Certificate.id)))
