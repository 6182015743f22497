"""The licensing operations BPMN service tasks call by name (see ``workflow.runtime.operations``).

Each operation receives the running
command, the instance row and the SpiffWorkflow task, and returns a JSON-able
result that lands in the task data under the service task's result variable.
"""
from __future__ import annotations

import os

from sqlalchemy import update

from workflow.domain import certificates, clock, identifiers
from workflow.domain.matters import get_matter
from workflow.runtime.operations import OperationCall, operation
from workflow.storage import audit
from workflow.storage.counters import next_value
from workflow.storage.models import Counter, HumanTask


@operation("finish")
def finish(call: OperationCall) -> dict:
    """Record how this matter ended; the case status follows when all its matters end."""
    call.instance.outcome = str(call.params["outcome"])
    if call.instance.outcome in DECISIONS:
        case = call.cmd.case
        case.decided_at = case.decided_at or call.cmd.now
    return {"outcome": call.instance.outcome}


DECISIONS = {"granted", "denied", "registered", "awarded", "not_awarded"}


# -- acceptance and the clock -----------------------------------------------

@operation("record_acceptance")
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


@operation("record_refusal")
def record_refusal(call: OperationCall) -> dict:
    """不予受理: a written, dated refusal; the reason is in the acceptance form's data."""
    return {"refused_on": call.cmd.now.isoformat(), "reason": call.data.get("refuse_reason")}


@operation("suspend_clock")
def suspend_clock(call: OperationCall) -> dict:
    reason = str(call.params["reason"])
    note = "；".join(call.data.get("items") or []) or None
    clock.open_suspension(call.cmd.session, call.cmd.case, reason, call.cmd.now, _actor_id(call), note)
    return {"suspended": reason}


@operation("resume_clock")
def resume_clock(call: OperationCall) -> dict:
    reason = str(call.params["reason"])
    clock.close_suspensions(call.cmd.session, call.cmd.case, reason, call.cmd.now, _actor_id(call))
    if reason == "correction":
        clock.restart_acceptance(call.cmd.case, call.cmd.now)
    return {"resumed": reason}


def _actor_id(call: OperationCall) -> int | None:
    return getattr(call.cmd.actor, "id", None)


# -- certificates -------------------------------------------------------------

def _scope(call: OperationCall) -> str:
    data = call.data
    matter = get_matter(call.instance.matter_code)
    parts = [data.get("product_name"), "、".join(data.get("food_names") or []) or None,
             data.get("use_location"), data.get("category")]
    return "；".join(str(p) for p in parts if p) or matter.title_zh


@operation("issue_certificate")
def issue_certificate(call: OperationCall) -> dict:
    matter = call.instance.matter_code
    years = call.params.get("validity_years")
    years = int(years) if years else get_matter(matter).validity_years
    session, case = call.cmd.session, call.cmd.case
    if matter == "food_license_change" and call.data.get("change_kind") in ("change", "renewal"):
        cert = certificates.renew(session, call.data["license_number"], call.cmd.now, years or 5) \
            if call.data.get("change_kind") == "renewal" else certificates.by_number(session, call.data["license_number"])
    else:
        cert = certificates.issue(session, case, matter, call.cmd.now, years, _scope(call))
    case.decided_at = case.decided_at or call.cmd.now
    return {"number": cert.number, "valid_until": cert.valid_until.isoformat() if cert.valid_until else None}


@operation("issue_receipt")
def issue_receipt(call: OperationCall) -> dict:
    """A filing (告知) gets its receipt number at once; there is no decision."""
    now = call.cmd.now
    number = identifiers.make_filing_receipt_number(now.year, next_value(call.cmd.session, f"receipt:{now.year}"))
    call.cmd.case.data = {**call.cmd.case.data, "receipt_number": number}
    return {"number": number}


@operation("register_vehicles")
def register_vehicles(call: OperationCall) -> dict:
    """CNG batch: each vehicle is registered or refused on its own."""
    decisions = {v.get("plate_number"): v for v in call.data.get("vehicles") or []}
    applied = {v.get("plate_number"): v for v in call.cmd.case.data.get("vehicles") or []}
    registered, refused = [], []
    for plate, vehicle in decisions.items():
        if vehicle.get("decision") == "register":
            item = {**applied.get(plate, {}), **vehicle, "equipment_kind": "2000", "variety_code": "2300"}
            cert = certificates.issue(call.cmd.session, call.cmd.case, "cng_cylinder", call.cmd.now, None,
                                      f"车用气瓶 {plate}", item=_json_safe(item))
            registered.append({"plate_number": plate, "number": cert.number})
        else:
            refused.append({"plate_number": plate, "reason": vehicle.get("reason")})
    return {"registered": registered, "refused": refused}


def _json_safe(item: dict) -> dict:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in item.items()}


@operation("revoke_certificate")
def revoke_certificate(call: OperationCall) -> dict:
    """The after-the-fact on-site review failed: the commitment-path license is revoked."""
    revoked = []
    for cert in certificates.for_case(call.cmd.session, call.cmd.case.id):
        cert.status = "revoked"
        revoked.append(cert.number)
    return {"revoked": revoked}


@operation("cancel_certificate")
def cancel_certificate(call: OperationCall) -> dict:
    cert = certificates.set_status(call.cmd.session, call.data["license_number"], "cancelled")
    return {"cancelled": cert.number}


# -- quality award --------------------------------------------------------------

AWARD_QUOTA = int(os.environ.get("AWARD_QUOTA", "5"))


def trimmed_mean(scores: list[float]) -> float:
    """Panel score: mean after dropping the highest and the lowest (with five or more experts)."""
    values = sorted(float(s) for s in scores)
    if len(values) >= 5:
        values = values[1:-1]
    return round(sum(values) / len(values), 1) if values else 0.0


@operation("panel_result")
def panel_result(call: OperationCall) -> dict:
    raw = call.data.get("scores") or []
    scores = [s.get("score") if isinstance(s, dict) else s for s in (raw.values() if isinstance(raw, dict) else raw)]
    scores = [s for s in scores if isinstance(s, (int, float))]
    return {"score": trimmed_mean(scores), "count": len(scores)}


@operation("committee_select")
def committee_select(call: OperationCall) -> dict:
    """Award within the round's quota; the counter's row lock keeps concurrent decisions honest."""
    round_key = f"award:{call.cmd.case.data.get('round', '')}:{call.cmd.case.data.get('category', '')}"
    taken = next_value(call.cmd.session, round_key)
    if taken > AWARD_QUOTA:
        call.cmd.session.execute(update(Counter).where(Counter.name == round_key).values(value=Counter.value - 1))
        return {"selected": False, "quota": AWARD_QUOTA}
    return {"selected": True, "rank": taken, "quota": AWARD_QUOTA}
