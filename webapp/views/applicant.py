"""Applicant pages: my cases, new filing, correction, withdrawal, rating."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from webapp import get_db
from webapp.auth import roles
from webapp.formkit import describe, parse
from webapp.i18n import gettext as _
from webapp.i18n import translate_fields
from webapp.views.common import int_arg
from workflow.domain import forms
from workflow.domain.matters import MATTERS
from workflow.errors import ValidationError
from workflow.services import attachments, queries, tasks
from workflow.services import cases as case_service
from workflow.services.cases import RATING_LEVELS

bp = Blueprint("applicant", __name__, url_prefix="/my")


@bp.route("/cases", endpoint="cases")
@roles("applicant")
def cases_list():
    filters = queries.CaseFilters(status=request.args.get("status") or None, page=int_arg("page", 1))
    page = queries.list_cases(get_db(), current_user, filters)
    return render_template("applicant/cases.html", page=page, status=filters.status)


def application_fields(codes: list[str]):
    """The union of the chosen matters' application form fields, each once."""
    seen, out = set(), []
    for code in codes:
        for spec in describe(forms.schema_for(MATTERS[code].application_form)):
            if spec.name not in seen:
                seen.add(spec.name)
                out.append(spec)
    return out


def application_data(codes: list[str], form) -> dict:
    data: dict = {}
    for code in codes:
        data.update(parse(forms.schema_for(MATTERS[code].application_form), form))
    return data


def _materials(codes: list[str]):
    seen, out = set(), []
    for code in codes:
        for kind, zh, en in MATTERS[code].attachments:
            if kind not in seen:
                seen.add(kind)
                out.append((kind, zh, en))
    return out


@bp.route("/cases/new", methods=["GET", "POST"])
@roles("applicant")
def new_case():
    db = get_db()
    deployed = queries.deployed_process_ids(db)
    available = [m for m in MATTERS.values() if m.process_id in deployed]
    codes = [c for c in request.values.getlist("matters") if c in MATTERS and MATTERS[c].process_id in deployed]
    codes = list(dict.fromkeys(codes))
    if not codes:
        status = 422 if request.method == "POST" else 200
        errors = {"matters": [_("Choose at least one matter.")]} if request.method == "POST" else {}
        return render_template("applicant/choose.html", matters=available, errors=errors), status
    fields = application_fields(codes)
    values, errors = _enterprise_defaults(fields), {}
    if request.method == "POST":
        values = application_data(codes, request.form)
        uploads = [attachments.Upload(kind, f.filename or "", f.read())
                   for kind, f in ((k[len("file:"):], f) for k, f in request.files.items(multi=True))
                   if f and f.filename]
        try:
            case = attachments.file_case(db, current_user, codes, values, "green_channel" in request.form, uploads,
                                         root=_root())
        except ValidationError as exc:
            errors = translate_fields(exc.fields)
        else:
            flash(_("Your application {number} has been submitted.", number=case.number), "success")
            return redirect(url_for("cases.detail", case_id=case.id))
    return render_template("applicant/new.html", codes=codes, fields=fields, values=values, errors=errors,
                           materials=_materials(codes)), (422 if errors else 200)


def _enterprise_defaults(fields) -> dict:
    """What the office already knows about the applicant's enterprise, filled in to save typing."""
    known = {"company_name": current_user.organisation_name, "credit_code": current_user.organisation_code,
             "area_code": current_user.organisation_area}
    names = {f.name for f in fields}
    return {k: v for k, v in known.items() if v and k in names}


def _root():
    from flask import current_app
    return current_app.config["ATTACHMENTS_DIR"]


@bp.route("/cases/<int:case_id>/resubmit", methods=["GET", "POST"])
@roles("applicant")
def resubmit(case_id: int):
    db = get_db()
    detail = queries.case_detail(db, current_user, case_id)
    codes = [c for c in detail.case.matters if c in MATTERS]
    fields = application_fields(codes)
    values, errors = dict(detail.case.data or {}), {}
    if request.method == "POST":
        values = application_data(codes, request.form)
        try:
            case_service.resubmit(db, current_user, case_id, values)
        except ValidationError as exc:
            errors = translate_fields(exc.fields)
        else:
            flash(_("Your corrected materials have been sent."), "success")
            return redirect(url_for("cases.detail", case_id=case_id))
    return render_template("applicant/resubmit.html", d=detail, fields=fields, values=values, errors=errors), \
        (422 if errors else 200)


@bp.route("/cases/<int:case_id>/withdraw", methods=["POST"])
@roles("applicant")
def withdraw(case_id: int):
    case_service.withdraw(get_db(), current_user, case_id, request.form.get("reason"))
    flash(_("The application has been withdrawn."), "success")
    return redirect(url_for("cases.detail", case_id=case_id))


@bp.route("/cases/<int:case_id>/rate", methods=["POST"])
@roles("applicant")
def rate(case_id: int):
    raw = request.form.get("level", "")
    level = int(raw) if raw.isdigit() else -1
    case_service.rate(get_db(), current_user, case_id, level, request.form.get("comment"))
    flash(_("Thank you for rating our service."), "success")
    return redirect(url_for("cases.detail", case_id=case_id))


RATING_CHOICES = sorted(RATING_LEVELS, reverse=True)


def validate_application(codes: list[str], data: dict) -> dict:
    """Check corrected application data against every matter's form; all field errors at once."""
    clean, errors = {}, {}
    for code in codes:
        schema = forms.schema_for(MATTERS[code].application_form)
        try:
            clean.update(forms.validate(MATTERS[code].application_form,
                                        {k: v for k, v in data.items() if k in schema.fields}))
        except ValidationError as exc:
            errors.update(exc.fields)
    if errors:
        raise ValidationError(errors)
    return clean


@bp.route("/tasks/<int:task_id>", methods=["GET", "POST"])
@roles("applicant")
def correct(task_id: int):
    """The applicant's correction step of the process (after the window's one-time notice)."""
    db = get_db()
    task = tasks.get(db, current_user, task_id)
    detail = queries.case_detail(db, current_user, task.case_id)
    codes = [c for c in detail.case.matters if c in MATTERS]
    fields = application_fields(codes)
    values, errors, note = dict(detail.case.data or {}), {}, ""
    if request.method == "POST":
        values = {**values, **application_data(codes, request.form)}
        note = request.form.get("note", "")
        try:
            clean = validate_application(codes, values)
            changes = {k: v for k, v in clean.items() if (detail.case.data or {}).get(k) != v}
            data = {"changes": changes, **({"note": note.strip()} if note.strip() else {})}
            tasks.complete(db, current_user, task_id, data, int_arg("expected_version", None, request.form))
        except ValidationError as exc:
            errors = translate_fields(exc.fields)
        else:
            flash(_("Your corrected materials have been sent."), "success")
            return redirect(url_for("cases.detail", case_id=task.case_id))
    return render_template("applicant/correct.html", d=detail, task=task, fields=fields, values=values,
                           errors=errors, note=note), (422 if errors else 200)
