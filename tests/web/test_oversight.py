"""Supervisor dashboard and period report, auditor search and timelines, admin pages."""
from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

from sqlalchemy import select

from tests.web.conftest import text
from tests.web.flows import granted, submit
from workflow.services import cases
from workflow.storage.db import utcnow
from workflow.storage.models import AuditEvent, Holiday, ProcessVersion, User
from workflow.timekeeping.workdays import local_date

ROOT = Path(__file__).resolve().parents[2]


# -- supervisor -------------------------------------------------------------------------

def test_dashboard_on_an_empty_office(login):
    page = text(login("supervisor").get("/supervisor/"))
    assert "效能督查" in page and "办结率" in page and "满意率" in page and "<svg" in page
    assert "红牌预警" in page and "黄牌预警" in page


def test_dashboard_figures(db, people, login):
    done = granted(db, people)
    cases.rate(db, people["applicant_a"], done.id, 5, None)
    submit(db, people)
    page = text(login("supervisor").get("/supervisor/"))
    assert "引擎测试事项" in page
    assert "100.0%" in page  # satisfaction: one rating of 5
    assert "50.0%" in page   # completion: 1 of 2
    assert "reviewer1" in page  # workload lists people
    assert "收件审查" in page  # per-step timing
    assert login("supervisor").get("/supervisor/?from=bad&to=2026-13-01").status_code == 200


def test_period_report_and_csv(db, people, login):
    granted(db, people)
    c = login("supervisor")
    today = local_date(utcnow()).isoformat()      # the office day (UTC+8), not the machine's UTC date
    page = text(c.get(f"/supervisor/report?from=2020-01-01&to={today}"))
    assert "统计报表" in page and "引擎测试事项" in page and "导出 CSV" in page
    response = c.get(f"/supervisor/report.csv?from=2020-01-01&to={today}")
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0] == "事项" and rows[0][9] == "按时办结率"
    bench = next(r for r in rows if r[0] == "引擎测试事项")
    assert bench[1] == "1" and bench[4] == "1" and bench[5] == "1"
    assert rows[-1][0] == "合计"


def test_reports_are_for_supervisors(login):
    for who in ("applicant_a", "reviewer1", "window", "auditor"):
        c = login(who)
        assert c.get("/supervisor/").status_code == 403, who
        assert c.get("/supervisor/report.csv").status_code == 403, who


# -- auditor ---------------------------------------------------------------------------

def test_audit_search_filters_and_paging(db, people, login):
    for _ in range(3):
        granted(db, people)
    c = login("auditor")
    page = text(c.get("/audit/"))
    assert "审计日志" in page and "办理" in page and "共 " in page
    with db.reading() as s:
        number = s.scalar(select(AuditEvent.case_number).where(AuditEvent.case_number.is_not(None)))
    filtered = text(c.get(f"/audit/?case={number}&action=complete"))
    assert number in filtered and "提交" not in filtered.split("<tbody>")[1]
    assert "准予许可" in text(c.get("/audit/?text=准予"))
    assert "没有符合条件的记录" in text(c.get("/audit/?actor=nobody"))
    assert c.get("/audit/?from=2026-99-99&page=x").status_code == 200


def test_case_timeline_and_exports(db, people, login):
    case = granted(db, people)
    c = login("auditor")
    page = text(c.get(f"/audit/cases/{case.id}"))
    assert "审批记录" in page and "准予许可" in page and "核查甲通过" in page
    exported = c.get(f"/audit/cases/{case.id}.json")
    body = json.loads(exported.get_data(as_text=True))
    assert body["case"] == case.number and [e["action"] for e in body["events"]][0] == "submit"
    assert all(len(e["hash"]) == 64 for e in body["events"])
    as_csv = c.get(f"/audit/cases/{case.id}.csv")
    assert as_csv.headers["Content-Type"] == "text/csv; charset=utf-8"     # one charset, not two
    as_csv = as_csv.get_data(as_text=True)
    assert "准予许可" in as_csv and as_csv.startswith("\ufeffseq,")
    assert c.get(f"/audit/case?number={case.number}").headers["Location"].endswith(f"/audit/cases/{case.id}")
    assert c.get("/audit/case?number=nope").status_code == 404
    assert c.get("/audit/cases/999999").status_code == 404


def test_chain_verification(db, people, login):
    granted(db, people)
    page = text(login("auditor").get("/audit/verify"))
    assert 'id="chain-ok"' in page and "审计链完整" in page
    with db.engine.begin() as conn:  # break the chain behind the triggers' back
        conn.exec_driver_sql("DROP TRIGGER audit_events_no_update")
        conn.exec_driver_sql("UPDATE audit_events SET opinion = '篡改' WHERE seq = 2")
    broken = text(login("auditor").get("/audit/verify"))
    assert 'id="chain-broken"' in broken and "第 2 条" in broken


