"""Applicant pages: my cases, a new filing, corrections and rectification, withdrawal, rating."""
from __future__ import annotations

import re
import uuid

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from webapp import get_db
from webapp.auth import roles
from webapp.formkit import describe, parse
from webapp.i18n import current_lang, gettext as _
from webapp.views.cases import case_form
from webapp.views.common import int_arg, on_post
from workflow.domain import forms
from workflow.domain.matters import MATTERS
from workflow.services import attachments, awards, case_view, cases, dispatch, queries, task_view, tasks
from workflow.vocabulary import TASK_OPEN

bp = Blueprint("applicant", __name__, url_prefix="/my")
FORM_TOKEN = re.compile(r"[0-9a-f]{32}")


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


def application_data(codes: list[str], form, cleared: bool = False) -> dict:
    """The application as posted; with ``cleared`` (a correction) a field sent empty is ``None``: cleared."""
    data: dict = {}
    for code in codes:
        data.update(parse(forms.schema_for(MATTERS[code].application_form), form, cleared=cleared))
    return data


def _materials(codes: list[str]):
    seen, out = set(), []
    for code in codes:
        for kind, zh, en in MATTERS[code].attachments:
            if kind not in seen:
                seen.add(kind)
                out.append((kind, zh, en))
    return out


def _uploads() -> list[attachments.Upload]:
    return [attachments.Upload(kind, f.filename or "", f.read())
            for kind, f in ((k[len("file:"):], f) for k, f in request.files.items(multi=True)) if f and f.filename]


def _root() -> str:
    return current_app.config["ATTACHMENTS_DIR"]


@bp.route("/cases/new", methods=["GET", "POST"])
@roles("applicant")
def new_case():
    db = get_db()
    deployed = queries.deployed_process_ids(db)
    codes = _chosen(deployed)
    if not codes:
        return _choose(deployed)
    fields = _open_rounds_offered(application_fields(codes))
    values = application_data(codes, request.form) if request.method == "POST" else _enterprise_defaults(fields)
    errors, done = on_post(lambda: _file(db, codes, values))
    if done:
        return done
    return render_template("applicant/new.html", codes=codes, fields=fields, values=values, errors=errors,
                           materials=_materials(codes), filing_token=_posted_token() or uuid.uuid4().hex), \
        (422 if errors else 200)


def _open_rounds_offered(fields):
    """A nomination names an open award round: offered as a choice, not a code to guess."""
    for spec in fields:
        if spec.name == "round":
            spec.kind, spec.choices = "select", awards.open_rounds(get_db())
    return fields


def _chosen(deployed: set[str]) -> list[str]:
    """The matters ticked, each once, in order; only those whose process is deployed."""
    return list(dict.fromkeys(c for c in request.values.getlist("matters")
                              if c in MATTERS and MATTERS[c].process_id in deployed))


def _choose(deployed: set[str]):
    """The matter chooser: first visit, or a form posted without a matter (422)."""
    errors = {"matters": [_("Choose at least one matter.")]} if request.method == "POST" else {}
    return render_template("applicant/choose.html", matters=[m for m in MATTERS.values() if m.process_id in deployed],
                           errors=errors), (422 if errors else 200)


def _file(db, codes: list[str], values: dict):
    case = cases.submit(db, current_user, codes, values, "green_channel" in request.form, _uploads(), _root(),
                        key=_form_key())
    flash(_("Your application {number} has been submitted.", number=case.number), "success")
    return redirect(url_for("cases.detail", case_id=case.id))


def _posted_token() -> str | None:
    """The form's one-time token: a double click or a resent form files one case (``filing_keys``)."""
    token = request.form.get("filing_token", "")
    return token if FORM_TOKEN.fullmatch(token) else None


def _form_key() -> str | None:
    token = _posted_token()
    return f"form:{token}" if token else None


def _enterprise_defaults(fields) -> dict:
    """What the office already knows about the applicant's enterprise, filled in to save typing."""
    known = {"company_name": current_user.organisation_name, "credit_code": current_user.organisation_code,
             "area_code": current_user.organisation_area}
    names = {f.name for f in fields}
    return {k: v for k, v in known.items() if v and k in names}


