"""Read-side queries the pages need: lists with paging, a case's progress, audit search, admin lists.

Everything here is SQL over indexed tables (cases, human_tasks, clock_segments,
audit_events); nothing deserializes a workflow. Visibility follows
``workflow.domain.permissions``: a case an actor may not see is "not found".
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from sqlalchemy import Select, and_, func, or_, select, union
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session

from workflow.domain.identifiers import normalise_number, parse_case_number
from workflow.domain.permissions import Actor, case_scope, require_role
from workflow.errors import NotFound, ValidationError, msg
from workflow.services.common import visible_case
from workflow.services.paging import Page, PageRequest, clamp
from workflow.storage import audit
from workflow.storage.db import Database
from workflow.storage.models import (
    AuditEvent,
    Case,
    Certificate,
    Holiday,
    HumanTask,
    Organisation,
    ProcessInstance,
    ProcessVersion,
    User,
)
from workflow.timekeeping.workdays import OFFICE_TZ


def _page(session: Session, query: Select, page: int, per_page: int, scalars: bool = True) -> Page:
    page, per_page = clamp(page, per_page)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = session.execute(query.offset((page - 1) * per_page).limit(per_page))
    items = list(rows.scalars()) if scalars else [tuple(r) for r in rows]
    return Page(items, total, page, per_page)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, OFFICE_TZ)


# -- cases ---------------------------------------------------------------------

@dataclass(frozen=True)
class CaseFilters(PageRequest):
    status: str | None = None
    matter: str | None = None
    light: str | None = None
    q: str | None = None


MAX_SEARCH = 200


def _contains(column, text: str, field: str = "q"):
    """Substring search: the user's ``%``, ``_`` and escape characters are literal (``autoescape``).

    A longer term is refused as a field error: no stored name or number is that long, and SQLite
    fails on a LIKE pattern over 50,000 bytes (found by the fuzzer: a 70,000-character ``q``).
    """
    if len(text.strip()) > MAX_SEARCH:
        raise ValidationError({field: [msg("A search term is at most {n} characters.", n=MAX_SEARCH)]})
    return column.contains(text.strip(), autoescape=True)


def list_cases(db: Database, actor: Actor, filters: CaseFilters = CaseFilters()) -> Page:
    """Cases the actor may see, newest first (the applicant's "my cases", staff case search)."""
    query = select(Case).where(case_scope(actor))
    if filters.status:
        query = query.where(Case.status == filters.status)
    if filters.light:
        query = query.where(Case.light == filters.light)
    if filters.matter:
        query = query.where(Case.id.in_(select(ProcessInstance.case_id)
                                        .where(ProcessInstance.matter_code == filters.matter)))
    with db.reading() as session:
        if filters.q and filters.q.strip():
            query = query.where(Case.id.in_(_matched(session, filters.q.strip())))
        return _page(session, query.order_by(Case.created_at.desc(), Case.id.desc()), filters.page, filters.per_page)


MATCH_LIMIT = 5000


def _matched(session: Session, q: str):
    """The matching case ids as a list when there are few (the usual search), else the subquery.

    PostgreSQL cannot estimate how few rows a substring union returns, and joined it to a scan of
    every case; given the ids themselves, it reads them by primary key. The applicants whose name
    matches are looked up first (a small table): when there are none, no piece scans cases for them.
    """
    applicants = session.scalars(select(User.id).where(
        or_(_contains(User.display_name, q), _contains(User.username, q)))).all()
    matching = _matching(q, applicants).subquery()
    ids = session.scalars(select(*matching.c).limit(MATCH_LIMIT + 1)).all()
    return ids if len(ids) <= MATCH_LIMIT else select(*matching.c)


def _matching(q: str, applicants: list[int]):
    """Ids of cases whose number or title, or whose enterprise's name or credit code, contains ``q``,
    or whose applicant is one of ``applicants`` (those whose name matched); numbers and credit
    codes in any letter case.

    A whole case number is looked up by its unique index. Anything else is a union of one
    lookup per column, so each reads its own index (on PostgreSQL a pg_trgm GIN index,
    migration 0011) instead of one OR that scans every case or enterprise.
    """
    upper = q.upper()
    if parse_case_number(upper) is not None:
        return select(Case.id).where(Case.number == upper)
    organisations = [select(Organisation.id).where(_contains(Organisation.name, q)),
                     select(Organisation.id).where(_contains(Organisation.credit_code, upper))]
    by_applicant = [select(Case.id).where(Case.applicant_id.in_(applicants))] if applicants else []
    return union(select(Case.id).where(_contains(Case.number, upper)),
                 select(Case.id).where(_contains(Case.title, q)),
                 *(select(Case.id).where(Case.organisation_id.in_(ids)) for ids in organisations),
                 *by_applicant)


def window_queue(db: Database, actor: Actor, page: int = 1, per_page: int = 20, matter: str | None = None) -> Page:
    """Cases waiting at the window (intake decision), one row per case, green channel first.

    Items are ``(case, [open acceptance tasks])``; a joint filing is one row.
    """
    require_role(actor, "window")
    cond = and_(HumanTask.state == "open", HumanTask.role == "window", HumanTask.hold.is_(None))
    if matter:
        cond = and_(cond, HumanTask.matter_code == matter)
    case_ids = (select(HumanTask.case_id, func.min(HumanTask.created_at).label("since"))
                .where(cond).group_by(HumanTask.case_id).subquery())
    query = (select(Case).join(case_ids, case_ids.c.case_id == Case.id)
             .order_by(Case.green_channel.desc(), case_ids.c.since, Case.id))
    with db.reading() as session:
        result = _page(session, query, page, per_page)
        ids = [c.id for c in result.items]
        tasks: dict[int, list[HumanTask]] = {}
        for t in session.scalars(select(HumanTask).where(cond, HumanTask.case_id.in_(ids)).order_by(HumanTask.id)):
            tasks.setdefault(t.case_id, []).append(t)
        orgs = {o.id: o for o in session.scalars(select(Organisation).where(
            Organisation.id.in_({c.organisation_id for c in result.items})))}
    return Page([(c, orgs.get(c.organisation_id), tasks.get(c.id, [])) for c in result.items],
                result.total, result.page, result.per_page)


# -- certificates (public verification) -----------------------------------------

@dataclass(frozen=True)
class PublicCertificate:
    """What anyone may learn about a certificate: holder, scope, validity, status."""
    number: str
    matter_code: str
    holder: str
    scope: str
    issued_on: date
    valid_until: date | None
    status: str


def public_certificate(cert: Certificate, today: date | None = None) -> PublicCertificate:
    status = cert.status
    today = today or datetime.now(OFFICE_TZ).date()
    if status == "valid" and cert.valid_until is not None and cert.valid_until < today:
        status = "expired"
    return PublicCertificate(cert.number, cert.matter_code, cert.holder, cert.scope, cert.issued_on,
                             cert.valid_until, status)


def verify_certificate(db: Database, number: str | None = None, token: str | None = None) -> PublicCertificate:
    """By number as the public types it (any letter case, full-width characters), or by the QR token."""
    number, token = normalise_number(number or ""), (token or "").strip()
    if not number and not token:
        raise NotFound("Certificate not found.")
    with db.reading() as session:
        query = select(Certificate).where(Certificate.token == token if token else Certificate.number == number)
        cert = session.scalars(query).first()
        if cert is None:
            raise NotFound("Certificate not found.")
        return public_certificate(cert)


def certificate_for(db: Database, actor: Actor, certificate_id: int) -> tuple[Certificate, Case]:
    """A certificate for its holder's applicants and staff who can see the case."""
    with db.reading() as session:
        cert = session.get(Certificate, certificate_id)
        if cert is None:
            raise NotFound("Certificate not found.")
        case = visible_case(session, actor, cert.case_id)
        return cert, case


# -- audit -----------------------------------------------------------------------

@dataclass(frozen=True)
class AuditFilters(PageRequest):
    per_page: int = 50
    case_number: str | None = None
    actor: str | None = None
    action: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    text: str | None = None


def audit_search(db: Database, actor: Actor, filters: AuditFilters = AuditFilters()) -> Page:
    require_role(actor, "auditor", "supervisor", "admin")
    if filters.date_from and filters.date_to and filters.date_to < filters.date_from:
        # a reversed range matched nothing, which read as "no such event" (as in the period report)
        raise ValidationError({"date_to": [msg("The end date must not be before the start date.")]})
    query = select(AuditEvent)
    if filters.case_number:
        query = query.where(AuditEvent.case_number == filters.case_number.strip())
    if filters.actor:
        query = query.where(_contains(AuditEvent.actor_name, filters.actor, "actor"))
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.date_from:
        query = query.where(AuditEvent.at >= _day_start(filters.date_from))
    if filters.date_to:
        query = query.where(AuditEvent.at < _day_start(filters.date_to + timedelta(days=1)))
    if filters.text:
        query = query.where(_contains(AuditEvent.opinion, filters.text, "text"))
    with db.reading() as session:
        return _page(session, query.order_by(AuditEvent.seq.desc()), filters.page, filters.per_page)


def audit_actions(db: Database) -> list[str]:
    with db.reading() as session:
        return list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def case_timeline(db: Database, actor: Actor, case_id: int) -> tuple[Case, list[AuditEvent]]:
    """A case's decision history, for auditors (and anyone else who may see the case)."""
    with db.reading() as session:
        case = visible_case(session, actor, case_id)
        return case, audit.case_history(session, case.id)


def case_by_number(db: Database, actor: Actor, number: str) -> Case:
    with db.reading() as session:
        case = session.scalars(select(Case).where(Case.number == (number or "").strip())).first()
        if case is None:
            raise NotFound("Case not found.")
        return visible_case(session, actor, case.id)


def verify_chain(db: Database, actor: Actor) -> audit.VerifyResult:
    require_role(actor, "auditor", "admin")
    with db.reading() as session:
        return audit.verify(session)


# -- administration ----------------------------------------------------------------

def list_users(db: Database, actor: Actor, page: int = 1, per_page: int = 50, role: str | None = None) -> Page:
    require_role(actor, "admin")
    query = select(User).order_by(User.role, User.username)
    if role:
        query = query.where(User.role == role)
    with db.reading() as session:
        return _page(session, query, page, per_page)


def list_organisations(db: Database, actor: Actor) -> list[Organisation]:
    require_role(actor, "admin")
    with db.reading() as session:
        return list(session.scalars(select(Organisation).order_by(Organisation.name)))


def holidays_of_year(db: Database, actor: Actor, year: int) -> list[Holiday]:
    require_role(actor, "admin")
    with db.reading() as session:
        return list(session.scalars(select(Holiday).where(Holiday.day >= date(year, 1, 1),
                                                          Holiday.day <= date(year, 12, 31)).order_by(Holiday.day)))


def holiday_years(db: Database) -> list[int]:
    with db.reading() as session:
        days = session.scalars(select(Holiday.day)).all()
    return sorted({d.year for d in days})


@dataclass(frozen=True)
class VersionRow:
    version: ProcessVersion
    running: int
    total: int


def process_versions(db: Database, actor: Actor, page: int = 1, per_page: int = 50) -> Page:
    require_role(actor, "admin")
    counts = (select(ProcessInstance.process_version_id.label("vid"), func.count().label("total"),
                     func.sum(sql_case((ProcessInstance.status == "running", 1), else_=0)).label("running"))
              .group_by(ProcessInstance.process_version_id).subquery())
    query = (select(ProcessVersion, func.coalesce(counts.c.running, 0), func.coalesce(counts.c.total, 0))
             .outerjoin(counts, counts.c.vid == ProcessVersion.id)
             .order_by(ProcessVersion.process_id, ProcessVersion.version.desc()))
    with db.reading() as session:
        result = _page(session, query, page, per_page, scalars=False)
    return Page([VersionRow(v, int(r or 0), int(t or 0)) for v, r, t in result.items],
                result.total, result.page, result.per_page)


def cases_on_version(db: Database, actor: Actor, version_id: int, page: int = 1, per_page: int = 50) -> tuple[ProcessVersion, Page]:
    require_role(actor, "admin")
    with db.reading() as session:
        version = session.get(ProcessVersion, version_id)
        if version is None:
            raise NotFound("Process version not found.")
        query = (select(Case, ProcessInstance).join(ProcessInstance, ProcessInstance.case_id == Case.id)
                 .where(ProcessInstance.process_version_id == version_id).order_by(Case.created_at.desc()))
        return version, _page(session, query, page, per_page, scalars=False)


def deployed_process_ids(db: Database) -> set[str]:
    """Processes with at least one deployed version (a matter can be filed only when its process is)."""
    with db.reading() as session:
        return set(session.scalars(select(ProcessVersion.process_id).distinct()))


class CaseLabel(NamedTuple):
    number: str
    title: str
    enterprise: str
    credit_code: str
    applicant: str


def case_labels(db: Database, case_ids: list[int]) -> dict[int, CaseLabel]:
    """What rows of tasks or cases show of each case: number, title, enterprise, applicant."""
    if not case_ids:
        return {}
    with db.reading() as session:
        rows = session.execute(select(Case.id, Case.number, Case.title, Organisation.name, Organisation.credit_code,
                                      User.display_name)
                               .join(Organisation, Organisation.id == Case.organisation_id)
                               .join(User, User.id == Case.applicant_id).where(Case.id.in_(set(case_ids))))
        return {row[0]: CaseLabel(*row[1:]) for row in rows}
