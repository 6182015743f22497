"""Every main page renders in English too, and odd query strings never cause a 500."""
from __future__ import annotations

import pytest

from tests.web.conftest import text
from tests.web.flows import granted, granted_food_licence, open_tasks, submit

PAGES = {
    "applicant_a": ["/my/cases", "/my/cases/new", "/my/cases/new?matters=food_license", "/guide", "/verify"],
    "window": ["/window/", "/inbox", "/cases"],
    "reviewer1": ["/inbox", "/cases"],
    "supervisor": ["/supervisor/", "/supervisor/report", "/audit/"],
    "auditor": ["/audit/", "/audit/verify"],
    "admin": ["/admin/users", "/admin/holidays", "/admin/processes", "/admin/matters", "/admin/processes/migrate",
              "/admin/failed"],
}


@pytest.mark.parametrize("who", list(PAGES))
def test_pages_in_english(db, people, login, who):
    case = granted(db, people)
    running = submit(db, people)
    c = login(who)
    c.post("/lang/en")
    paths = PAGES[who] + [f"/cases/{case.id}"] if who != "reviewer1" else PAGES[who] + [
        f"/tasks/{open_tasks(db, running.id)[0].id}"]
    for path in paths:
        response = c.get(path)
        body = text(response)
        assert response.status_code == 200, (who, path)
        assert 'lang="en"' in body and "Log out" in body, (who, path)
        assert "我的待办" not in body and "退出" not in body, (who, path)


@pytest.mark.parametrize("path", [
    "/supervisor/?from=9999-12-31&to=9999-12-31", "/supervisor/report?from=0001-01-01&to=9999-12-31",
    "/supervisor/report.csv?from=x&to=y", "/audit/?from=9999-12-31&to=9999-12-31&page=999999999999",
    "/admin/holidays?year=99999", "/cases?page=99999", "/inbox?page=99999999999999999999",
])
def test_odd_query_strings(login, path):
    who = "reviewer1" if path.startswith(("/inbox", "/cases")) else (
        "admin" if path.startswith("/admin") else "supervisor")
    assert login(who).get(path).status_code == 200


def test_documents_are_named_in_english(db, people, login):
    """The case page listed its PDFs by their Chinese titles in the English UI."""
    case = granted_food_licence(db, people)
    c = login("applicant_a")
    assert "受理通知书" in text(c.get(f"/cases/{case.id}"))
    c.post("/lang/en")
    body = text(c.get(f"/cases/{case.id}"))
    assert "Notice of acceptance" in body and "Proof of delivery" in body
    assert "受理通知书" not in body and "送达回证" not in body



def test_correction_suspension_names_its_step_in_english(db, people, login):
    """The case page's suspension table read "Correction by the applicant: 申请人补正材料" in English."""
    from tests.web.flows import application
    from workflow.services import cases, tasks
    case = cases.submit(db, people["applicant_a"], ["food_license"], application("food_license"))
    tasks.complete(db, people["window"], open_tasks(db, case.id)[0].id,
                   {"opinion": "材料不全", "decision": "correct", "items": ["营业执照副本"]})
    c = login("applicant_a")
    c.post("/lang/en")
    body = text(c.get(f"/cases/{case.id}"))
    assert "Correction by the applicant" in body and "申请人补正材料" not in body


def test_error_summary_in_english_uses_an_english_colon(login):
    """The summary above a refused form read "Phone：Not a valid phone number." in English."""
    from tests.web.flows import application, form_payload
    c = login("applicant_a")
    c.post("/lang/en")
    data = {**form_payload(application("food_license", phone="12")), "matters": ["food_license"]}
    body = text(c.post("/my/cases/new", data=data))
    assert "<li>Phone: " in body and "Phone：" not in body, body
