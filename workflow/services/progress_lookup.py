"""办件查询: anyone holding a case number and the query code printed on its acceptance notice may
follow the case without logging in, and learn only its status, current step, working-day
deadlines and the documents issued: no enterprise data, no opinions, no people.

A wrong code and an unknown number give the same answer, and the code is compared in constant
time, so the lookup tells a guesser nothing (the web layer also throttles it per address).
"""
from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from workflow import vocabulary as v
from workflow.documents.catalog import Ref
from workflow.errors import NotFound, msg
from workflow.services import documents
from workflow.storage import audit
from workflow.storage.db import Database
from workflow.storage.models import Case, HumanTask, ProcessInstance
from workflow.timekeeping.workdays import local_date

NOT_FOUND = msg("No case matches this number and query code.")


@dataclass(frozen=True)
class PublicProgress:
    number: str
    matters: list[str]
    status: str
    outcome: str | None
    current_steps: list[str]
    limit_days: int | None
    used_days: int
    remaining_days: int | None
    due_on: date | None
    suspended: bool
    documents: list[Ref]   # those issued; pages name them in their language (kind, certificate's matter)


def lookup(db: Database, number: str, code: str) -> PublicProgress:
    number, code = (number or "").strip().upper(), (code or "").strip().upper()
    with db.reading() as session:
        case = session.scalars(select(Case).where(Case.number == number)).first() if number and code else None
        if case is None or not case.query_code or not hmac.compare_digest(case.query_code, code):
            raise NotFound(NOT_FOUND)
        steps = list(session.scalars(select(HumanTask.title).where(
            HumanTask.case_id == case.id, HumanTask.state == v.TASK_OPEN).order_by(HumanTask.id)))
        history = audit.case_history(session, case.id)
        instances = list(session.scalars(select(ProcessInstance).where(ProcessInstance.case_id == case.id)))
        refs = documents.refs(history, documents.certificates_for(session, case, is_applicant=True), instances)
    return PublicProgress(
        case.number, list(case.matters or []), case.status, case.outcome, list(dict.fromkeys(steps)),
        (case.limit_days + case.extended_days) if case.limit_days else None, case.used_days, case.remaining_days,
        local_date(case.decision_due_at) if case.decision_due_at else None, bool(case.suspended),
        [r for r in refs if r.issued_on])
