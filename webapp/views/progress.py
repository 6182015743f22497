"""办件查询: the public progress lookup by case number and query code (no login, throttled per address)."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from webapp import get_db
from workflow.errors import NotFound
from workflow.services import progress_lookup

bp = Blueprint("progress", __name__)


@bp.route("/progress", methods=["GET", "POST"])
def lookup():
    if request.method == "GET":
        return render_template("public/progress.html", number="", result=None)
    number = request.form.get("number", "")
    try:
        result = progress_lookup.lookup(get_db(), number, request.form.get("code", ""))
    except NotFound:
        return render_template("public/progress.html", number=number, result=None, missing=True), 404
    return render_template("public/progress.html", number=number, result=result)


def limit() -> str:
    return current_app.config.get("PROGRESS_RATE_LIMIT") or "10 per minute"
