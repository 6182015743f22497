"""Supervisor (效能督查): dashboard with inline-SVG charts and the period report (CSV, printable)."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, render_template
from flask_login import current_user

from webapp import get_db
from webapp.auth import roles
from webapp.charts import bar_chart, line_chart
from webapp.i18n import gettext as _
from webapp.templating import matter_title
from webapp.views.common import date_arg
from workflow.services import reports
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


@bp.route("/report")
@roles(*reports.REPORT_ROLES)
def report():
    date_from, date_to = _period()
    r = reports.period_report(get_db(), current_user, date_from, date_to)
    return render_template("supervisor/report.html", r=r)


CSV_HEADER_ZH = ("事项", "收件", "办理中", "补正中", "办结", "准予", "不予", "撤回", "超期在办", "按时办结率",
                 "办结率", "满意率", "评价数", "办理时长中位数(天)", "办理时长P90(天)")


@bp.route("/report.csv")
@roles(*reports.REPORT_ROLES)
def report_csv():
    date_from, date_to = _period()
    r = reports.period_report(get_db(), current_user, date_from, date_to)
    from webapp.i18n import current_lang
    header = CSV_HEADER_ZH if current_lang() == "zh" else None
    body = reports.report_csv(r, lambda code: _("Total") if code == "total" else matter_title(code), header)
    name = f"report-{date_from.isoformat()}-{date_to.isoformat()}.csv"
    return Response(body, mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
