"""Administration: users and roles, holiday calendar, process versions, matter limits."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from webapp import get_db
from webapp.auth import roles
from webapp.i18n import translate_fields
from webapp.i18n import gettext as _
from webapp.views.common import int_arg, on_post
from workflow.domain import limits
from workflow.domain.matters import DEPARTMENTS
from workflow.errors import ValidationError, msg
from workflow.services import accounts, admin, awards, calendar, documents, failures, queries, versions
from workflow.storage.db import utcnow
from workflow.timekeeping.workdays import local_date
from workflow.vocabulary import ROLES

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/users", methods=["GET", "POST"])
@roles("admin")
def users():
    db, values = get_db(), request.form.to_dict()
    errors, done = on_post(lambda: _create_account(db, values))
    if done:
        return done
    role = request.args.get("role") if request.args.get("role") in ROLES else None
    page = queries.list_users(db, current_user, int_arg("page", 1), role=role)
    return render_template("admin/users.html", page=page, roles=ROLES, departments=DEPARTMENTS, role=role,
                           organisations=queries.list_organisations(db, current_user), errors=errors,
                           values=values), (422 if errors else 200)


def _create_account(db, values: dict) -> Response:
    org = values.get("organisation_id") or ""
    admin.create_account(db, current_user, values.get("username"), values.get("password"), values.get("role"),
                         values.get("display_name"), department=values.get("department"),
                         organisation_id=int(org) if org.isdigit() else None)
    flash(_("Account {name} created.", name=values.get("username")), "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles("admin")
def user(user_id: int):
    """One account: details and contact addresses (notices by e-mail and SMS), enable, password."""
    db, errors, form = get_db(), {}, request.form
    if request.method == "POST":
        try:
            accounts.update_account(db, current_user, user_id, form.get("display_name"), form.get("email"),
                                    form.get("phone"), form.get("department"))
        except ValidationError as exc:
            errors = translate_fields(exc.fields)
        else:
            flash(_("Account updated."), "success")
            return redirect(url_for("admin.user", user_id=user_id))
    return _user_page(db, user_id, errors)


def _user_page(db, user_id: int, errors: dict):
    account = accounts.get_account(db, current_user, user_id)
    return render_template("admin/user.html", account=account, departments=DEPARTMENTS, errors=errors,
                           values=request.form if errors else {}), (422 if errors else 200)


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@roles("admin")
def user_active(user_id: int):
    active = request.form.get("active") == "1"
    accounts.set_active(get_db(), current_user, user_id, active)
    flash(_("Account enabled.") if active else _("Account disabled."), "success")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@roles("admin")
def user_password(user_id: int):
    try:
        accounts.reset_password(get_db(), current_user, user_id, request.form.get("password"))
    except ValidationError as exc:
        return _user_page(get_db(), user_id, translate_fields(exc.fields))
    flash(_("Password reset."), "success")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.route("/holidays", methods=["GET", "POST"])
@roles("admin")
def holidays():
    db = get_db()
    problems, done = _import_holidays(db) if request.method == "POST" else ([], None)
    if done:
        return done
    year = int_arg("year", local_date(utcnow()).year)
    year = year if 1900 < year < 2200 else local_date(utcnow()).year
    days = queries.holidays_of_year(db, current_user, year)
    return render_template("admin/holidays.html", year=year, days=days, years=queries.holiday_years(db),
                           problems=problems), (422 if problems else 200)


def _import_holidays(db) -> tuple[list[str], Response | None]:
    """(problems, None) when the posted CSV was refused; ([], redirect) when it was imported."""
    file = request.files.get("file")
    if not file or not file.filename:
        return [_("Choose a CSV file.")], None
    fd, tmp = tempfile.mkstemp(suffix=".csv")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(file.read())
        result = calendar.import_file(db, current_user, Path(tmp))
    finally:
        os.unlink(tmp)
    if not result.ok:
        return [p.message for p in result.errors], None
    flash(_("Imported: {i} new, {u} changed, {n} unchanged.", i=result.inserted, u=result.updated,
            n=result.unchanged), "success")
    return [], redirect(url_for("admin.holidays", year=request.form.get("year") or None))


@bp.route("/processes", methods=["GET", "POST"])
@roles("admin")
def processes():
    db = get_db()
    errors, done = on_post(lambda: _deployed(db, request.files.get("file")), field="file")
    if done:
        return done
    page = queries.process_versions(db, current_user, int_arg("page", 1))
    return render_template("admin/processes.html", page=page, errors=errors), (422 if errors else 200)


def _deployed(db, file) -> Response:
    result = _deploy(db, file)
    if result.created:
        flash(_("Deployed {p} version {v}.", p=result.process_id, v=result.version), "success")
    else:
        flash(_("{p} is unchanged (version {v}).", p=result.process_id, v=result.version), "info")
    return redirect(url_for("admin.processes"))


def _deploy(db, file):
    if not file or not file.filename:
        raise ValidationError({"file": [msg("Choose a BPMN file.")]})
    return admin.deploy(db, current_user, file.read(), os.path.basename(file.filename))


@bp.route("/processes/<int:version_id>")
@roles("admin")
def process_version(version_id: int):
    version, page = queries.cases_on_version(get_db(), current_user, version_id, int_arg("page", 1))
    return render_template("admin/process.html", v=version, page=page)


@bp.route("/processes/migrate", methods=["GET", "POST"])
@roles("admin")
def migrate():
    errors, outcome, values = {}, None, request.form.to_dict()
    if request.method == "POST":
        try:
            outcome = _migrate(values)
        except ValidationError as exc:
            errors = translate_fields(exc.fields)
    return render_template("admin/migrate.html", outcome=outcome, errors=errors, values=values), (
        422 if errors else 200)


def _migrate(values: dict) -> versions.Outcome:
    """A dry run unless the administrator confirmed the move."""
    plan = versions.Plan((values.get("process_id") or "").strip(), int_arg("from", 0, values),
                         int_arg("to", 0, values),
                         versions.parse_mapping((values.get("mapping") or "").splitlines()))
    run = versions.migrate if values.get("confirm") == "1" else versions.dry_run
    return run(get_db(), current_user, plan)


@bp.route("/failed", methods=["GET", "POST"])
@roles("admin")
def failed():
    db = get_db()
    if request.method == "POST":
        still = failures.retry(db, current_user, int_arg("instance_id", 0, source=request.form))
        flash(_("The retry went through.") if still is None else _("The retry failed again."),
              "success" if still is None else "error")
        return redirect(url_for("admin.failed"))
    page = failures.failed_instances(db, current_user, int_arg("page", 1))
    return render_template("admin/failed.html", page=page)


@bp.route("/matters", methods=["GET", "POST"])
@roles("admin")
def matters():
    db = get_db()
    errors, code = {}, request.form.get("code")
    if request.method == "POST":
        try:
            admin.set_limits(db, current_user, code or "", *(_whole_number(request.form.get(name)) for name in
                             ("statutory_days", "committed_days", "green_channel_days")))
        except ValidationError as exc:
            errors = translate_fields(exc.fields)
        else:
            flash(_("Limits saved."), "success")
            return redirect(url_for("admin.matters"))
    return render_template("admin/matters.html", matters=list(limits.effective(db).values()), errors=errors,
                           edited=code), (422 if errors else 200)


def _whole_number(value: str | None) -> int | str | None:
    """Blank = none; digits = the number; anything else is passed on for the service to refuse."""
    value = (value or "").strip()
    return None if not value else int(value) if value.isdigit() else value


@bp.route("/rounds", methods=["GET", "POST"])
@roles("admin")
def rounds():
    values = request.form.to_dict()
    errors, done = on_post(lambda: _open_round(values))
    if done:
        return done
    return render_template("admin/rounds.html", rounds=awards.rounds(get_db(), current_user), errors=errors,
                           values=values), (422 if errors else 200)


def _open_round(values: dict) -> Response:
    row = awards.open_round(get_db(), current_user, values.get("code", ""), values.get("title", ""),
                            _whole_number(values.get("quota")))
    flash(_("Award round {code} opened: nominations may name it now.", code=row.code), "success")
    return redirect(url_for("admin.rounds"))


@bp.route("/office", methods=["GET", "POST"])
@roles("admin")
def office():
    values = request.form.to_dict()
    errors, done = on_post(lambda: _save_office(values))
    if done:
        return done
    current = documents.office_settings(get_db(), current_user)
    return render_template("admin/office.html", office=current, errors=errors,
                           values=values or office_values(current)), (422 if errors else 200)


def _save_office(values: dict) -> Response:
    seal = request.files.get("seal")
    documents.set_office(get_db(), current_user, values, seal.read() if seal and seal.filename else None,
                         remove_seal="remove_seal" in request.form)
    flash(_("Office settings saved."), "success")
    return redirect(url_for("admin.office"))


def office_values(current) -> dict:
    return {"authority": current.authority if current.configured else "", "number_prefix": current.prefix,
            "review_body": current.review_body, "supervising_authority": current.supervisor, "phone": current.phone}


@bp.route("/office/seal.png")
@roles("admin")
def seal():
    current = documents.office_settings(get_db(), current_user)
    if not current.seal:
        abort(404)
    return Response(current.seal, mimetype="image/png" if current.seal.startswith(b"\x89PNG") else "image/jpeg")
