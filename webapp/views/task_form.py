"""The task page and the one view that performs any operation the policy offered on it.

Every operation posts to ``/tasks/<id>/<op>`` with ``op`` named as the policy names it (the
same name as the API endpoint); the view turns the form into the operation's parameters and
calls the one dispatcher the API calls too. Bad input re-renders the page with the errors on
the form (422); a refused operation comes back to the page with its reason.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from webapp import get_db
from webapp.auth import roles
from webapp.errors import status_of
from webapp.formkit import describe_offered, parse_offered
from webapp.i18n import N_, current_lang, translate_fields, translate_message
from webapp.i18n import gettext as _
from webapp.views.cases import case_form
from webapp.views.common import int_arg, ints, work_list
from workflow.domain import forms
from workflow.domain.clock import MANUAL_SUSPENSION_REASONS
from workflow.errors import Conflict, EngineError, Forbidden, NotFound, Unavailable, ValidationError
from workflow.services import clock, dispatch, task_view

bp = Blueprint("task_ops", __name__)
STAFF = ("window", "reviewer", "inspector", "approver", "expert", "supervisor", "auditor", "admin")
DONE = {
    "claim": N_("Task claimed."), "unclaim": N_("Task released to the queue."), "complete": N_("Step completed."),
    "return": N_("Returned to the earlier step."), "correction": N_("Returned to the applicant for correction."),
    "recall": N_("Step recalled."), "transfer": N_("Task transferred."), "delegate": N_("Task delegated."),
    "resolve": N_("Your answer went back to the task's owner."), "reclaim": N_("Task taken back."),
    "add_signer": N_("Signer added."), "remove_signer": N_("Signer removed."), "sign": N_("Your opinion has been recorded."),
    "copy": N_("Copy sent."), "urge": N_("Reminder sent."), "suspend": N_("The clock is suspended."),
    "resume": N_("The clock runs again."), "extension": N_("Extension requested; an approver decides."),
    "close_round": N_("The round is closed and ranked."),
}


def task_page(task_id: int, lang: str, values: dict | None = None, errors: dict | None = None,
              failed_op: str | None = None, status: int = 200):
    d = task_view.task_view(get_db(), current_user, task_id, lang)
    complete = d.action("complete")
    fields = describe_offered(forms.schema_for(d.task.form_key), complete) if complete else []
    return render_template("staff/task.html", d=d, c=d.case, fields=fields, values=values or _prefill(d),
                           errors=errors or {}, failed_op=failed_op, reasons=MANUAL_SUSPENSION_REASONS,
                           home=work_list(current_user.role)), status


def _prefill(d) -> dict:
    """Batch checks start from the filing: one row per vehicle, proposed for registration."""
    vehicles = d.application.get("vehicles")
    if d.task.form_key == "vehicle_check" and isinstance(vehicles, list):
        return {"vehicles": [{"plate_number": v.get("plate_number"), "decision": "register"}
                             for v in vehicles if isinstance(v, dict)]}
    return {}


def _params(op: str, form_key: str | None) -> dict:
    f = request.form
    params = {"version": int_arg("expected_version", None, f), "opinion": f.get("opinion"),
              "target": f.get("target"), "items": [i for i in (f.get("items") or "").splitlines() if i.strip()],
              "to_user_id": int_arg("to_user_id", None, f), "user_id": int_arg("user_id", None, f),
              "user_ids": ints(f.getlist("user_ids")), "message": f.get("message"), "reason": f.get("reason"),
              "note": f.get("note"), "days": int_arg("days", None, f)}
    if op == "complete":
        params["data"] = parse_offered(forms.schema_for(form_key), f)
    return params


@bp.route("/tasks/<int:task_id>/<op>", methods=["GET", "POST"])
@roles(*STAFF)
def operate(task_id: int, op: str):
    if op not in dispatch.TASK_OPS:
        raise NotFound("Unknown operation.")
    if request.method == "GET":            # a reload after a failed post lands back on the page
        return redirect(url_for("staff.task", task_id=task_id))
    db, lang = get_db(), current_lang()
    params = _params(op, task_view.task_view(db, current_user, task_id, lang).task.form_key)
    try:
        result = dispatch.run_task_op(db, current_user, task_id, op, params)
    except (ValidationError, Conflict, Forbidden, Unavailable) as exc:   # NotFound: the 404 page
        return _refused(exc, task_id, lang, op, params.get("data"))
    flash(_(DONE[op]), "success")
    return redirect(_after(op, task_id, result))


def _refused(exc: EngineError, task_id: int, lang: str, op: str, data: dict | None):
    """The task page again: the field errors beside the form (422), or the engine's refusal flashed."""
    if isinstance(exc, ValidationError):
        return task_page(task_id, lang, data, translate_fields(exc.fields), op, 422)
    flash(translate_message(exc.message), "error")
    return task_page(task_id, lang, data, None, op, status_of(exc))


def _after(op: str, task_id: int, result) -> str:
    back = request.form.get("back")
    if back and back.startswith("/") and not back.startswith("//"):
        return back
    if op in ("complete", "unclaim", "return", "transfer", "delegate", "resolve", "close_round"):
        return url_for(work_list(current_user.role))
    return url_for("staff.task", task_id=getattr(result, "id", task_id) if op == "recall" else task_id)


@bp.route("/extensions/<int:segment_id>/decide", methods=["POST"])
@roles("approver")
def decide_extension(segment_id: int):
    case_id = clock.extension_case(get_db(), segment_id)
    return case_form(case_id, f"decide-{segment_id}", lambda: _decide_extension(segment_id), "opinion")


def _decide_extension(segment_id: int):
    segment = clock.decide_extension(get_db(), current_user, segment_id, request.form.get("approve") == "1",
                                     request.form.get("opinion", ""))
    flash(_("Extension decided."), "success")
    back = request.form.get("back")
    return redirect(back if back and back.startswith("/") and not back.startswith("//")
                    else url_for("cases.detail", case_id=segment.case_id))
