"""Cases over the API: catalogue, filing, lists, detail, history, withdraw, rating, attachments."""
from __future__ import annotations

from sqlalchemy import select

from tests.api.conftest import error_of
from workflow.services import tasks
from workflow.storage.models import AuditEvent, HumanTask


def test_catalogue_lists_every_matter_with_its_form_schema(api, people):
    response = api.get("/api/v1/matters?per_page=100", as_="applicant_a")
    assert response.status_code == 200
    body = response.get_json()
    by_code = {m["code"]: m for m in body["items"]}
    assert body["total"] == len(body["items"]) and {"industrial_license", "food_license", "bench"} <= set(by_code)
    food = by_code["food_license"]
    assert food["statutory_days"] == 10 and food["certificate_days"] == 5 and food["department"] == "food"
    assert food["attachments"][0]["kind"] == "business_license"
    schema = food["form_schema"]
    assert schema["type"] == "object" and schema["additionalProperties"] is False
    assert "company_name" in schema["required"] and "credit_code" in schema["required"]
    assert schema["properties"]["company_name"]["minLength"] == 2
    assert by_code["bench"]["form_schema"]["properties"]["title"]["default"] == "测试件"


def test_catalogue_pages(api, people):
    first = api.get("/api/v1/matters?page=1&per_page=2", as_="window").get_json()
    second = api.get("/api/v1/matters?page=2&per_page=2", as_="window").get_json()
    assert len(first["items"]) == 2 and first["per_page"] == 2 and first["page"] == 1
    assert {m["code"] for m in first["items"]}.isdisjoint(m["code"] for m in second["items"])
    assert api.get("/api/v1/matters?per_page=101", as_="window").status_code == 400
    bad = api.get("/api/v1/matters?page=abc", as_="window")
    assert bad.status_code == 400 and "page" in error_of(bad)["fields"]


def test_applicant_files_a_case(api, people):
    response = api.post("/api/v1/cases", as_="applicant_a",
                        json={"matters": ["bench"], "data": {"title": "API 件"}, "green_channel": True})
    assert response.status_code == 201, response.get_json()
    case = response.get_json()
    assert case["number"].startswith("SL") and case["status"] == "submitted" and case["green_channel"]
    assert case["title"] == "API 件" and case["matters"] == ["bench"]
    assert case["open_tasks"] == []            # the office's steps are not listed to the applicant
    staff = api.get(f"/api/v1/cases/{case['id']}", as_="window").get_json()
    assert [t["bpmn_id"] for t in staff["open_tasks"]] == ["intake"]
    assert {a["op"] for a in case["actions"]} == {"withdraw", "attachments"}
    assert case["progress"] == {"bench": []}
    assert case["clock"]["light"] in ("green", "yellow", "red") and case["clock"]["suspended"] is False
    assert case["clock"]["acceptance_due_at"] is not None
    assert case["certificates"] == [] and case["rating"] is None


def test_filing_refusals(api, people):
    staff = api.post("/api/v1/cases", as_="reviewer1", json={"matters": ["bench"], "data": {}})
    assert staff.status_code == 403 and error_of(staff)["code"] == "forbidden"
    unknown = api.post("/api/v1/cases", as_="applicant_a", json={"matters": ["nope"], "data": {}})
    assert unknown.status_code == 422 and "matters.0" in error_of(unknown)["fields"]
    empty = api.post("/api/v1/cases", as_="applicant_a", json={"matters": [], "data": {}})
    assert empty.status_code == 422 and "matters" in error_of(empty)["fields"]
    extra = api.post("/api/v1/cases", as_="applicant_a", json={"matters": ["bench"], "colour": "red"})
    assert extra.status_code == 422 and "colour" in error_of(extra)["fields"]
    not_object = api.post("/api/v1/cases", as_="applicant_a", json=["bench"])
    assert not_object.status_code == 422
    malformed = api.post("/api/v1/cases", as_="applicant_a", data="{", content_type="application/json")
    assert malformed.status_code == 400
    nul = api.post("/api/v1/cases", as_="applicant_a", json={"matters": ["bench"], "data": {"title": "a\x00b"}})
    assert nul.status_code == 422 and "data" in error_of(nul)["fields"]


