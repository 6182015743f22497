"""Written documents of a case as PDF, for whoever may open the case, and the office settings they print."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow import vocabulary as v
from workflow.documents import catalog, certificate, content, office, pdf
from workflow.documents.catalog import Ref
from workflow.domain.permissions import Actor, require_role
from workflow.errors import NotFound
from workflow.services.common import visible_case
from workflow.storage import audit
from workflow.storage.db import Database, utcnow
from workflow.storage.models import AuditEvent, Case, Certificate, OfficeSetting, Organisation, ProcessInstance


@dataclass(frozen=True)
class Rendered:
    filename: str
    data: bytes
    content_type: str = "application/pdf"


def certificates_for(session: Session, case: Case, is_applicant: bool) -> list[Certificate]:
    """A joint filing's certificates reach the applicant together, when the case is done (统一送达)."""
    if is_applicant and len(case.matters or ()) > 1 and case.status != v.COMPLETED:
        return []
    return list(session.scalars(select(Certificate).where(Certificate.case_id == case.id).order_by(Certificate.id)))


def certificate_title(cert: Certificate) -> str:
    """The certificate's own name (食品生产许可证 …), the same on the PDF, the page and the image."""
    return certificate.title(cert)


def refs(history: list[AuditEvent], certificates: list[Certificate], instances: list[ProcessInstance]) -> list[Ref]:
    """The documents of a case, from what the case view already read."""
    return catalog.documents(history, certificates, {i.id: i.outcome for i in instances}, certificate.title)


def render(db: Database, actor: Actor, case_id: int, key: str, links: content.Links) -> Rendered:
    """One document as PDF; a case the actor may not open, or a document it lacks, is "not found"."""
    with db.reading() as session:
        case = visible_case(session, actor, case_id)
        history = audit.case_history(session, case.id)
        instances = list(session.scalars(select(ProcessInstance).where(ProcessInstance.case_id == case.id)))
        found = refs(history, certificates_for(session, case, actor.role == "applicant"), instances)
        ref = catalog.find(found, key)
        if ref is None:
            raise NotFound("Document not found.")
        facts = content.Facts(case, session.get(Organisation, case.organisation_id), office.load(session), links,
                              {i.id: i.matter_code for i in instances}, history, found)
        doc = content.build(facts, ref)
    return Rendered(doc.filename, pdf.render(doc))


def issuing_authority(db: Database) -> str:
    """The authority's full name, as every document prints it (public: it is on every paper)."""
    with db.reading() as session:
        return office.load(session).authority


def office_settings(db: Database, actor: Actor) -> office.Office:
    require_role(actor, "admin")
    with db.reading() as session:
        return office.load(session)


def set_office(db: Database, actor: Actor, values: dict, seal: bytes | None = None,
               remove_seal: bool = False) -> office.Office:
    """An administrator sets the authority's particulars and uploads (or removes) the seal; audited."""
    require_role(actor, "admin")
    clean = office.clean_text(values)
    seal = office.check_seal(seal) if seal else None
    with db.transaction() as session:
        for key, value in clean.items():
            _put(session, actor, key, value=value)
        if seal or remove_seal:
            _put(session, actor, office.SEAL, blob=seal)
        audit.record(session, action="office_settings", actor=actor,
                     data={**clean, "seal": "uploaded" if seal else "removed" if remove_seal else "unchanged"})
        session.flush()
        return office.load(session)


def _put(session: Session, actor: Actor, key: str, value: str | None = None, blob: bytes | None = None) -> None:
    row = session.get(OfficeSetting, key) or OfficeSetting(key=key)
    row.value, row.blob, row.updated_by, row.updated_at = value, blob, actor.id, utcnow()
    session.add(row)
