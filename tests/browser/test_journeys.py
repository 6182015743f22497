"""Full journeys through the UI in Chromium: every matter from filing to certificate check,
a correction loop, a withdrawal, the language switch; screenshots of the main pages."""
from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tests import helpers
from tests.test_forms import VALID
from tests.web.flows import granted, issue_certificate, open_tasks
from workflow.domain.matters import MATTERS
from workflow.services import timers
from workflow.storage.db import utcnow
from workflow.storage.models import Case, Certificate
from workflow.timekeeping import now

PDF = Path(__file__).with_name("sample.pdf")
EXPERTS = ["expert1", "expert2", "expert3", "expert4", "expert5"]

# matter -> the steps after filing: (who, bpmn id, decision form data)
JOURNEYS = {
    "industrial_license": [
        ("window", "acceptance", {"decision": "accept", "opinion": "材料齐全，予以受理"}),
        ("reviewer1", "document_review", {"decision": "pass", "opinion": "符合要求"}),
        ("reviewer2", "document_review", {"decision": "pass", "opinion": "符合要求"}),
        ("inspector1", "onsite_inspection", {"decision": "pass", "opinion": "现场符合", "team": ["inspector1", "inspector2"]}),
        ("reviewer1", "product_testing", {"decision": "pass", "opinion": "检验合格", "report_number": "JY-1"}),
        ("approver", "approval", {"decision": "approve", "opinion": "准予许可"}),
    ],
    "food_license": [
        ("window", "acceptance", {"decision": "accept", "opinion": "予以受理", "green_channel": True}),
        ("food_reviewer", "document_review", {"decision": "pass", "opinion": "符合要求"}),
        ("food_inspector", "onsite_inspection", {"decision": "pass", "opinion": "现场符合",
                                                 "team": ["food_inspector", "food_inspector2"]}),
        ("food_approver", "approval", {"decision": "approve", "opinion": "准予许可"}),
    ],
    "food_license_change": [
        ("window", "acceptance", {"decision": "accept", "opinion": "予以受理"}),
        ("food_reviewer", "document_review", {"decision": "pass", "opinion": "符合要求"}),
        ("food_approver", "approval", {"decision": "approve", "opinion": "准予变更"}),
    ],
    "equipment_notice": [],
    "equipment_registration": [
        ("window", "acceptance", {"decision": "accept", "opinion": "予以受理"}),
        ("equip_reviewer", "document_review", {"decision": "pass", "opinion": "符合要求"}),
    ],
    "cng_cylinder": [
        ("window", "vehicle_check", {"decision": "register", "opinion": "核验通过",
                                     "vehicles": [{"plate_number": VALID["cng_application"]["vehicles"][0]["plate_number"],
                                                   "decision": "register"},
                                                  {"plate_number": VALID["cng_application"]["vehicles"][1]["plate_number"],
                                                   "decision": "register"}]}),
    ],
    "quality_award": [
        ("window", "eligibility_check", {"decision": "eligible", "opinion": "符合申报条件"}),
        ("quality_reviewer", "recommendation", {"decision": "recommend", "opinion": "推荐", "experts": EXPERTS,
                                                "shortlist_threshold": "700"}),
        *[(e, "expert_scoring", {"score": str(s), "opinion": "评分"}) for e, s in zip(EXPERTS, (900, 700, 800, 820, 600), strict=True)],
        ("quality_reviewer", "onsite_review", {"decision": "pass", "opinion": "属实"}),
        ("quality_approver", "committee_decision", {"decision": "award", "opinion": "同意授奖"}),
        ("quality_approver2", "committee_decision", {"decision": "award", "opinion": "同意授奖"}),
        ("quality_approver3", "round_ranking", "close_round"),
        # the 7-day public notice ends on its own (there is no "no objection" button to press)
    ],
}


OVERRIDES = {"industrial_license": {"commitment_path": False}}


@pytest.fixture(scope="module", autouse=True)
def sample_pdf():
    PDF.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    yield
    PDF.unlink(missing_ok=True)


