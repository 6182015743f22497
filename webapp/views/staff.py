"""Staff pages: the inbox, the case list and the task page, which shows the actions the policy offers."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from webapp import get_db
from webapp.auth import roles
from webapp.i18n import current_lang, gettext as _, translate_message
from webapp.views.common import WORKERS, int_arg, ints
from webapp.views.task_form import task_page
from workflow.domain.matters import MATTERS
from workflow.errors import EngineError
from workflow.services import clock, inbox, queries, tasks
from workflow.services.notifications import messages

bp = Blueprint("staff", __name__)

CASE_VIEWERS = ("window", "reviewer", "inspector", "approver", "supervisor", "auditor", "admin")
TASK_VIEWERS = WORKERS + ("supervisor", "auditor", "admin")


def _inbox_filters() -> inbox.Filters:
    args = request.args
    return inbox.Filters(view=args.get("view") if args.get("view") in inbox.VIEWS else "all",
                         matter=args.get("matter") if args.get("matter") in MATTERS else None,
                         light=args.get("light") if args.get("light") in ("green", "yellow", "red") else None,
                         page=int_arg("page", 1))


@bp.route("/inbox", endpoint="inbox")
@roles(*WORKERS)
def inbox_page():
    db, filters = get_db(), _inbox_filters()
    page = inbox.list_tasks(db, current_user, filters)
    return render_template("staff/inbox.html", page=page, filters=filters, counts=inbox.counts(db, current_user),
                           labels=queries.case_labels(db, [t.case_id for t in page.items]),
                           notices=messages.page(db, current_user, 1, 5, unread=True).items,
                           extensions=clock.pending_extensions(db, current_user))


@bp.route("/inbox/claim", methods=["POST"])
@roles(*WORKERS)
def claim_many():
    """Batch claim: each task is its own command; what fails is reported, the rest goes through."""
    db, done = get_db(), 0
    for task_id in ints(request.form.getlist("task_ids")):
        try:
            tasks.claim(db, current_user, task_id)
            done += 1
        except EngineError as exc:
            flash(f"#{task_id}: {translate_message(exc.message)}", "error")
    if done:
        flash(_("{n} task(s) claimed.", n=done), "success")
    return redirect(url_for("staff.inbox", view="mine"))


@bp.route("/cases")
@roles(*CASE_VIEWERS)
def cases():
    filters = queries.CaseFilters(
        status=request.args.get("status") or None, light=request.args.get("light") or None,
        matter=request.args.get("matter") if request.args.get("matter") in MATTERS else None,
        q=request.args.get("q") or None, page=int_arg("page", 1))
    db = get_db()
    page = queries.list_cases(db, current_user, filters)
    return render_template("staff/cases.html", page=page, filters=filters,
                           labels=queries.case_labels(db, [c.id for c in page.items]))


@bp.route("/tasks/<int:task_id>")
@roles(*TASK_VIEWERS)
def task(task_id: int):
    return task_page(task_id, current_lang())
