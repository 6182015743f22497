"""A refused form keeps its page: every error beside its field at once, the files chosen and the
address kept (no whole-page 422/409, no /tasks/N/complete in the address bar)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.browser.test_journeys import file_case, sample_pdf  # noqa: F401 (autouse: the PDF file_case uploads)
from tests.helpers import open_tasks
from tests.test_forms import VALID
from workflow.domain.matters import MATTERS
from workflow.storage.models import Attachment

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def files(tmp_path) -> dict[str, Path]:
    good, other, bad = tmp_path / "营业执照.pdf", tmp_path / "平面图.pdf", tmp_path / "licence.exe"
    good.write_bytes(PDF)
    other.write_bytes(PDF)
    bad.write_bytes(b"MZ this is not a document")
    return {"good": good, "other": other, "bad": bad}


def type_form(page, data: dict) -> None:
    for key, value in data.items():
        target = page.locator(f"form.card [name='{key}']").first
        if not target.count() or isinstance(value, (dict, bool)):
            continue
        if isinstance(value, list):                          # one per line
            target.fill("\n".join(str(v) for v in value))
        elif target.evaluate("e => e.tagName") == "SELECT":
            target.select_option(str(value))
        else:
            target.fill(str(value))


def test_filing_errors_inline_with_files_kept(as_user, server, db, files):
    applicant = as_user("applicant_a")
    page = applicant.go("/my/cases/new?matters=food_license")
    address = page.url
    type_form(page, {**VALID[MATTERS["food_license"].application_form], "phone": "12345"})
    page.set_input_files("input[name='file:business_license']", str(files["bad"]))
    page.set_input_files("input[name='file:floor_plan']", str(files["other"]))
    page.click("form.card .actions button.primary")
    page.wait_for_selector(".field.has-error .field-error")
    errors = page.locator(".field-error").all_inner_texts()
    assert len(errors) == 2 and "电话" in errors[0] and "PDF" in errors[1], errors       # both at once
    assert page.url == address                                                     # the address stayed
    assert page.locator("form.card [name='phone']").input_value() == "12345"       # typed text kept
    assert page.eval_on_selector("input[name='file:floor_plan']", "e => e.files.length") == 1   # files kept
    applicant.shot("inline-errors-new-filing")
    page.fill("form.card [name='phone']", "13800138000")
    page.set_input_files("input[name='file:business_license']", str(files["good"]))
    page.click("form.card .actions button.primary")
    page.wait_for_selector(".flash-success")
    case_id = int(re.search(r"/cases/(\d+)$", page.url).group(1))
    with db.reading() as s:
        kinds = set(s.scalars(select(Attachment.kind).where(Attachment.case_id == case_id)))
    assert kinds == {"business_license", "floor_plan"}


def test_task_decision_errors_stay_on_the_task_page(as_user, server, db, files):
    applicant = as_user("applicant_a")
    page = applicant.go("/my/cases/new?matters=food_license")
    type_form(page, VALID[MATTERS["food_license"].application_form])
    page.click("form.card .actions button.primary")
    page.wait_for_selector(".flash-success")
    case_id = int(re.search(r"/cases/(\d+)$", page.url).group(1))
    task = open_tasks(db, case_id)[0]
    window = as_user("window")
    page = window.go(f"/tasks/{task.id}")
    if page.locator("button#claim").count():
        with page.expect_navigation():                   # the claim succeeds: the browser opens the task again
            page.click("button#claim")
        page.wait_for_selector(".flash-success")
    page.select_option("#decision select[name='decision']", "correct")
    page.click("button#complete")
    page.wait_for_selector("#decision .field-error")
    assert page.url.endswith(f"/tasks/{task.id}") and "/complete" not in page.url
    assert page.locator("#decision .field.has-error").count() == 2                  # opinion and items, at once
    assert page.locator("#decision select[name='decision']").input_value() == "correct"     # the choice kept
    window.shot("inline-errors-task")


def test_a_refusal_answered_with_an_error_page_is_shown_above_the_form(as_user, server, db):
    """A correction sent from a page left open after the step closed got a 409 error page back,
    which the inline form did not show: the button seemed to do nothing."""
    applicant, case_id = file_case(as_user, "food_license")
    window = as_user("window")
    page = window.go(f"/tasks/{open_tasks(db, case_id, 'acceptance')[0].id}")
    page.select_option("#decision form [name=decision]", "correct")
    page.fill("#decision form [name=opinion]", "材料不全")
    page.fill("#decision form [name=items]", "缺少生产场所平面图")
    page.click("#complete")
    page.wait_for_selector(".flash-success")
    correction = open_tasks(db, case_id, "correction")[0]
    first, second = applicant.page, applicant.context.new_page()
    for tab in (first, second):
        tab.goto(f"{applicant.url}/my/tasks/{correction.id}")
    first.click("#send-correction")
    first.wait_for_selector(".flash-success")
    second.click("#send-correction")                       # the same step, already done in the other tab
    alert = second.wait_for_selector("#main > .flash-error")
    assert "操作冲突" in alert.inner_text()
    assert second.url.endswith(f"/my/tasks/{correction.id}")


def test_case_page_forms_keep_the_page(as_user, server, db, files):
    """A bad upload or an over-long withdrawal reason on the case page: the error beside the field,
    the case page and what was typed kept (it was a bare 422 page)."""
    applicant, case_id = file_case(as_user, "food_license")
    page = applicant.go(f"/cases/{case_id}")
    address = page.url
    kind = page.locator("#upload select[name=kind] option").nth(1).get_attribute("value")
    page.select_option("#upload select[name=kind]", kind)
    page.set_input_files("#upload input[name=file]", str(files["bad"]))
    page.click("#upload button")
    error = page.wait_for_selector("#upload .field.has-error .field-error")
    assert "仅接受 PDF" in error.inner_text() and page.url == address
    assert page.locator("#upload select[name=kind]").input_value() == kind
    applicant.shot("inline-errors-case-upload")
    page.on("dialog", lambda dialog: dialog.accept())
    page.fill("#withdraw-form input[name=reason]", "因" * 2001)
    page.click("#withdraw")
    error = page.wait_for_selector("#withdraw-form .field.has-error .field-error")
    assert "2000" in error.inner_text() and page.url == address
    assert page.locator("#withdraw-form input[name=reason]").input_value() == "因" * 2001
    with db.reading() as s:
        assert s.scalar(select(Attachment.id).where(Attachment.case_id == case_id,
                                                     Attachment.filename == "licence.exe")) is None


def test_a_step_closed_in_another_tab_leaves_no_live_button(as_user, server, db):
    """The window accepted a filing in one tab; in the other, the refused decision put 该任务已办结 on
    top but left the form and its button live, to be refused again on every click."""
    _applicant, case_id = file_case(as_user, "food_license")
    window = as_user("window")
    task = open_tasks(db, case_id, "acceptance")[0]
    first, second = window.page, window.context.new_page()
    for tab in (first, second):
        tab.goto(f"{window.url}/tasks/{task.id}")
        tab.select_option("#decision form [name=decision]", "accept")
        tab.fill("#decision form [name=opinion]", "受理")
    first.click("#complete")
    first.wait_for_selector(".flash-success")
    second.click("#complete")
    alert = second.wait_for_selector("#main > .flash-error")
    assert "已办结" in alert.inner_text()
    assert second.locator("#complete").is_disabled()


def test_vehicle_row_errors_stay_in_their_row_and_cell(as_user, server):
    """Walking a CNG batch filing: with scripts on, a refused row's errors were piled up under the
    table with no row named ("车辆：必须大于等于 1 且小于等于 12"), every cell of every row red."""
    from tests.test_forms import VEHICLE
    applicant = as_user("applicant_a")
    page = applicant.go("/my/cases/new?matters=cng_cylinder")
    data = {key: value for key, value in VALID["cng_application"].items() if key != "vehicles"}
    good = {**VEHICLE, "plate_number": "粤B·D12345", "vin": "LFV2A21K6A3000001"}
    rows = {f"vehicles-{i}-{name}": value for i, row in enumerate([VEHICLE, {**good, "cylinder_count": 99}])
            for name, value in row.items()}
    type_form(page, {**data, **rows})
    page.evaluate("document.querySelector('form.card').noValidate = true")
    page.click("form.card .actions button.primary")
    page.wait_for_selector(".field.has-error .field-error")
    cell = page.locator("td:has([name='vehicles-1-cylinder_count']) .field-error")
    assert cell.count() == 1 and "12" in cell.inner_text()
    assert page.locator("td:has([name='vehicles-0-cylinder_count']) .field-error").count() == 0
    assert page.locator(".kind-table > .field-error").count() == 0          # nothing piled up under the table
    assert page.locator("[name='vehicles-1-cylinder_count']").input_value() == "99"   # typed rows kept
    assert page.locator("td.has-error").count() == 1                        # only that cell marked
