"""The JSON the API answers: the services' read models (``case_view``, ``task_view``) as dicts.

Pages render the same read models, so what a page shows and what the API returns cannot differ.
Rows the API shows as they are (ratings, attachments) are dumped by their schema directly; a dict
is built here only where the answer adds, hides or defaults something.
"""
from __future__ import annotations

from collections.abc import Iterable

from flask import url_for

from webapp.api.base import actor, get_db
from webapp.api.resources.matters import form_schema
from workflow.domain import disclosure
from workflow.domain.permissions import Actor
from workflow.services import case_view, queries, task_view
from workflow.services.queries import public_certificate


def case_numbers(case_ids: Iterable[int]) -> dict[int, str]:
    return {cid: label.number for cid, label in queries.case_labels(get_db(), list(case_ids)).items()}


def task_dict(task, who: Actor, case_number: str | None = None) -> dict:
    """A task row; applicants are not told which staff member holds a step."""
    staff = who.role != "applicant"
    if case_number is None:
        case_number = case_numbers([task.case_id]).get(task.case_id, "")
    return {
        "id": task.id, "case_id": task.case_id, "case_number": case_number, "instance_id": task.instance_id,
        "matter_code": task.matter_code, "bpmn_id": task.bpmn_id, "title": task.title, "form_key": task.form_key,
        "role": task.role, "department_code": task.department_code, "state": task.state, "hold": task.hold,
        "assignee_id": task.assignee_id if staff or task.role == "applicant" else None,
        "green_channel": bool(task.green_channel), "step_limit_days": task.step_limit_days,
        "due_at": task.due_at, "light": task.light or "green", "created_at": task.created_at,
        "claimed_at": task.claimed_at, "closed_at": task.closed_at, "close_reason": task.close_reason,
        "decision": task.decision,
    }


def task_detail(task_id: int) -> dict:
    """The task as its actor may see it, with the instance version and the actions offered."""
    view = task_view.task_summary(get_db(), actor(), task_id)
    return {**task_dict(view.task, actor(), view.case_number), "version": view.version,
            "form_schema": form_schema(view.task.form_key), "actions": [a.as_dict() for a in view.actions]}


def clock_dict(case) -> dict:
    return {
        "limit_days": case.limit_days, "extended_days": case.extended_days or 0, "used_days": case.used_days or 0,
        "remaining_days": case.remaining_days, "acceptance_due_at": case.acceptance_due_at,
        "decision_due_at": case.decision_due_at, "committed_due_at": case.committed_due_at,
        "light": case.light or "green", "suspended": bool(case.suspended), "on_time": case.on_time,
    }


def case_dict(case) -> dict:
    return {
        "id": case.id, "number": case.number, "title": case.title, "matters": list(case.matters or []),
        "status": case.status, "outcome": case.outcome, "green_channel": bool(case.green_channel),
        "organisation_id": case.organisation_id, "created_at": case.created_at, "accepted_at": case.accepted_at,
        "deemed_accepted": bool(case.deemed_accepted), "decided_at": case.decided_at,
        "completed_at": case.completed_at, "clock": clock_dict(case),
    }


def case_detail(case_id: int) -> dict:
    """Status, clock, open tasks, progress, certificates, attachments, rating and the actions offered."""
    who = actor()
    view = case_view.case_view(get_db(), who, case_id)
    case = view.case
    return {
        **case_dict(case), "data": case.data or {},
        "open_tasks": [task_dict(t, who, case.number) for t in view.open_tasks],
        "certificates": [vars(public_certificate(c)) for c in view.certificates],
        "attachments": view.attachments,
        "rating": view.ratings[0] if view.ratings else None,
        "ratings": view.ratings,
        "actions": [a.as_dict() for a in view.actions],
        "progress": {code: [{"title": s.title, "state": s.state} for s in steps] for code, steps in view.progress.items()},
        "correction_items": view.correction_items, "vehicle_results": view.vehicle_results,
        "documents": [{"kind": d.kind, "title": d.title, "issued_on": d.issued_on,
                       "url": url_for("api_v1_cases.document", case_id=case.id, key=d.key)} for d in view.documents],
    }


def history_items(case_id: int) -> tuple[object, list[dict]]:
    """The decision history: the whole chain for staff, what the law tells the applicant otherwise."""
    case, events = queries.case_timeline(get_db(), actor(), case_id)
    if actor().role == "applicant":
        told = [disclosure.told(e) for e in events]
        return case, [{"seq": e.seq, "at": e.at, "actor_name": "", "role": e.role, "action": t.action,
                       "decision": t.decision, "opinion": t.text, "task_id": None, "task_title": t.task_title,
                       "instance_id": None, "data": {}, "prev_hash": e.prev_hash, "hash": e.hash}
                      for e, t in zip(events, told) if t]
    return case, [{"seq": e.seq, "at": e.at, "actor_name": e.actor_name, "role": e.role, "action": e.action,
                   "decision": e.decision, "opinion": e.opinion, "task_id": e.task_id, "task_title": e.task_title,
                   "instance_id": e.instance_id, "data": e.data or {}, "prev_hash": e.prev_hash, "hash": e.hash}
                  for e in events]