@bp.route("/cases/<int:case_id>/resubmit", methods=["GET", "POST"])
@roles("applicant")
def resubmit(case_id: int):
    """The corrections a step asked for after acceptance (退回补正)."""
    db = get_db()
    d = case_view.case_view(db, current_user, case_id, current_lang())
    if request.method == "GET" and not d.action("resubmit"):   # sent already (maybe in another tab), or finished
        return _nothing_to_correct(case_id)
    codes = [c for c in d.case.matters if c in MATTERS]
    posted = application_data(codes, request.form, cleared=True) if request.method == "POST" else {}
    values = {**(d.case.data or {}), **posted}
    errors, done = on_post(lambda: _resubmit(db, case_id, values))
    if done:
        return done
    return render_template("applicant/resubmit.html", d=d, fields=application_fields(codes), values=values,
                           errors=errors, materials=_materials(codes)), (422 if errors else 200)


def _nothing_to_correct(case_id: int):
    flash(_("Nothing in this case is waiting for your correction."), "info")
    return redirect(url_for("cases.detail", case_id=case_id))


def _resubmit(db, case_id: int, values: dict):
    dispatch.run_case_op(db, current_user, case_id, "resubmit", {
        "data": values, "note": request.form.get("note"), "uploads": _uploads(), "root": _root()})
    return _sent(case_id)


def _sent(case_id: int):
    flash(_("Your corrected materials have been sent."), "success")
    return redirect(url_for("cases.detail", case_id=case_id))


@bp.route("/cases/<int:case_id>/withdraw", methods=["POST"])
@roles("applicant")
def withdraw(case_id: int):
    return case_form(case_id, "withdraw-form", lambda: _withdraw(case_id), "reason")


def _withdraw(case_id: int):
    dispatch.run_case_op(get_db(), current_user, case_id, "withdraw", {"reason": request.form.get("reason")})
    flash(_("The application has been withdrawn."), "success")
    return redirect(url_for("cases.detail", case_id=case_id))


@bp.route("/cases/<int:case_id>/rate", methods=["POST"])
@roles("applicant")
def rate(case_id: int):
    return case_form(case_id, f"rate-{request.form.get('matter')}", lambda: _rate(case_id), "comment")


def _rate(case_id: int):
    params = {"level": int_arg("level", -1, request.form), "comment": request.form.get("comment"),
              "matter": request.form.get("matter")}
    dispatch.run_case_op(get_db(), current_user, case_id, "rating", params)
    flash(_("Thank you for rating our service."), "success")
    return redirect(url_for("cases.detail", case_id=case_id))


@bp.route("/tasks/<int:task_id>", methods=["GET", "POST"])
@roles("applicant")
def correct(task_id: int):
    """The applicant's own step: the correction the window asked for, or the rectification after inspection."""
    db = get_db()
    d = task_view.task_view(db, current_user, task_id, current_lang())
    if request.method == "GET" and d.task.state != TASK_OPEN:   # done (maybe in another tab): no form to fill
        flash(_("This task is already closed."), "info")
        return redirect(url_for("cases.detail", case_id=d.task.case_id))
    page = _own_step_page(d)
    values = page.posted(d, request.form) if request.method == "POST" else page.initial(d)
    errors, done = on_post(lambda: _complete_own_step(db, d, page, values))
    if done:
        return done
    return render_template("applicant/correct.html", d=d, page=page, fields=page.fields(d), values=values,
                           errors=page.errors(errors), materials=_materials(d.case_row.matters)), (422 if errors else 200)


def _complete_own_step(db, d, page, values: dict):
    tasks.complete(db, current_user, d.task.id, page.data(values, request.form),
                   int_arg("expected_version", None, request.form), _uploads(), _root())
    return _sent(d.task.case_id)


class _Correction:
    """Correcting the application itself: every matter's fields, plus a note to the clerk."""

    def fields(self, d):
        return application_fields(d.case_row.matters)

    def initial(self, d) -> dict:
        return dict(d.application)

    def posted(self, d, form) -> dict:
        return {**d.application, **application_data(d.case_row.matters, form, cleared=True)}

    def data(self, values: dict, form) -> dict:
        note = (form.get("note") or "").strip()
        return {"changes": values, **({"note": note} if note else {})}

    def errors(self, errors: dict) -> dict:
        """The service names the application's fields ``changes.<name>``; the form shows them as ``<name>``."""
        return {name.removeprefix("changes."): messages for name, messages in errors.items()}


class _OwnForm:
    """A step with its own form (the rectification report)."""

    def fields(self, d):
        return describe(forms.schema_for(d.task.form_key))

    def initial(self, d) -> dict:
        return {}

    def posted(self, d, form) -> dict:
        return parse(forms.schema_for(d.task.form_key), form)

    def data(self, values: dict, form) -> dict:
        return values

    def errors(self, errors: dict) -> dict:
        return errors


def _own_step_page(d):
    return _Correction() if d.task.form_key == "correction" else _OwnForm()
