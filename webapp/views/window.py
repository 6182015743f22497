"""The single window: intake queue across all matters (a joint filing is one row)."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from webapp import get_db
from webapp.auth import roles
from webapp.views.common import int_arg
from workflow.domain.matters import MATTERS
from workflow.services import inbox, queries

bp = Blueprint("window", __name__, url_prefix="/window")


@bp.route("/")
@roles("window")
def queue():
    db = get_db()
    matter = request.args.get("matter") if request.args.get("matter") in MATTERS else None
    page = queries.window_queue(db, current_user, int_arg("page", 1), matter=matter)
    return render_template("window/queue.html", page=page, matter=matter, counts=inbox.counts(db, current_user))
