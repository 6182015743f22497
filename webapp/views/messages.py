"""The message centre: everyone's own notices, newest first, with mark read and mark all read."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from webapp import get_db
from webapp.views.common import int_arg
from workflow.services.notifications import messages

bp = Blueprint("messages", __name__)


@bp.route("/messages")
@login_required
def index():
    unread = request.args.get("unread") == "1"
    page = messages.page(get_db(), current_user, int_arg("page", 1), 20, unread=unread)
    return render_template("messages/index.html", page=page, unread=unread)


@bp.route("/messages/<int:notification_id>/read", methods=["POST"])
@login_required
def read(notification_id: int):
    note = messages.mark_read(get_db(), current_user, notification_id)
    return redirect(_target(note) if request.form.get("open") else url_for("messages.index"))


@bp.route("/messages/read-all", methods=["POST"])
@login_required
def read_all():
    messages.mark_all_read(get_db(), current_user)
    return redirect(url_for("messages.index"))


def _target(note) -> str:
    """Where a notice leads: the step it concerns for staff, else its case."""
    if note.task_id and current_user.role != "applicant":
        return url_for("staff.task", task_id=note.task_id)
    return url_for("cases.detail", case_id=note.case_id) if note.case_id else url_for("messages.index")