def test_application_form_errors_come_back_per_field(api, people):
    response = api.post("/api/v1/cases", as_="applicant_a", json={
        "matters": ["food_license"], "data": {"company_name": "x", "credit_code": "123"}})
    assert response.status_code == 422
    fields = error_of(response)["fields"]
    assert "company_name" in fields and "credit_code" in fields and "phone" in fields


def test_case_list_is_scoped_filtered_and_paged(api, people, bench_case):
    api.post("/api/v1/cases", as_="applicant_a", json={"matters": ["bench"], "data": {}})
    mine = api.get("/api/v1/cases", as_="applicant_a2").get_json()
    assert mine["total"] == 2 and {c["organisation_id"] for c in mine["items"]} == {people["applicant_a"].organisation_id}
    other = api.get("/api/v1/cases", as_="applicant_b").get_json()
    assert other["total"] == 0 and other["items"] == []
    assert api.get("/api/v1/cases", as_="window").get_json()["total"] == 2
    assert api.get("/api/v1/cases", as_="reviewer1").get_json()["total"] == 2   # production department
    assert api.get("/api/v1/cases", as_="food_reviewer").get_json()["total"] == 0
    paged = api.get("/api/v1/cases?per_page=1&page=2", as_="window").get_json()
    assert paged["total"] == 2 and len(paged["items"]) == 1 and paged["page"] == 2
    assert api.get("/api/v1/cases?status=submitted", as_="window").get_json()["total"] == 2
    assert api.get("/api/v1/cases?status=completed", as_="window").get_json()["total"] == 0
    assert api.get("/api/v1/cases?matter=food_license", as_="window").get_json()["total"] == 0
    bad = api.get("/api/v1/cases?status=lost", as_="window")
    assert bad.status_code == 400 and "status" in error_of(bad)["fields"]


def test_case_detail_is_404_for_other_organisations_and_departments(api, people, bench_case):
    path = f"/api/v1/cases/{bench_case.id}"
    assert api.get(path, as_="applicant_a2").status_code == 200
    for who in ("applicant_b", "food_reviewer"):
        response = api.get(path, as_=who)
        assert response.status_code == 404 and error_of(response)["code"] == "not_found"
    assert api.get("/api/v1/cases/999999", as_="window").status_code == 404
    assert api.get("/api/v1/cases/99999999999999999999", as_="window").status_code == 404
    assert api.get(path).status_code == 401


def test_applicants_do_not_see_who_holds_a_step(db, api, people, bench_case):
    intake = _open(db, bench_case.id)[0]
    tasks.claim(db, people["reviewer1"], intake.id)
    seen_by_applicant = api.get(f"/api/v1/cases/{bench_case.id}", as_="applicant_a").get_json()
    seen_by_staff = api.get(f"/api/v1/cases/{bench_case.id}", as_="window").get_json()
    assert seen_by_applicant["open_tasks"] == []
    assert seen_by_staff["open_tasks"][0]["assignee_id"] == people["reviewer1"].id


def test_history_lists_audit_events_after_the_visibility_check(db, api, people, bench_case):
    response = api.get(f"/api/v1/cases/{bench_case.id}/history", as_="auditor")
    assert response.status_code == 200
    body = response.get_json()
    assert body["case_number"] == bench_case.number
    assert [e["action"] for e in body["items"]] == ["submit"]
    assert body["items"][0]["hash"] and body["items"][0]["data"]["matters"] == ["bench"]
    assert api.get(f"/api/v1/cases/{bench_case.id}/history", as_="applicant_b").status_code == 404


def test_withdraw(db, api, people, bench_case):
    path = f"/api/v1/cases/{bench_case.id}/withdraw"
    assert api.post(path, as_="applicant_b", json={}).status_code == 404
    assert api.post(path, as_="window", json={}).status_code == 403
    response = api.post(path, as_="applicant_a2", json={"reason": "材料有误"})
    assert response.status_code == 200 and response.get_json()["status"] == "withdrawn"
    assert response.get_json()["open_tasks"] == []
    again = api.post(path, as_="applicant_a")
    assert again.status_code == 409 and error_of(again)["code"] == "conflict"


