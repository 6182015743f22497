"""Public look-ups, no token: certificate verification and the working-day calendar."""
from __future__ import annotations

from webapp.api.base import ApiBlueprint, get_db, public
from webapp.api.schemas import public as schemas
from webapp.api.schemas.cases import CertificateSchema
from workflow.errors import NotFound
from workflow.services import calendar as calendar_service
from workflow.services import queries
from workflow.timekeeping.workdays import WorkCalendar, uncovered_year_message

certificates = ApiBlueprint("certificates", __name__, url_prefix="/api/v1/certificates", tag="certificates",
                            description="Verify a certificate by its number (public).")
calendar = ApiBlueprint("calendar", __name__, url_prefix="/api/v1/calendar", tag="calendar",
                        description="Chinese working days from the office's holiday table (public).")


@certificates.route("/<string:number>", methods=["GET"])
@public(certificates, 404)
@certificates.response(200, CertificateSchema)
def verify(number):
    """Verify a certificate: holder, scope, validity and status (valid, expired, revoked …)"""
    if len(number) > 64 or "\x00" in number:
        raise NotFound("Certificate not found.")
    cert = queries.verify_certificate(get_db(), number=number)
    return {name: getattr(cert, name) for name in
            ("number", "matter_code", "holder", "scope", "issued_on", "valid_until", "status")}


def _warnings(cal: WorkCalendar, first_year: int, last_year: int) -> list[str]:
    """Warnings that concern this computation: years without holiday data, invalid table rows."""
    low, high = sorted((first_year, last_year))
    uncovered = [uncovered_year_message(y) for y in range(low, high + 1) if not cal.is_covered(y)]
    own = {uncovered_year_message(y) for y in cal.uncovered_years}
    return uncovered + sorted(w for w in cal.warnings if w not in own and w not in uncovered)


@calendar.route("/add-workdays", methods=["GET"])
@public(calendar)
@calendar.arguments(schemas.AddWorkdaysQuery, location="query")
@calendar.response(200, schemas.AddWorkdaysResult)
def add_workdays(query):
    """The day a period of `days` working days from `start` ends

    The start day is not counted and the result is always a working day (Administrative
    Licensing Law Art. 82). A year without holiday data falls back to Monday–Friday and is
    named in `warnings`.
    """
    cal = calendar_service.working_calendar(get_db())
    result = cal.add_workdays(query["start"], query["days"])
    return {"start": query["start"], "days": query["days"], "result": result,
            "warnings": _warnings(cal, query["start"].year, result.year)}


@calendar.route("/workdays", methods=["GET"])
@public(calendar)
@calendar.arguments(schemas.WorkdaysQuery, location="query")
@calendar.response(200, schemas.WorkdaysResult)
def workdays(query):
    """Working days after `start` up to and including `end` (0 when end is not after start)"""
    cal = calendar_service.working_calendar(get_db())
    count = cal.workdays_between(query["start"], query["end"])
    return {"start": query["start"], "end": query["end"], "workdays": count,
            "warnings": _warnings(cal, query["start"].year, query["end"].year)}
