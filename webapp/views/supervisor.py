"""Supervisor (效能督查): dashboard with inline-SVG charts and the period report (CSV, printable)."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from webapp import get_db
from webapp.auth import roles
from webapp.charts import bar_chart, line_chart
from webapp.documents import file_response
from webapp.i18n import current_lang, translate_fields
from webapp.i18n import gettext as _
from webapp.templating import matter_title
from webapp.views.cases import case_form
from webapp.views.common import date_arg, int_arg
from workflow.errors import ValidationError
from workflow.services import dispatch, report_export, reports
from workflow.storage.db import utcnow
from workflow.timekeeping.workdays import local_date

bp = Blueprint("supervisor", __name__, url_prefix="/supervisor")


@bp.route("/")
@roles(*reports.REPORT_ROLES)
def dashboard():
    d = reports.dashboard(get_db(), current_user, date_arg("from"), date_arg("to"))
    by_matter = bar_chart([(matter_title(r.matter), r.received) for r in d.rows], _("Cases received per matter"))
    trend = line_chart([m for m, _r, _c in d.trend], {_("Received"): [r for _m, r, _c in d.trend],
                                                      _("Completed"): [c for _m, _r, c in d.trend]},
                       _("Cases per month"))
    times = bar_chart([(matter_title(r.matter), round(r.time.median or 0, 1)) for r in d.rows],
                      _("Median processing days"), unit=_("days"))
    return render_template("supervisor/dashboard.html", d=d, by_matter=by_matter, trend=trend, times=times)


def _period():
    today = local_date(utcnow())
    return date_arg("from", date(today.year, today.month, 1)), date_arg("to", today)


@bp.route("/cases/<int:case_id>/rating_reply", methods=["POST"])
@roles("supervisor")
def rating_reply(case_id: int):
    """差评整改: the supervisor's answer to a bad rating, sent to the applicant."""
    return case_form(case_id, f"reply-form-{request.form.get('rating_id')}", lambda: _reply(case_id), "reply")


def _reply(case_id: int):
    params = {"rating_id": int_arg("rating_id", -1, request.form), "reply": request.form.get("reply")}
    dispatch.run_case_op(get_db(), current_user, case_id, "rating_reply", params)
    flash(_("Your answer was sent to the applicant."), "success")
    return redirect(url_for("cases.detail", case_id=case_id) + "#ratings")


@bp.route("/report")
@roles(*reports.REPORT_ROLES)
def report():
    date_from, date_to = _period()
    try:
        r = reports.period_report(get_db(), current_user, date_from, date_to)
    except ValidationError as exc:
        return render_template("supervisor/report.html", r=None, date_from=date_from, date_to=date_to,
                               errors=translate_fields(exc.fields)), 422
    return render_template("supervisor/report.html", r=r, date_from=date_from, date_to=date_to, errors={})


EXPORTS = {"csv": ("text/csv", report_export.to_csv),   # werkzeug adds "; charset=utf-8" to text/*
           "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", report_export.to_xlsx),
           "pdf": ("application/pdf", lambda r, title, header: report_export.to_pdf(get_db(), r, title, header))}


@bp.route("/report.<any(csv, xlsx, pdf):fmt>")
@roles(*reports.REPORT_ROLES)
def report_file(fmt: str):
    """The period report as CSV, Excel or PDF, with Chinese headers in the Chinese UI."""
    date_from, date_to = _period()
    r = reports.period_report(get_db(), current_user, date_from, date_to)
    header = report_export.HEADER_ZH if current_lang() == "zh" else None
    mimetype, write = EXPORTS[fmt]
    body = write(r, lambda code: _("Total") if code == "total" else matter_title(code), header)
    name = f"report-{date_from.isoformat()}-{date_to.isoformat()}.{fmt}"
    return file_response(body.encode("utf-8") if isinstance(body, str) else body, name, mimetype, download=True)
