"""Supervisors' summary figures and the auditors' chain verification."""
from __future__ import annotations

from datetime import date

from webapp.api.base import ApiBlueprint, actor, get_db, guarded
from webapp.api.schemas.public import Summary, SummaryQuery, VerifyResultSchema
from workflow.services import queries, reports
from workflow.storage.db import utcnow
from workflow.timekeeping.workdays import local_date

reports_blp = ApiBlueprint("reports", __name__, url_prefix="/api/v1/reports", tag="reports",
                           description="Figures the bureau reports (supervisors).")
audit_blp = ApiBlueprint("audit", __name__, url_prefix="/api/v1/audit", tag="audit",
                         description="The tamper-evident decision history (auditors).")

DEFINITIONS = {
    "completion_rate": "completed cases / cases received in the period, withdrawn ones left out (办结率)",
    "on_time_rate": "completed cases finished within their limit / completed cases with a known limit",
    "satisfaction_rate": "ratings of level 4 or 5 / all ratings given in the period (满意率)",
    "overdue_open": "running cases past their due time or marked red",
    "total": "counts cases: a joint filing is once in the total and once under each of its matters",
    "items": "licences, equipment units or vehicles the filings carry (a CNG batch counts its vehicles)",
    "certificates": "certificates issued in the period",
}


def _row(row) -> dict:
    return {"matter": row.matter, "received": row.received, "in_progress": row.in_progress,
            "correction": row.correction, "completed": row.completed, "granted": row.granted,
            "not_granted": row.not_granted, "withdrawn": row.withdrawn, "overdue_open": row.overdue_open,
            "ratings": row.ratings, "completion_rate": row.completion_rate, "on_time_rate": row.on_time_rate,
            "satisfaction_rate": row.satisfaction_rate, "items": row.items, "certificates": row.certificates}


@reports_blp.route("/summary", methods=["GET"])
@guarded(reports_blp, 403, 422)
@reports_blp.arguments(SummaryQuery, location="query")
@reports_blp.response(200, Summary)
def summary(query):
    """Counts per matter and status, completion, on-time and satisfaction rates for a period

    `from` and `to` are office dates (Asia/Shanghai), both included; by default the current
    year up to today. Supervisors and admins.
    """
    today = local_date(utcnow())
    date_from = query.get("date_from") or date(today.year, 1, 1)
    date_to = query.get("date_to") or today
    report = reports.period_report(get_db(), actor(), date_from, date_to)
    return {"date_from": report.date_from, "date_to": report.date_to,
            "matters": [_row(r) for r in report.rows], "total": _row(report.total), "definitions": DEFINITIONS}


@audit_blp.route("/verify", methods=["GET"])
@guarded(audit_blp, 403)
@audit_blp.response(200, VerifyResultSchema)
def verify():
    """Walk the audit hash chain; names the first broken link. Auditors and admins."""
    result = queries.verify_chain(get_db(), actor())
    return {"ok": result.ok, "checked": result.checked, "broken_seq": result.broken_seq, "reason": result.reason}
