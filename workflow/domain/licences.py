"""Applications that amend a licence: change (变更), renewal (延续), cancellation (注销).

Checked at intake (docs/domain.md, "Who may file"): the licence must exist, be of the matter's kind, be
held by the applicant's own enterprise, still be valid, and have no other application running;
a renewal is filed within the matter's window before expiry (SAMR Order 24 Art. 41: at least
30 working days before; not years early). On a grant the effect lands on the certificate.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow import vocabulary
from workflow.domain import certificates
from workflow.domain.forms.applications import plate_key
from workflow.domain.matters import Matter
from workflow.errors import msg
from workflow.storage.models import Case, Certificate

CHANGE, RENEWAL, CANCELLATION = "change", "renewal", "cancellation"
NOT_HELD = msg("No valid licence with this number is held by your enterprise.")
VEHICLE_SCOPE = "车用气瓶 {plate}"   # a CNG certificate's scope: one vehicle


def check(session: Session, matter: Matter, organisation_id: int, data: dict, today: date) -> dict[str, list[str]]:
    """Field errors for an application that names a licence; empty when it may be filed."""
    if matter.amends is None:
        return {}
    number = data.get("license_number")
    cert = session.scalars(select(Certificate).where(Certificate.number == number)).first()
    if cert is None or cert.matter_code != matter.amends or cert.organisation_id != organisation_id:
        return {"license_number": [NOT_HELD]}
    if cert.status != certificates.VALID or (cert.valid_until is not None and cert.valid_until < today):
        return {"license_number": [msg("This licence is no longer valid; apply for a new licence instead.")]}
    if _pending(session, organisation_id, matter.code, number):
        return {"license_number": [msg("Another application for this licence is still being handled.")]}
    if data.get("change_kind") == RENEWAL:
        return _renewal_window(matter, cert, today)
    return {}


def _renewal_window(matter: Matter, cert: Certificate, today: date) -> dict[str, list[str]]:
    window = matter.renewal_window_days
    if window is None or cert.valid_until is None:
        return {"change_kind": [msg("This licence has no fixed term to renew.")]}
    opens = cert.valid_until - timedelta(days=window)
    if today < opens:
        return {"change_kind": [msg("A renewal may be filed from {date} ({days} days before expiry).", date=opens.isoformat(), days=window)]}
    return {}


def _pending(session: Session, organisation_id: int, matter_code: str, number: str) -> bool:
    running = session.scalars(select(Case).where(Case.organisation_id == organisation_id,
                                                 Case.status.in_(vocabulary.RUNNING)))
    return any(matter_code in (c.matters or []) and (c.data or {}).get("license_number") == number for c in running)


def apply_grant(session: Session, matter: Matter, data: dict, now) -> Certificate:
    """The effect of a granted change or renewal on the licence (cancellation has its own step)."""
    cert = certificates.by_number(session, data["license_number"])
    if data.get("change_kind") == RENEWAL:
        return certificates.renew(cert, now, matter.renewal_years)
    fields = matter.reissue
    scope = data.get(fields.scope) if fields.scope else None
    details = {k: data[k] for k in fields.details if data.get(k)}
    return certificates.reissue(cert, now, holder=data.get(fields.holder) if fields.holder else None,
                                scope="、".join(scope) if isinstance(scope, list) else scope or None,
                                details=details)


def registered_vehicle_errors(session: Session, vehicles: list[dict] | None, only=None) -> dict[str, list[str]]:
    """A vehicle already holding a valid CNG registration is not registered again (TSG 08: one
    registration per unit; a change or cancellation first): the row's plate names the certificate.
    ``only`` limits the check to some rows (those the window registers)."""
    rows = {index: v.get("plate_number") or "" for index, v in enumerate(vehicles or [])
            if only is None or only(v)}
    keys = {index: plate_key(plate) for index, plate in rows.items()}
    scopes = {VEHICLE_SCOPE.format(plate=key[:2] + dot + key[2:]): key
              for key in keys.values() for dot in ("", "·", "•")}
    if not scopes:
        return {}
    held = {scopes[cert.scope]: cert.number for cert in session.scalars(select(Certificate).where(
        Certificate.scope.in_(scopes), Certificate.status == certificates.VALID).order_by(Certificate.id))}
    return {f"vehicles.{index}.plate_number": [msg("This vehicle already holds a valid registration ({number}).",
                                                   number=held[key])]
            for index, key in keys.items() if key in held}