def fill(page, data: dict, scope: str = "form") -> None:
    """Type form data the way a person would: text, selects, checkboxes, one-per-line lists, tables."""
    for key, value in data.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            for i, row in enumerate(value):
                for sub, v in row.items():
                    target = page.locator(f"{scope} [name='{key}-{i}-{sub}']")
                    if target.count() == 0:
                        page.click(f"[data-add-row='{key}']")
                    _set(page.locator(f"{scope} [name='{key}-{i}-{sub}']").first, v)
            continue
        target = page.locator(f"{scope} [name='{key}']").first
        if isinstance(value, bool):
            if value:
                target.check()
            continue
        if isinstance(value, list):
            boxes = page.locator(f"{scope} input[type=checkbox][name='{key}']")
            if boxes.count():              # people are picked from the people offered
                for v in value:
                    page.check(f"{scope} input[type=checkbox][name='{key}'][value='{v}']")
            else:
                target.fill("\n".join(str(v) for v in value))
            continue
        _set(target, value)


def _set(target, value) -> None:
    tag = target.evaluate("e => e.tagName")
    if tag == "SELECT":
        target.select_option(str(value))
    else:
        target.fill(str(value))


def file_case(as_user, matter: str, data: dict | None = None, shots: bool = False) -> tuple[object, int]:
    applicant = as_user("applicant_a")
    page = applicant.go("/my/cases/new")
    if shots:
        applicant.shot("04-choose-matters")
    page.check(f"input[name=matters][value={matter}]")
    page.click("form.card button.primary")
    page.wait_for_selector("form[enctype='multipart/form-data']")
    fill(page, data or VALID[MATTERS[matter].application_form], "form.card")
    materials = page.locator("input[type=file]")
    if materials.count():
        materials.first.set_input_files(str(PDF))
    if shots:
        applicant.shot("05-new-filing-form")
    page.click("form.card .actions button.primary")
    page.wait_for_selector(".flash-success")
    case_id = int(re.search(r"/cases/(\d+)", page.url).group(1))
    return applicant, case_id


def do_step(as_user, db, who: str, case_id: int, bpmn_id: str, data: dict, shot: str | None = None) -> None:
    people = helpers.load_people(db)
    candidates = [t for t in open_tasks(db, case_id, bpmn_id) if t.assignee_id in (None, people[who].id)]
    assert candidates, f"no open {bpmn_id} for {who}: {[t.bpmn_id for t in open_tasks(db, case_id)]}"
    task = sorted(candidates, key=lambda t: t.assignee_id != people[who].id)[0]
    staff = as_user(who)
    inbox = staff.go("/window/" if who == "window" else "/inbox")
    assert inbox.locator(f"a[href='/tasks/{task.id}']").count() or who == "window", f"{bpmn_id} not in {who}'s inbox"
    page = staff.go(f"/tasks/{task.id}")
    if page.locator("#claim").count():
        page.click("#claim")
        page.wait_for_selector(".flash-success")
    if isinstance(data, str):            # an operation button rather than the decision form
        page.click(f"#{data}")
        page.wait_for_selector(".flash-success")
        staff.close()
        return
    fill(page, data, "#decision form")
    if shot:
        staff.shot(shot)
    page.click("#complete")
    page.wait_for_selector(".flash-success")
    staff.close()


def notice_period_passes(db, case_id: int) -> None:
    """Eight days later the timer worker ends the public notice."""
    notice = open_tasks(db, case_id, "public_notice")
    assert notice, "the award waits in its 7-day public notice"
    with now.use(now.ManualClock(utcnow() + timedelta(days=8))):
        assert timers.run_due(db) == 1