def test_audit_pages_are_not_for_staff_or_applicants(db, people, login):
    case = submit(db, people)
    for who in ("applicant_a", "reviewer1", "window"):
        c = login(who)
        assert c.get("/audit/").status_code == 403, who
        assert c.get(f"/audit/cases/{case.id}.json").status_code == 403, who
    assert login("supervisor").get("/audit/verify").status_code == 403


# -- admin -----------------------------------------------------------------------------

def test_users_list_and_create(db, login):
    c = login("admin")
    page = text(c.get("/admin/users"))
    assert "用户与角色" in page and "reviewer1" in page
    bad = c.post("/admin/users", data={"username": "x", "password": "short", "role": "reviewer"})
    assert bad.status_code == 422 and "长度不能少于 8" in text(bad)
    taken = c.post("/admin/users", data={"username": "reviewer1", "password": "long-enough-1", "role": "reviewer",
                                         "department": "production"})
    assert taken.status_code == 409
    ok = c.post("/admin/users", data={"username": "new_reviewer", "password": "long-enough-1", "role": "reviewer",
                                      "department": "food", "display_name": "新审查员"})
    assert ok.status_code == 302
    with db.reading() as s:
        user = s.scalars(select(User).where(User.username == "new_reviewer")).one()
        assert (user.role, user.department_code) == ("reviewer", "food")
        assert s.scalar(select(AuditEvent.action).where(AuditEvent.action == "user_created"))
    assert "新审查员" in text(c.get("/admin/users?role=reviewer"))


def test_holidays_by_year_and_import(db, login, tmp_path):
    c = login("admin")
    page = text(c.get("/admin/holidays?year=2026"))
    assert "2026-02-16" in page and "调休上班" in page
    assert "暂无节假日数据" in text(c.get("/admin/holidays?year=2031"))
    good = io.BytesIO("date,kind,name\n2031-01-01,holiday,元旦\n2031-01-04,workday,调休\n".encode())
    response = c.post("/admin/holidays", data={"file": (good, "2031.csv"), "year": "2031"},
                      content_type="multipart/form-data")
    assert response.status_code == 302
    with db.reading() as s:
        assert s.get(Holiday, date(2031, 1, 1)).kind == "holiday"
    bad = io.BytesIO("date,kind,name\n2031-02-30,holiday,x\n".encode())
    refused = c.post("/admin/holidays", data={"file": (bad, "bad.csv")}, content_type="multipart/form-data")
    assert refused.status_code == 422 and "第 2 行" in text(refused)
    assert c.post("/admin/holidays", data={}, content_type="multipart/form-data").status_code == 422
    assert c.get("/admin/holidays?year=abc").status_code == 200


def test_process_versions_deploy_and_cases_per_version(db, people, login):
    case = submit(db, people)
    c = login("admin")
    page = text(c.get("/admin/processes"))
    assert "engine_bench" in page and "food_license" in page
    with db.reading() as s:
        bench = s.scalars(select(ProcessVersion).where(ProcessVersion.process_id == "engine_bench")).one()
    detail = text(c.get(f"/admin/processes/{bench.id}"))
    assert case.number in detail and "<svg" in detail
    xml = (ROOT / "tests" / "bpmn" / "engine_bench.bpmn").read_bytes()
    same = c.post("/admin/processes", data={"file": (io.BytesIO(xml), "engine_bench.bpmn")},
                  content_type="multipart/form-data")
    assert same.status_code == 302 and "未变化" in text(c.get("/admin/processes"))
    changed = xml.replace("引擎测试流程".encode(), "引擎测试流程二".encode())
    assert c.post("/admin/processes", data={"file": (io.BytesIO(changed), "engine_bench.bpmn")},
                  content_type="multipart/form-data").status_code == 302
    assert "第 2 版" in text(c.get("/admin/processes"))
    unsafe = (ROOT / "tests" / "bpmn" / "bad_script.bpmn").read_bytes()
    refused = c.post("/admin/processes", data={"file": (io.BytesIO(unsafe), "bad_script.bpmn")},
                     content_type="multipart/form-data")
    assert refused.status_code == 422 and "script" in text(refused)
    garbage = c.post("/admin/processes", data={"file": (io.BytesIO(b"\xff\xfe\x00junk"), "x.bpmn")},
                     content_type="multipart/form-data")
    assert garbage.status_code == 422


