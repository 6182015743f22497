"""Public certificate and calendar look-ups; supervisors' summary; auditors' chain verification."""
from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import quote

from sqlalchemy import select

from tests.api.conftest import error_of
from workflow.services import tasks
from workflow.storage.models import Case, Certificate, HumanTask


def _certificate(db, case, number="SC11644200000389", valid_until=date(2031, 1, 1), status="valid"):
    with db.transaction() as session:
        row = session.get(Case, case.id)
        session.add(Certificate(number=number, token=number[-12:].rjust(12, "0"), case_id=row.id,
                                matter_code="bench", organisation_id=row.organisation_id, holder="福州甲食品有限公司",
                                holder_code="91350100M000100Y43", scope="糕点", issued_on=date(2026, 1, 5),
                                valid_until=valid_until, status=status))


def test_certificate_verification_is_public(db, client, people, bench_case):
    _certificate(db, bench_case)
    _certificate(db, bench_case, number="(闽)XK16-205-00123", valid_until=date(2020, 1, 1))
    response = client.get("/api/v1/certificates/SC11644200000389")
    assert response.status_code == 200
    assert response.get_json() == {"number": "SC11644200000389", "matter_code": "bench", "holder": "福州甲食品有限公司",
                                   "scope": "糕点", "issued_on": "2026-01-05", "valid_until": "2031-01-01",
                                   "status": "valid"}
    expired = client.get("/api/v1/certificates/" + quote("(闽)XK16-205-00123"))
    assert expired.status_code == 200 and expired.get_json()["status"] == "expired"
    unknown = client.get("/api/v1/certificates/SC00000000000000")
    assert unknown.status_code == 404 and error_of(unknown)["code"] == "not_found"
    assert client.get("/api/v1/certificates/" + "9" * 300).status_code == 404
    assert client.get("/api/v1/certificates/a%00b").status_code == 400  # a NUL is refused before routing


def test_case_detail_lists_its_certificates(db, api, people, bench_case):
    _certificate(db, bench_case)
    detail = api.get(f"/api/v1/cases/{bench_case.id}", as_="applicant_a").get_json()
    assert [c["number"] for c in detail["certificates"]] == ["SC11644200000389"]


def test_add_workdays_over_spring_festival_and_make_up_days(client, people):
    response = client.get("/api/v1/calendar/add-workdays?start=2026-02-13&days=1")
    assert response.status_code == 200
    assert response.get_json() == {"start": "2026-02-13", "days": 1, "result": "2026-02-14", "warnings": []}
    after = client.get("/api/v1/calendar/add-workdays?start=2026-02-14&days=1").get_json()
    assert after["result"] == "2026-02-24"
    national_day = client.get("/api/v1/calendar/add-workdays?start=2025-09-26&days=1").get_json()
    assert national_day["result"] == "2025-09-28"


def test_workdays_between(client, people):
    response = client.get("/api/v1/calendar/workdays?start=2026-02-13&end=2026-02-28")
    assert response.status_code == 200
    assert response.get_json()["workdays"] == 6   # 14th, 24th–27th, 28th (make-up day)
    assert client.get("/api/v1/calendar/workdays?start=2026-03-02&end=2026-03-01").get_json()["workdays"] == 0


def test_years_without_holiday_data_warn_instead_of_failing(client, people):
    body = client.get("/api/v1/calendar/add-workdays?start=2031-12-30&days=3").get_json()
    assert body["result"] == "2032-01-02"
    assert any("2031" in w for w in body["warnings"]) and any("2032" in w for w in body["warnings"])
    body = client.get("/api/v1/calendar/workdays?start=2030-12-31&end=2031-01-10").get_json()
    assert any("2031" in w for w in body["warnings"])


def test_calendar_parameter_errors_are_400(client, people):
    for query in ("start=2026-02-30&days=1", "start=2026-02-13", "start=2026-02-13&days=x",
                  "start=2026-02-13&days=99999", "start=0001-01-01&days=1", "start=2200-01-01&days=1"):
        response = client.get(f"/api/v1/calendar/add-workdays?{query}")
        assert response.status_code == 400, query
        assert error_of(response)["fields"], query
    assert client.get("/api/v1/calendar/workdays?start=1899-12-31&end=2000-01-01").status_code == 400
    widest = client.get("/api/v1/calendar/workdays?start=1900-01-01&end=2199-12-31")
    assert widest.status_code == 200 and widest.get_json()["workdays"] > 75_000


def test_summary_for_supervisors_only(db, api, people, bench_case):
    with db.reading() as s:
        intake = s.scalars(select(HumanTask).where(HumanTask.case_id == bench_case.id)).first()
    tasks.claim(db, people["reviewer1"], intake.id)
    api.post(f"/api/v1/cases/{bench_case.id}/withdraw", as_="applicant_a")
    api.post("/api/v1/cases", as_="applicant_a", json={"matters": ["bench"], "data": {}})
    today = date.today()
    query = f"from={(today - timedelta(days=3)).isoformat()}&to={(today + timedelta(days=1)).isoformat()}"
    response = api.get(f"/api/v1/reports/summary?{query}", as_="supervisor")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    bench = {r["matter"]: r for r in body["matters"]}["bench"]
    assert bench["received"] == 2 and bench["withdrawn"] == 1 and bench["completed"] == 0
    assert bench["completion_rate"] == 0.0 and bench["on_time_rate"] is None and bench["satisfaction_rate"] is None
    assert body["total"]["received"] == 2 and "completion_rate" in body["definitions"]
    assert api.get("/api/v1/reports/summary", as_="supervisor").status_code == 200
    assert api.get("/api/v1/reports/summary", as_="admin").status_code == 200
    for who in ("reviewer1", "applicant_a", "auditor"):
        assert api.get("/api/v1/reports/summary", as_=who).status_code == 403
    assert api.get("/api/v1/reports/summary?from=yesterday", as_="supervisor").status_code == 400
    reversed_range = api.get("/api/v1/reports/summary?from=2026-03-05&to=2026-03-01", as_="supervisor")
    assert reversed_range.status_code == 422 and list(reversed_range.get_json()["error"]["fields"]) == ["date_to"]
    assert bench["items"] == 2 and bench["certificates"] == 0


def test_audit_verify_for_auditors(api, people, bench_case):
    response = api.get("/api/v1/audit/verify", as_="auditor")
    assert response.status_code == 200
    assert response.get_json() == {"ok": True, "checked": 1, "broken_seq": None, "reason": None}
    for who in ("supervisor", "applicant_a", "reviewer1"):
        refused = api.get("/api/v1/audit/verify", as_=who)
        assert refused.status_code == 403 and error_of(refused)["code"] == "forbidden"
    assert api.get("/api/v1/audit/verify").status_code == 401
