"""Auditor (审计): search the audit log, a case's decision timeline, chain verification, exports."""
from __future__ import annotations

import json

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask_login import current_user

from webapp import get_db
from webapp.auth import roles
from webapp.i18n import translate_fields
from webapp.views.common import date_arg, int_arg
from workflow.errors import ValidationError
from workflow.services import exports, queries
from workflow.services.paging import Page

bp = Blueprint("auditor", __name__, url_prefix="/audit")

AUDIT_ROLES = ("auditor", "supervisor", "admin")


@bp.route("/")
@roles(*AUDIT_ROLES)
def search():
    db = get_db()
    filters = queries.AuditFilters(
        case_number=request.args.get("case") or None, actor=request.args.get("actor") or None,
        action=request.args.get("action") or None, date_from=date_arg("from"), date_to=date_arg("to"),
        text=request.args.get("text") or None, page=int_arg("page", 1))
    try:
        page, errors = queries.audit_search(db, current_user, filters), {}
    except ValidationError as exc:
        page, errors = Page([], 0, 1, filters.per_page), translate_fields(exc.fields)
    return render_template("auditor/search.html", page=page, f=filters, actions=queries.audit_actions(db),
                           errors=errors), 422 if errors else 200


@bp.route("/case")
@roles(*AUDIT_ROLES)
def find_case():
    case = queries.case_by_number(get_db(), current_user, request.args.get("number", ""))
    return redirect(url_for("auditor.timeline", case_id=case.id))


@bp.route("/cases/<int:case_id>")
@roles(*AUDIT_ROLES)
def timeline(case_id: int):
    case, events = queries.case_timeline(get_db(), current_user, case_id)
    return render_template("auditor/timeline.html", case=case, events=events)


def _event_dict(e) -> dict:
    return {"seq": e.seq, "at": e.at.isoformat(), "actor": e.actor_name, "actor_id": e.actor_id, "role": e.role,
            "case_number": e.case_number, "task": e.task_title, "action": e.action, "decision": e.decision,
            "opinion": e.opinion, "data": e.data, "prev_hash": e.prev_hash, "hash": e.hash}


@bp.route("/cases/<int:case_id>.json")
@roles(*AUDIT_ROLES)
def export_json(case_id: int):
    case, events = queries.case_timeline(get_db(), current_user, case_id)
    body = json.dumps({"case": case.number, "events": [_event_dict(e) for e in events]}, ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{case.number}-history.json"'})


@bp.route("/cases/<int:case_id>.csv")
@roles(*AUDIT_ROLES)
def export_csv(case_id: int):
    case, events = queries.case_timeline(get_db(), current_user, case_id)
    return Response(exports.case_history_csv(events), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{case.number}-history.csv"'})


@bp.route("/verify")
@roles("auditor", "admin")
def chain():
    result = queries.verify_chain(get_db(), current_user)
    return render_template("auditor/verify.html", result=result)
