"""The clock sweep: the law's automatic consequences, applied as time passes.

An application nobody answered within 5 working days is deemed accepted from the day its
materials arrived (Art. 32); a renewal still undecided when the licence expires is deemed
granted (Art. 50); lights turn yellow and red. Each case is its own transaction, taken in
the documented lock order (case, then its instances, audit last); a failure on one case is
logged, counted and retried at the next sweep, and never stops the others.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select

from workflow import vocabulary as v
from workflow.domain import case_status, certificates, clock, forms
from workflow.domain.matters import MATTERS
from workflow.runtime import completion, instances
from workflow.runtime.command import Command
from workflow.services.common import lock_case, record
from workflow.storage.db import Database, utcnow
from workflow.storage.models import Case, Certificate, HumanTask
from workflow.services.tasks import JOINT_FORMS
from workflow.timekeeping.workdays import local_date

log = logging.getLogger(__name__)

DEEMED_OPINION = "逾期未作出受理决定，依法自收到申请材料之日起视为受理（《行政许可法》第三十二条）"
DEEMED_RENEWAL = "延续申请在许可有效期届满前未作决定，依法视为准予延续（《行政许可法》第五十条）"
INTAKE_ACCEPT = {"acceptance": "accept", "registration_acceptance": "accept", "vehicle_check": None,
                 "eligibility": "eligible"}


def sweep(db: Database, now: datetime | None = None) -> dict[str, int]:
    """Apply the clock's automatic consequences; safe to run from several workers at once."""
    now = now or utcnow()
    done = {"deemed_accepted": 0, "deemed_renewed": 0, "cases_refreshed": 0, "task_lights": 0, "failed": 0}
    due = [
        ("deemed_accepted", _deem_accepted, select(Case.id).where(
            Case.status == v.SUBMITTED, Case.accepted_at.is_(None), Case.acceptance_due_at < now)),
        ("deemed_renewed", _deem_renewed, select(Case.id).where(
            Case.status.in_(v.RUNNING), Case.renewal_of.is_not(None))),
        ("cases_refreshed", _refresh, select(Case.id).where(
            Case.status.in_(v.RUNNING), (Case.clock_date.is_(None)) | (Case.clock_date < local_date(now))
            | ((Case.decision_due_at < now) & (Case.light != "red"))
            | ((Case.yellow_at <= now) & (Case.light == "green")))),
    ]
    for name, handler, query in due:
        for case_id in _ids(db, query):
            outcome = _isolated(db, handler, case_id, now)
            if outcome is None:
                done["failed"] += 1
            else:
                done[name] += outcome
    with db.transaction() as session:
        done["task_lights"] = clock.refresh_task_lights(session, now)
    return done


def _ids(db: Database, query) -> list[int]:
    with db.reading() as session:
        return list(session.scalars(query.order_by(Case.id)))


def _isolated(db: Database, handler: Callable, case_id: int, now: datetime) -> int | None:
    """Run one case's consequence in its own transaction; None when it failed (logged)."""
    try:
        with db.transaction() as session:
            case = lock_case(session, case_id, skip_locked=True)
            if case is None:        # a command holds it right now: the next sweep takes it
                return 0
            return handler(Command(session, None, case=case, now=now))
    except Exception:  # noqa: BLE001 - one case must never stop the sweep of the others
        log.exception("clock sweep failed for case %s; retried at the next sweep", case_id)
        return None


def _deem_accepted(cmd: Command) -> int:
    """No acceptance, correction notice or refusal within 5 working days: deemed accepted."""
    case, session = cmd.case, cmd.session
    if case.accepted_at is not None or case.status != v.SUBMITTED:
        return 0
    case.deemed_accepted = True
    clock.accept(session, case, case.materials_at or case.created_at)
    record(cmd, "deemed_accepted", opinion=DEEMED_OPINION, data={"materials_at": case.accepted_at.isoformat()})
    for task in session.scalars(select(HumanTask).where(HumanTask.case_id == case.id, HumanTask.state == v.TASK_OPEN,
                                                        HumanTask.form_key.in_(JOINT_FORMS)).order_by(HumanTask.id)):
        decision = INTAKE_ACCEPT.get(task.form_key)
        if decision is None:
            continue
        completion.complete_loaded(cmd, task, forms.validate(task.form_key,
                                                             {"decision": decision, "opinion": DEEMED_OPINION}))
    case_status.refresh(cmd)
    return 1


def _deem_renewed(cmd: Command) -> int:
    """Art. 50: a renewal pending when the licence expires is deemed granted."""
    case, session = cmd.case, cmd.session
    cert = session.scalars(select(Certificate).where(Certificate.number == case.renewal_of)).first()
    if cert is None or cert.valid_until is None or cert.valid_until >= local_date(cmd.now):
        return 0
    years = max((MATTERS[m].validity_years or 0 for m in case.matters if m in MATTERS), default=0) or 5
    certificates.renew(cert, cmd.now, years)
    instances.cancel_all(cmd, "deemed_granted", v.INSTANCE_COMPLETED, v.DEEMED_GRANTED)
    record(cmd, "deemed_granted", opinion=DEEMED_RENEWAL,
           data={"certificate": cert.number, "valid_until": cert.valid_until.isoformat()})
    case_status.refresh(cmd)
    return 1


def _refresh(cmd: Command) -> int:
    clock.refresh_case(cmd.session, cmd.case, cmd.now)
    return 1
