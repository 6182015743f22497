"""What an applicant is told of a case's history, and what stays internal to the office.

Administrative Licensing Law: acceptance, correction notices and refusals are written (Art.
32), a denial gives its reasons (Art. 38), an extension its reasons (Art. 42). Who claimed,
transferred, recalled or co-signed a step, and a reviewer's working opinion, are the
office's own business (defect: transfer reasons and recall notes reached applicants).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from workflow.storage.models import AuditEvent

# Decisions the applicant is told of, with the data field (or "opinion") that gives the reason.
PUBLIC_DECISIONS = {
    "accept": None, "register_now": None, "eligible": None, "register": None, "approve": None, "keep": None,
    "selected": None, "dismissed": None,
    "correct": "items", "refuse": "refuse_reason", "ineligible": "opinion", "deny": "opinion",
    "revoke": "opinion", "not_selected": "opinion", "upheld": "opinion", "rectify": "findings",
}
# Events that concern the applicant as such, with the field that explains them.
PUBLIC_ACTIONS = {
    "submit": None, "resubmit": None, "withdraw": "opinion", "deemed_accepted": "opinion",
    "deemed_granted": "opinion", "return_to_applicant": "items", "extension_approved": "opinion",
    "suspend": None, "resume": None, "timer": None, "rate": None, "rating_reply": "opinion",
}


@dataclass(frozen=True)
class ToldEvent:
    at: datetime
    action: str
    task_title: str | None
    decision: str | None
    text: str | None
    matter: str | None


def told(event: AuditEvent) -> ToldEvent | None:
    """The event as the applicant may read it, or None when it is internal."""
    data = event.data or {}
    if event.action == "complete":
        if event.role == "applicant":
            return _event(event, None, data.get("note"))
        if event.decision in PUBLIC_DECISIONS:
            return _event(event, event.decision, _reason(event, PUBLIC_DECISIONS[event.decision]))
        return _event(event, None, None)       # an internal step went by: progress, no opinion
    if event.action in PUBLIC_ACTIONS:
        return _event(event, None, _reason(event, PUBLIC_ACTIONS[event.action]))
    return None


def _reason(event: AuditEvent, source: str | None) -> str | None:
    if source is None:
        return None
    value = event.opinion if source == "opinion" else (event.data or {}).get(source)
    if isinstance(value, list):
        return "；".join(str(v) for v in value)
    return str(value) if value else None


def _event(event: AuditEvent, decision: str | None, text: str | None) -> ToldEvent:
    return ToldEvent(event.at, event.action, event.task_title, decision, text, (event.data or {}).get("matter"))


def correction_items(history: list[AuditEvent]) -> list[str]:
    """The items of the latest correction notice still waiting for the applicant."""
    for event in reversed(history):
        data = event.data or {}
        if event.action == "return_to_applicant" or (event.action == "complete" and event.decision == "correct"):
            items = data.get("items") or []
            return [str(i) for i in items] or ([event.opinion] if event.opinion else [])
        if event.action == "resubmit" or (event.action == "complete" and event.role == "applicant"):
            return []
    return []