def test_moving_running_cases_to_another_version(db, people, login):
    case = submit(db, people)      # at its intake step
    xml = (ROOT / "tests" / "bpmn" / "engine_bench.bpmn").read_text(encoding="utf-8").replace("intake", "receive")
    c = login("admin")
    c.post("/admin/processes", data={"file": (io.BytesIO(xml.encode()), "engine_bench.bpmn")},
           content_type="multipart/form-data")
    assert "在办件迁移到其他版本" in text(c.get("/admin/processes/migrate"))
    plan = {"process_id": "engine_bench", "from": "1", "to": "2"}
    check = text(c.post("/admin/processes/migrate", data=plan))
    assert "不能迁移 (1)" in check and "当前环节 intake 不在目标版本中" in check and case.number in check
    bad = c.post("/admin/processes/migrate", data={**plan, "to": "9", "mapping": "intake"})
    assert bad.status_code == 422 and "改名的环节请写成" in text(bad)
    bad = c.post("/admin/processes/migrate", data={**plan, "mapping": "intake=nowhere"})
    assert bad.status_code == 422 and "目标版本中没有这个环节" in text(bad)
    mapped = {**plan, "mapping": "intake=receive"}
    dry = text(c.post("/admin/processes/migrate", data=mapped))
    assert "可迁移 (1)" in dry and "迁移 1 件" in dry
    moved = text(c.post("/admin/processes/migrate", data={**mapped, "confirm": "1"}))
    assert "已迁移 (1)" in moved and "receive" in moved
    assert login("supervisor").get("/admin/processes/migrate").status_code == 403


def test_failed_steps_page(login):
    c = login("admin")
    assert "没有失败的环节" in text(c.get("/admin/failed"))
    assert c.post("/admin/failed", data={"instance_id": "77"}).status_code == 404
    assert login("reviewer1").get("/admin/failed").status_code == 403


def test_matter_settings_page(login):
    page = text(login("admin").get("/admin/matters"))
    assert "事项设置" in page and "食品生产许可证核发" in page


def test_admin_pages_are_for_admins(login):
    for who in ("applicant_a", "reviewer1", "supervisor", "auditor"):
        c = login(who)
        for path in ("/admin/users", "/admin/holidays", "/admin/processes", "/admin/matters"):
            assert c.get(path).status_code == 403, (who, path)


def test_admin_changes_matter_limits(login, db):
    c = login("admin")
    assert "10" in text(c.get("/admin/matters"))
    bad = c.post("/admin/matters", data={"code": "food_license", "statutory_days": "10", "committed_days": "12"})
    assert bad.status_code == 422 and "承诺时限不得超过法定时限" in text(bad)
    nonsense = c.post("/admin/matters", data={"code": "food_license", "statutory_days": "ten"})
    assert nonsense.status_code == 422
    blank = c.post("/admin/matters", data={"code": "food_license", "statutory_days": " "})
    assert blank.status_code == 422 and "不能留空" in text(blank)
    assert c.post("/admin/matters", data={"code": "nope", "statutory_days": "5"}).status_code == 404
    ok = c.post("/admin/matters", data={"code": "food_license", "statutory_days": "10", "committed_days": "8",
                                        "green_channel_days": "5"})
    assert ok.status_code == 302
    assert "8 个工作日" in text(c.get("/guide/food_license"))
    assert login("supervisor").post("/admin/matters", data={"code": "food_license"}).status_code == 403


def test_staff_are_warned_when_deadlines_reach_a_year_without_holiday_data(login, db, clock):
    from datetime import datetime, timezone

    from workflow.services import clock as clock_services
    late_in_2026 = datetime(2026, 11, 23, tzinfo=timezone.utc)
    assert 2027 in clock_services.uncovered_years(db, late_in_2026)
    assert clock_services.uncovered_years(db, datetime(2025, 3, 1, tzinfo=timezone.utc)) == []
    admin = login("admin")
    assert "节假日数据未导入" not in text(admin.get("/admin/matters"))         # March 2026: nothing missing
    clock.set(late_in_2026)
    page = text(admin.get("/admin/matters"))
    assert "2027 年节假日数据未导入" in page and "No holiday data" not in page and "Monday" not in page
    assert "节假日数据未导入" not in text(login("applicant_a").get("/my/cases"))
    admin.post("/lang/en", data={"next": "/admin/matters"})
    english = text(admin.get("/admin/matters"))
    assert "Holiday data for 2027 has not been imported" in english and "节假日数据未导入" not in english

def test_audit_search_with_a_reversed_range_says_so(db, login):
    """A range that ends before it starts matched nothing, which read as "no such event"."""
    c = login("auditor")
    bad = c.get("/audit/?from=2026-12-31&to=2026-01-01")
    assert bad.status_code == 422 and "结束日期不能早于开始日期" in text(bad) and 'aria-invalid="true"' in text(bad)
    assert c.get("/audit/?from=2026-01-01&to=2026-12-31").status_code == 200
