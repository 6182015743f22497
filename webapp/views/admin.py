"""Administration: users and roles, holiday calendar, process versions, matter limits."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from webapp import get_db
from webapp.auth import roles
from webapp.diagram import render_svg
from webapp.i18n import ROLE_LABELS, gettext as _, label, translate_fields
from webapp.views.common import int_arg
from workflow import audit
from workflow.db import utcnow
from workflow.deployment import deploy_xml
from workflow.errors import ValidationError
from workflow.matters import DEPARTMENTS, MATTERS
from workflow.models.people import ROLES
from workflow.services import calendar, queries
from workflow.services.users import create_user
from workflow.workdays import local_date

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/users", methods=["GET", "POST"])
@roles("admin")
def users():
    db = get_db()
    errors, values = {}, {}
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            _create_account(db, values)
        except ValidationError as exc:
            errors = translate_fields(exc.fields)
        else:
            flash(_("Account {name} created.", name=values.get("username")), "success")
            return redirect(url_for("admin.users"))
    role = request.args.get("role") if request.args.get("role") in ROLES else None
    page = queries.list_users(db, current_user, int_arg("page", 1), role=role)
    return render_template("admin/users.html", page=page, roles=ROLES, departments=DEPARTMENTS, role=role,
                           organisations=queries.list_organisations(db, current_user), errors=errors,
                           values=values), (422 if errors else 200)


def _create_account(db, values: dict) -> None:
    """One transaction: the account and its audit event (the engine has no admin service for this yet)."""
    org = values.get("organisation_id") or ""
    with db.transaction() as session:
        user = create_user(session, (values.get("username") or "").strip(), values.get("password") or "",
                           values.get("role") or "", (values.get("display_name") or "").strip(),
                           department=values.get("department") or None,
                           organisation_id=int(org) if org.isdigit() else None)
        audit.record(session, action="user_created", actor=current_user, data={"user_id": user.id,
                     "username": user.username, "role": user.role, "department": user.department_code})


@bp.route("/holidays", methods=["GET", "POST"])
@roles("admin")
def holidays():
    db = get_db()
    problems = []
    if request.method == "POST":
        file = request.files.get("file")
        if not file or not file.filename:
            problems = [_("Choose a CSV file.")]
        else:
            fd, tmp = tempfile.mkstemp(suffix=".csv")
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(file.read())
                result = calendar.import_file(db, current_user, Path(tmp))
            finally:
                os.unlink(tmp)
            if result.ok:
                flash(_("Imported: {i} new, {u} changed, {n} unchanged.", i=result.inserted, u=result.updated,
                        n=result.unchanged), "success")
                return redirect(url_for("admin.holidays", year=request.form.get("year") or None))
            problems = [p.message for p in result.errors]
    year = int_arg("year", local_date(utcnow()).year)
    year = year if 1900 < year < 2200 else local_date(utcnow()).year
    days = queries.holidays_of_year(db, current_user, year)
    return render_template("admin/holidays.html", year=year, days=days, years=queries.holiday_years(db),
                           problems=problems), (422 if problems else 200)


@bp.route("/processes", methods=["GET", "POST"])
@roles("admin")
def processes():
    db = get_db()
    errors = {}
    if request.method == "POST":
        file = request.files.get("file")
        try:
            result = _deploy(db, file)
        except ValidationError as exc:
            errors = translate_fields(exc.fields) or {"file": [exc.message]}
        else:
            if result.created:
                flash(_("Deployed {p} version {v}.", p=result.process_id, v=result.version), "success")
            else:
                flash(_("{p} is unchanged (version {v}).", p=result.process_id, v=result.version), "info")
            return redirect(url_for("admin.processes"))
    page = queries.process_versions(db, current_user, int_arg("page", 1))
    return render_template("admin/processes.html", page=page, errors=errors), (422 if errors else 200)


def _deploy(db, file):
    if not file or not file.filename:
        raise ValidationError({"file": ["Choose a BPMN file."]})
    xml = file.read()
    try:
        xml.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError({"file": ["The file is not UTF-8 encoded BPMN XML."]}) from None
    with db.transaction() as session:
        result = deploy_xml(session, xml, os.path.basename(file.filename), current_user.username)
        if result.created:
            audit.record(session, action="deploy", actor=current_user,
                         data={"process_id": result.process_id, "version": result.version, "file": file.filename})
        return result


@bp.route("/processes/<int:version_id>")
@roles("admin")
def process_version(version_id: int):
    version, page = queries.cases_on_version(get_db(), current_user, version_id, int_arg("page", 1))
    svg = render_svg(version.xml, lane_label=lambda name: label(ROLE_LABELS, name), title=version.process_id)
    return render_template("admin/process.html", v=version, page=page, svg=svg)


@bp.route("/matters")
@roles("admin")
def matters():
    return render_template("admin/matters.html", matters=list(MATTERS.values()))
