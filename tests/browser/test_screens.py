"""Screenshots of the main pages of every role (laptop and phone), with some cases in the office."""
from __future__ import annotations

from tests import helpers
from tests.web.flows import granted, issue_certificate, open_tasks, submit
from workflow.services import cases, tasks


def seed(db):
    people = helpers.load_people(db)
    done = granted(db, people)
    cases.rate(db, people["applicant_a"], done.id, 5, "很好")
    issue_certificate(db, done.id)
    for i in range(3):
        submit(db, people, title=f"待审件{i}", green=(i == 1))
    running = submit(db, people, title="办理中件")
    intake = open_tasks(db, running.id)[0]
    tasks.complete(db, people["reviewer1"], intake.id, {"opinion": "材料齐全"})
    return people, done, running


def test_screens_of_every_role(as_user, db, server):
    people, done, running = seed(db)
    visitor = as_user()
    visitor.go("/")
    visitor.shot("01-home")
    visitor.go("/guide/food_license")
    visitor.shot("02-guide-food-license")
    visitor.go("/login")
    visitor.shot("03-login")

    reviewer = as_user("reviewer1")
    page = reviewer.go("/inbox")
    assert page.locator("table.inbox tbody tr").count() >= 3
    reviewer.shot("20-inbox")
    task = open_tasks(db, running.id)[0]
    reviewer.go(f"/tasks/{task.id}")
    assert reviewer.page.locator("svg.bpmn g.current").count() >= 1
    reviewer.shot("21-task-with-diagram")

    supervisor = as_user("supervisor")
    supervisor.go("/supervisor/")
    assert supervisor.page.locator("svg.chart").count() >= 3
    supervisor.shot("30-dashboard")
    supervisor.go("/supervisor/report?from=2020-01-01")
    supervisor.shot("31-period-report")

    auditor = as_user("auditor")
    auditor.go("/audit/")
    auditor.shot("40-audit-search")
    auditor.go(f"/audit/cases/{done.id}")
    auditor.shot("41-case-timeline")
    auditor.go("/audit/verify")
    assert auditor.page.locator("#chain-ok").count() == 1
    auditor.shot("42-chain-verification")

    admin = as_user("admin")
    admin.go("/admin/users")
    admin.shot("50-admin-users")
    admin.go("/admin/holidays?year=2026")
    admin.shot("51-admin-holidays")
    admin.go("/admin/processes")
    admin.shot("52-admin-processes")
    admin.go("/admin/matters")
    admin.shot("53-admin-matters")

    phone = as_user("applicant_a", phone=True)
    phone.go("/my/cases")
    phone.shot("60-phone-my-cases")
    phone.go(f"/cases/{running.id}")
    phone.shot("61-phone-case-page")
    phone_staff = as_user("reviewer2", phone=True)
    phone_staff.go("/inbox")
    phone_staff.shot("62-phone-inbox")
    width = phone.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"the case page scrolls sideways on a phone ({width}px)"
    phone.go("/my/cases/new?matters=cng_cylinder")
    phone.shot("63-phone-cng-filing")
    width = phone.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"the vehicle table pushes the page sideways on a phone ({width}px)"


def test_staff_lists_in_english_fit_a_phone(as_user, server, db):
    """The matter filter's longest English option (Special equipment installation/modification/repair
    notice) pushed the inbox and the case list a few pixels sideways on a 390px phone."""
    reviewer = as_user("reviewer2", phone=True)
    reviewer.go("/lang/en")
    for path in ("/inbox", "/cases"):
        page = reviewer.go(path)
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], (path, width)