def test_rating_only_after_completion_and_once(db, api, people, bench_case):
    path = f"/api/v1/cases/{bench_case.id}/rating"
    early = api.post(path, as_="applicant_a", json={"level": 5})
    assert early.status_code == 409
    _run_to_grant(db, people, bench_case.id)
    low = api.post(path, as_="applicant_a", json={"level": 1})
    assert low.status_code == 422 and "comment" in error_of(low)["fields"]
    out_of_range = api.post(path, as_="applicant_a", json={"level": 6})
    assert out_of_range.status_code == 422 and "level" in error_of(out_of_range)["fields"]
    assert api.post(path, as_="applicant_a", json={"level": "5"}).status_code == 422
    assert api.post(path, as_="reviewer1", json={"level": 5}).status_code == 403
    ok = api.post(path, as_="applicant_a", json={"level": 4, "comment": "快"})
    assert ok.status_code == 201 and ok.get_json()["level"] == 4
    assert api.post(path, as_="applicant_a", json={"level": 5}).status_code == 409
    detail = api.get(f"/api/v1/cases/{bench_case.id}", as_="applicant_a").get_json()
    assert detail["status"] == "completed" and detail["rating"]["level"] == 4
    assert detail["clock"]["on_time"] is True


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_attachment_upload(api, people, bench_case, tmp_path):
    path = f"/api/v1/cases/{bench_case.id}/attachments"
    from io import BytesIO
    crafted = api.post(path, as_="applicant_a", content_type="multipart/form-data",
                       data={"kind": "__bogus", "file": (BytesIO(PDF), "执照.pdf")})
    assert crafted.status_code == 422 and list(error_of(crafted)["fields"]) == ["kind"]
    ok = api.post(path, as_="applicant_a", content_type="multipart/form-data",
                  data={"kind": "other", "file": (BytesIO(PDF), "执照.pdf")})
    assert ok.status_code == 201, ok.get_json()
    row = ok.get_json()
    assert row["content_type"] == "application/pdf" and row["size"] == len(PDF) and len(row["sha256"]) == 64
    detail = api.get(f"/api/v1/cases/{bench_case.id}", as_="applicant_a").get_json()
    assert [a["id"] for a in detail["attachments"]] == [row["id"]]
    assert (tmp_path / "attachments").exists()
    wrong = api.post(path, as_="applicant_a", content_type="multipart/form-data",
                     data={"kind": "business_license", "file": (BytesIO(b"MZ..."), "x.pdf")})
    assert wrong.status_code == 422 and "file" in error_of(wrong)["fields"]
    missing = api.post(path, as_="applicant_a", content_type="multipart/form-data", data={"kind": "x"})
    assert missing.status_code == 422 and "file" in error_of(missing)["fields"]
    other = api.post(path, as_="applicant_b", content_type="multipart/form-data",
                     data={"kind": "business_license", "file": (BytesIO(PDF), "a.pdf")})
    assert other.status_code == 404


def _open(db, case_id):
    with db.reading() as s:
        return list(s.scalars(select(HumanTask).where(HumanTask.case_id == case_id, HumanTask.state == "open")
                              .order_by(HumanTask.id)))


def _run_to_grant(db, people, case_id):
    intake = _open(db, case_id)[0]
    tasks.complete(db, people["reviewer1"], intake.id, {"opinion": "收件"})
    first, second = _open(db, case_id)
    tasks.complete(db, people["reviewer1"], first.id, {"opinion": "核查"})
    tasks.complete(db, people["reviewer2"], second.id, {"opinion": "核查"})
    decide = _open(db, case_id)[0]
    tasks.complete(db, people["approver"], decide.id, {"opinion": "准予", "decision": "approve"})
    with db.reading() as s:
        assert s.scalars(select(AuditEvent.action).where(AuditEvent.case_id == case_id)).all()


def test_catalogue_shows_the_limits_the_administrator_set(api, db, people):
    from workflow.services import admin
    admin.set_limits(db, people["admin"], "food_license", 10, 8, 5)
    items = api.get("/api/v1/matters?per_page=100", as_="applicant_a").get_json()["items"]
    food = next(m for m in items if m["code"] == "food_license")
    assert (food["statutory_days"], food["committed_days"]) == (10, 8)