@pytest.mark.parametrize("matter", list(JOURNEYS))
def test_journey_from_filing_to_certificate_check(as_user, db, server, matter):
    shots = matter == "food_license"
    data = {**VALID[MATTERS[matter].application_form], **OVERRIDES.get(matter, {})}
    if matter == "food_license_change":  # a licence to change: issued earlier to the same enterprise
        people = helpers.load_people(db)
        earlier = granted(db, people)
        data["license_number"] = issue_certificate(db, earlier.id).number
    applicant, case_id = file_case(as_user, matter, data, shots=shots)
    if shots:
        applicant.shot("06-case-page-submitted")
    for index, (who, bpmn_id, step_data) in enumerate(JOURNEYS[matter]):
        shot = "08-task-decision" if shots and bpmn_id == "onsite_inspection" else None
        if shots and who == "window" and index == 0:
            window = as_user("window")
            window.go("/window/")
            window.shot("07-window-queue")
            window.close()
        do_step(as_user, db, who, case_id, bpmn_id, step_data, shot)
    if matter == "quality_award":
        notice_period_passes(db, case_id)
    page = applicant.go(f"/cases/{case_id}")
    assert page.locator(".status-completed").count(), page.content()[:3000]
    if matter == "equipment_notice":
        assert page.locator("#receipt").inner_text().strip()
        return
    with db.reading() as s:
        query = select(Certificate).where(Certificate.number == data["license_number"]) \
            if matter == "food_license_change" else select(Certificate).where(Certificate.case_id == case_id)
        certs = list(s.scalars(query))
    assert certs, "no certificate issued"
    public = as_user()
    if matter != "food_license_change":  # a change keeps the licence of the earlier case
        page.click(f"a[href='/certificates/{certs[0].id}']")
        page.wait_for_selector(".certificate svg")
        if shots:
            applicant.shot("09-certificate")
        verify_url = page.locator(".qr figcaption a").get_attribute("href")
        public.page.goto(verify_url)
        assert "证书有效" in public.page.locator(".verdict").inner_text()
    public.go("/verify")
    public.page.fill("#number", certs[0].number)
    public.page.click("form.card button.primary")
    assert "证书有效" in public.page.locator(".verdict").inner_text()
    assert certs[0].holder in public.page.content()
    if shots:
        public.shot("10-verify-result")
        page = applicant.go(f"/cases/{case_id}")
        form = page.locator("form[id^='rate-']").first      # one form per matter of the case
        form.locator("input[value='5']").check()
        form.locator("textarea[name='comment']").fill("办事效率高")
        form.locator("button.primary").click()
        page.wait_for_selector(".flash-success")
        applicant.shot("11-case-page-completed")


def test_correction_loop_in_the_browser(as_user, db, server):
    applicant, case_id = file_case(as_user, "food_license")
    task = open_tasks(db, case_id, "acceptance")[0]
    window = as_user("window")
    page = window.go(f"/tasks/{task.id}")
    fill(page, {"decision": "correct", "opinion": "材料不全", "items": ["营业执照副本不清晰", "缺少生产场所平面图"]},
         "#decision form")
    page.click("#complete")
    page.wait_for_selector(".flash-success")
    page = applicant.go(f"/cases/{case_id}")
    box = page.locator("#correction").inner_text()
    assert "营业执照副本不清晰" in box and "缺少生产场所平面图" in box
    applicant.shot("12-correction-needed")
    page.click("#correction a.button.primary")
    page.fill("#f-address", "福州市鼓楼区五四路 200 号")
    page.fill("#note", "已按要求补正")
    page.click("#send-correction")
    page.wait_for_selector(".flash-success")
    assert open_tasks(db, case_id, "acceptance"), "back at the window after the correction"
    with db.reading() as s:
        assert s.get(Case, case_id).status == "submitted"


def test_withdrawal_in_the_browser(as_user, db, server):
    applicant, case_id = file_case(as_user, "equipment_registration")
    page = applicant.page
    page.on("dialog", lambda dialog: dialog.accept())
    page.fill("form[data-confirm] input[name=reason]", "项目取消")
    page.click("#withdraw")
    page.wait_for_selector(".flash-success")
    assert "已撤回" in page.locator("h1 + p, .status").first.inner_text() or page.locator(".status-withdrawn").count()
    with db.reading() as s:
        assert s.get(Case, case_id).status == "withdrawn"
    assert not open_tasks(db, case_id)


def test_language_switch(as_user, server):
    visitor = as_user()
    page = visitor.go("/guide")
    assert "办事指南" in page.locator("h1").inner_text()
    page.click("#lang-switch")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Service guide"
    assert "/guide" in page.url
    visitor.shot("13-guide-english")
    page.click("#lang-switch")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "办事指南"
