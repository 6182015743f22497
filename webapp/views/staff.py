"""Staff pages: the inbox, the case list, the task page and every operation on a task."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from webapp import get_db
from webapp.auth import roles
from webapp.diagram import render_svg
from webapp.formkit import describe, parse
from webapp.i18n import ROLE_LABELS, current_lang, label, translate_fields, translate_message
from webapp.i18n import gettext as _
from webapp.views.common import int_arg, ints
from workflow.domain import forms
from workflow.domain.clock import SUSPENSION_REASONS
from workflow.domain.matters import MATTERS
from workflow.errors import EngineError, ValidationError
from workflow.services import cases as case_service
from workflow.services import clock as clock_service
from workflow.services import inbox, queries, tasks

bp = Blueprint("staff", __name__)

WORKERS = ("window", "reviewer", "inspector", "approver", "expert")
CASE_VIEWERS = ("window", "reviewer", "inspector", "approver", "supervisor", "auditor", "admin")
TASK_VIEWERS = WORKERS + ("supervisor", "auditor", "admin")
OPERATORS = ("window", "reviewer", "inspector", "approver")


@bp.route("/inbox", endpoint="inbox")
@roles(*WORKERS)
def inbox_page():
    db = get_db()
    view = request.args.get("view") if request.args.get("view") in inbox.VIEWS else "all"
    light = request.args.get("light") if request.args.get("light") in ("green", "yellow", "red") else None
    matter = request.args.get("matter") if request.args.get("matter") in MATTERS else None
    filters = inbox.Filters(view=view, matter=matter, light=light, page=int_arg("page", 1))
    page = inbox.list_tasks(db, current_user, filters)
    labels = queries.case_labels(db, [t.case_id for t in page.items])
    return render_template("staff/inbox.html", page=page, filters=filters, counts=inbox.counts(db, current_user),
                           labels=labels,
                           notices=queries.notifications(db, current_user, 5))



@bp.route("/inbox/claim", methods=["POST"])
@roles(*WORKERS)
def claim_many():
    """Batch claim: each task is its own command; what fails is reported, the rest goes through."""
    db, done, failed = get_db(), 0, []
    for task_id in ints(request.form.getlist("task_ids")):
        try:
            tasks.claim(db, current_user, task_id)
            done += 1
        except EngineError as exc:
            failed.append(f"#{task_id}: {translate_message(exc.message)}")
    if done:
        flash(_("{n} task(s) claimed.", n=done), "success")
    for line in failed:
        flash(line, "error")
    return redirect(url_for("staff.inbox", view="mine"))


@bp.route("/cases")
@roles(*CASE_VIEWERS)
def cases():
    filters = queries.CaseFilters(
        status=request.args.get("status") or None, light=request.args.get("light") or None,
        matter=request.args.get("matter") if request.args.get("matter") in MATTERS else None,
        q=request.args.get("q") or None, page=int_arg("page", 1))
    page = queries.list_cases(get_db(), current_user, filters)
    return render_template("staff/cases.html", page=page, filters=filters)


def _form_fields(task):
    if not task.form_key or task.form_key not in forms.FORMS:
        return []
    return describe(forms.schema_for(task.form_key))


def _render_task(task_id: int, values=None, errors=None, status: int = 200):
    d = queries.task_detail(get_db(), current_user, task_id, current_lang())
    if values is None:
        values = _prefill(d)
    svg = render_svg(d.version.xml, done=d.done_ids, current=d.current_ids,
                     lane_label=lambda name: label(ROLE_LABELS, name), title=d.version.process_id)
    return render_template(
        "staff/task.html", d=d, c=d.case, svg=svg, fields=_form_fields(d.task), values=values or {},
        errors=errors or {}, reasons=SUSPENSION_REASONS, can_operate=current_user.role in OPERATORS,
    ), status


def _prefill(d) -> dict:
    """Batch checks start from the filing: one row per vehicle, proposed for registration."""
    schema_fields = forms.FORMS[d.task.form_key]().fields if d.task.form_key in forms.FORMS else {}
    vehicles = (d.case.case.data or {}).get("vehicles")
    if "vehicles" in schema_fields and isinstance(vehicles, list):
        return {"vehicles": [{"plate_number": v.get("plate_number"), "decision": "register"}
                             for v in vehicles if isinstance(v, dict)]}
    return {}


@bp.route("/tasks/<int:task_id>")
@roles(*TASK_VIEWERS)
def task(task_id: int):
    return _render_task(task_id)


def _back(task_id: int, message: str | None = None):
    if message:
        flash(message, "success")
    return redirect(url_for("staff.task", task_id=task_id))


def _version() -> int | None:
    return int_arg("expected_version", None, request.form)


@bp.route("/tasks/<int:task_id>/complete", methods=["POST"])
@roles(*WORKERS)
def complete(task_id: int):
    task = tasks.get(get_db(), current_user, task_id)
    schema = forms.schema_for(task.form_key)
    data = parse(schema, request.form)
    try:
        tasks.complete(get_db(), current_user, task_id, data, _version())
    except ValidationError as exc:
        return _render_task(task_id, data, translate_fields(exc.fields), 422)
    flash(_("Step completed: {title}", title=task.title), "success")
    return redirect(url_for("window.queue") if current_user.role == "window" else url_for("staff.inbox"))


@bp.route("/tasks/<int:task_id>/claim", methods=["POST"])
@roles(*WORKERS)
def claim(task_id: int):
    tasks.claim(get_db(), current_user, task_id, _version())
    return _back(task_id, _("Task claimed."))


@bp.route("/tasks/<int:task_id>/unclaim", methods=["POST"])
@roles(*WORKERS)
def unclaim(task_id: int):
    tasks.unclaim(get_db(), current_user, task_id)
    flash(_("Task released to the queue."), "success")
    return redirect(url_for("staff.inbox"))


@bp.route("/tasks/<int:task_id>/return-applicant", methods=["POST"])
@roles(*OPERATORS)
def return_applicant(task_id: int):
    items = [line for line in (request.form.get("items") or "").splitlines() if line.strip()]
    case_service.return_to_applicant(get_db(), current_user, task_id, request.form.get("opinion", ""), items)
    return _back(task_id, _("Returned to the applicant for correction."))


@bp.route("/tasks/<int:task_id>/return-step", methods=["POST"])
@roles(*OPERATORS)
def return_step(task_id: int):
    tasks.return_to_step(get_db(), current_user, task_id, request.form.get("target", ""),
                         request.form.get("opinion", ""), _version())
    flash(_("Returned to the earlier step."), "success")
    return redirect(url_for("staff.inbox"))


@bp.route("/tasks/<int:task_id>/recall", methods=["POST"])
@roles(*WORKERS)
def recall(task_id: int):
    task = tasks.recall(get_db(), current_user, task_id, _version())
    return _back(task.id, _("Step recalled."))


@bp.route("/tasks/<int:task_id>/transfer", methods=["POST"])
@roles(*OPERATORS)
def transfer(task_id: int):
    tasks.transfer(get_db(), current_user, task_id, int_arg("to_user_id", -1, request.form),
                   request.form.get("opinion"))
    flash(_("Task transferred."), "success")
    return redirect(url_for("staff.inbox"))


@bp.route("/tasks/<int:task_id>/add-signer", methods=["POST"])
@roles(*OPERATORS)
def add_signer(task_id: int):
    tasks.add_signer(get_db(), current_user, task_id, int_arg("user_id", -1, request.form), request.form.get("message"))
    return _back(task_id, _("Signer added."))


@bp.route("/tasks/<int:task_id>/sign", methods=["POST"])
@roles(*TASK_VIEWERS)
def sign(task_id: int):
    tasks.sign(get_db(), current_user, task_id, request.form.get("opinion", ""))
    return _back(task_id, _("Your opinion has been recorded."))


@bp.route("/tasks/<int:task_id>/copy", methods=["POST"])
@roles("window", "reviewer", "inspector", "approver", "supervisor")
def copy(task_id: int):
    tasks.copy_to(get_db(), current_user, task_id, ints(request.form.getlist("user_ids")), request.form.get("message"))
    return _back(task_id, _("Copy sent."))


@bp.route("/tasks/<int:task_id>/urge", methods=["POST"])
@roles("supervisor", "approver", "window")
def urge(task_id: int):
    tasks.urge(get_db(), current_user, task_id, request.form.get("message"))
    return _back(task_id, _("Reminder sent."))


@bp.route("/cases/<int:case_id>/suspend", methods=["POST"])
@roles(*OPERATORS)
def suspend(case_id: int):
    clock_service.suspend(get_db(), current_user, case_id, request.form.get("reason", ""), request.form.get("note"))
    flash(_("The clock is suspended."), "success")
    return redirect(_after_case_action(case_id))


@bp.route("/cases/<int:case_id>/resume", methods=["POST"])
@roles(*OPERATORS)
def resume(case_id: int):
    clock_service.resume(get_db(), current_user, case_id, request.form.get("reason", ""))
    flash(_("The clock runs again."), "success")
    return redirect(_after_case_action(case_id))


@bp.route("/cases/<int:case_id>/extension", methods=["POST"])
@roles(*OPERATORS)
def request_extension(case_id: int):
    clock_service.request_extension(get_db(), current_user, case_id, int_arg("days", -1, request.form) or -1,
                                    request.form.get("reason", ""))
    flash(_("Extension requested; an approver decides."), "success")
    return redirect(_after_case_action(case_id))


@bp.route("/extensions/<int:segment_id>/decide", methods=["POST"])
@roles("approver")
def decide_extension(segment_id: int):
    segment = clock_service.decide_extension(get_db(), current_user, segment_id,
                                             request.form.get("approve") == "1", request.form.get("opinion", ""))
    flash(_("Extension decided."), "success")
    return redirect(_after_case_action(segment.case_id))


def _after_case_action(case_id: int) -> str:
    back = request.form.get("back")
    if back and back.startswith("/") and not back.startswith("//"):
        return back
    return url_for("cases.detail", case_id=case_id)
