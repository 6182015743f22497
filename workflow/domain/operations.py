"""The licensing operations BPMN service tasks call by name (see ``workflow.runtime.operations``).

Each operation receives the running command, the instance row and the SpiffWorkflow task,
and returns a JSON-able result that lands in the task data under the service task's result
variable. Matter-specific behaviour comes from the catalogue entry (``Matter``), never from
branches on matter codes.
"""
from __future__ import annotations

from sqlalchemy import update

from workflow import vocabulary
from workflow.domain import certificates, clock, identifiers, licences
from workflow.domain.forms.applications import plate_key
from workflow.domain.matters import Matter, get_matter
from workflow.runtime.operations import OperationCall, operation
from workflow.storage import audit
from workflow.storage.counters import next_value
from workflow.storage.models import HumanTask


def _matter(call: OperationCall) -> Matter:
    return get_matter(call.instance.matter_code)


@operation("finish")
def finish(call: OperationCall) -> dict:
    """Record how this matter ended; the case status follows when all its matters end."""
    call.instance.outcome = str(call.params["outcome"])
    if call.instance.outcome in vocabulary.DECIDED_OUTCOMES:
        case = call.cmd.case
        case.decided_at = case.decided_at or call.cmd.now
    return {"outcome": call.instance.outcome}


# -- acceptance and the clock -----------------------------------------------

@operation("record_acceptance", irreversible=True)
def record_acceptance(call: OperationCall) -> dict:
    """Accepted at the window: the decision clock starts now (unless already deemed accepted)."""
    case = call.cmd.case
    if call.data.get("green_channel") and not case.green_channel:
        _open_green_channel(call)
    if case.accepted_at is None:
        clock.accept(call.cmd.session, case, call.cmd.now)
    return {"accepted_at": case.accepted_at.isoformat(), "green_channel": case.green_channel}


def _open_green_channel(call: OperationCall) -> None:
    """绿色通道 set at intake: shorter committed limit, first in every queue, recorded."""
    session, case = call.cmd.session, call.cmd.case
    case.green_channel = True
    session.execute(update(HumanTask).where(HumanTask.case_id == case.id, HumanTask.state == "open")
                    .values(green_channel=True))
    audit.record(session, action="green_channel", actor=call.cmd.actor, case=case, at=call.cmd.now,
                 data={"set_at": "intake"})


@operation("record_refusal", irreversible=True)
def record_refusal(call: OperationCall) -> dict:
    """不予受理: a written, dated refusal; the reason is in the acceptance form's data."""
    return {"refused_on": call.cmd.now.isoformat(), "reason": call.data.get("refuse_reason")}


@operation("materials_received")
def materials_received(call: OperationCall) -> dict:
    """Corrected materials arrived (Art. 32): the 5-day acceptance period starts again."""
    clock.restart_acceptance(call.cmd.case, call.cmd.now)
    return {"received_at": call.cmd.now.isoformat()}


# -- certificates -------------------------------------------------------------

def _scope(call: OperationCall) -> str:
    """What the certificate covers: the application fields the catalogue entry names (a list
    joined with 、), or the matter's title."""
    matter = _matter(call)
    values = (call.data.get(name) for name in matter.scope_fields)
    parts = ["、".join(v) if isinstance(v, list) else str(v) for v in values if v]
    return "；".join(parts) or matter.title_zh


@operation("issue_certificate", irreversible=True)
def issue_certificate(call: OperationCall) -> dict:
    """Issue the matter's certificate, valid for the catalogue entry's term (Art. 44: within 10
    working days of the decision, which the certificate clock watches); an amending matter
    reissues or renews the licence it names."""
    matter, session, case = _matter(call), call.cmd.session, call.cmd.case
    if matter.amends:
        cert = licences.apply_grant(session, matter, call.data, call.cmd.now)
    else:
        cert = certificates.issue(session, case, matter, call.cmd.now, _scope(call))
    case.decided_at = case.decided_at or call.cmd.now
    return {"number": cert.number, "valid_until": cert.valid_until.isoformat() if cert.valid_until else None}


@operation("issue_receipt", irreversible=True)
def issue_receipt(call: OperationCall) -> dict:
    """A filing (告知) gets its receipt number at once; there is no decision."""
    now = call.cmd.now
    number = identifiers.make_filing_receipt_number(now.year, next_value(call.cmd.session, f"receipt:{now.year}"))
    call.cmd.case.data = {**call.cmd.case.data, "receipt_number": number}
    return {"number": number}


@operation("register_vehicles", irreversible=True)
def register_vehicles(call: OperationCall) -> dict:
    """CNG batch: each vehicle is registered or refused on its own; the applicant sees both lists."""
    decisions = {v.get("plate_number"): v for v in call.data.get("vehicles") or []}
    applied = {plate_key(v.get("plate_number") or ""): v for v in call.cmd.case.data.get("vehicles") or []}
    matter = _matter(call)
    registered, refused = [], []
    for plate, vehicle in decisions.items():
        if vehicle.get("decision") == "register":
            item = {**applied.get(plate_key(plate), {}), **vehicle, **dict(matter.item_defaults)}
            cert = certificates.issue(call.cmd.session, call.cmd.case, matter, call.cmd.now,
                                      licences.VEHICLE_SCOPE.format(plate=plate), item=_json_safe(item))
            registered.append({"plate_number": plate, "number": cert.number})
        else:
            refused.append({"plate_number": plate, "reason": vehicle.get("reason")})
    result = {"registered": registered, "refused": refused}
    call.cmd.case.data = {**call.cmd.case.data, "vehicle_results": result}
    return result


def _json_safe(item: dict) -> dict:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in item.items()}


@operation("revoke_certificate", irreversible=True)
def revoke_certificate(call: OperationCall) -> dict:
    """The after-the-fact on-site review failed: the commitment-path licence is revoked."""
    revoked = []
    for cert in certificates.for_case(call.cmd.session, call.cmd.case.id):
        certificates.set_status(cert, certificates.REVOKED)
        revoked.append(cert.number)
    return {"revoked": revoked}


@operation("cancel_certificate", irreversible=True)
def cancel_certificate(call: OperationCall) -> dict:
    cert = certificates.set_status(certificates.by_number(call.cmd.session, call.data["license_number"]),
                                   certificates.CANCELLED)
    return {"cancelled": cert.number}


# -- quality award --------------------------------------------------------------

def trimmed_mean(scores: list[float]) -> float:
    """Panel score: the mean after dropping the highest and the lowest score when five or more
    experts scored (the usual rule of provincial quality-award schemes, GB/T 19580 scoring)."""
    values = sorted(float(s) for s in scores)
    if len(values) >= 5:
        values = values[1:-1]
    return round(sum(values) / len(values), 1) if values else 0.0


def expert_scores(raw) -> list[float]:
    """The numbers out of the experts' collected answers (a list, or a mapping by expert)."""
    items = raw.values() if isinstance(raw, dict) else (raw or [])
    scores = [s.get("score") if isinstance(s, dict) else s for s in items]
    return [s for s in scores if isinstance(s, (int, float)) and not isinstance(s, bool)]


@operation("panel_result")
def panel_result(call: OperationCall) -> dict:
    scores = expert_scores(call.data.get("scores"))
    return {"score": trimmed_mean(scores), "count": len(scores)}
