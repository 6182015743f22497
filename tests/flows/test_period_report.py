"""The period report as the bureaus write it: filings once, certificates, units and vehicles, each
rating once, a reversed range refused, and CSV / Excel / PDF exports that no cell can turn into a formula."""
from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.flows.test_joint import finish_food, food_and_boiler
from tests.test_forms import VALID
from workflow.errors import ValidationError
from workflow.services import cases, report_export, reports

DAY = date(2026, 3, 2)


def two_vehicles() -> list[dict]:
    return [{**VALID["cng_application"]["vehicles"][0], "plate_number": p, "vin": v}
            for p, v in (("闽A11111", "LSVAU2180N2183294"), ("闽A22222", "LFV2A21K6A3000001"))]


@pytest.fixture
def period(bureau):
    """A joint filing (food + boiler) rated 满意 and 非常满意, a food filing rated 不满意, a CNG batch
    of two vehicles, an installation notice for three units."""
    joint = food_and_boiler(bureau)
    bureau.act("equip_reviewer", joint.id, "document_review", decision="pass")
    finish_food(bureau, joint)
    single = bureau.file(["food_license"])
    bureau.accept(single.id)
    finish_food(bureau, single)
    batch = bureau.file(["cng_cylinder"], {"vehicles": two_vehicles()})
    bureau.act("window", batch.id, "vehicle_check", decision="register", vehicles=[
        {"plate_number": "闽A11111", "decision": "register"}, {"plate_number": "闽A22222", "decision": "register"}])
    bureau.file(["equipment_notice"], {"units": 3})
    cases.rate(bureau.db, bureau.people["applicant_a"], joint.id, 4, matter="food_license")
    cases.rate(bureau.db, bureau.people["applicant_a"], joint.id, 5, matter="equipment_registration")
    cases.rate(bureau.db, bureau.people["applicant_a"], single.id, 2, "等待时间太长")
    return reports.period_report(bureau.db, bureau.people["supervisor"], DAY, DAY)


def by_matter(report) -> dict[str, reports.MatterRow]:
    return {r.matter: r for r in report.rows}


def test_a_joint_filing_counts_once_in_the_total_and_each_rating_once(period):
    rows = by_matter(period)
    assert rows["food_license"].received == 2 and rows["equipment_registration"].received == 1
    assert sum(r.received for r in period.rows) == 5 and period.total.received == 4
    assert period.total.completed == 4 and period.total.granted == 4
    assert (period.total.ratings, period.total.satisfied) == (3, 2)
    assert rows["food_license"].satisfaction_rate == 0.5 and rows["equipment_registration"].satisfaction_rate == 1.0


def test_certificates_units_and_vehicles_are_counted(period):
    rows = by_matter(period)
    assert rows["cng_cylinder"].items == 2 and rows["cng_cylinder"].certificates == 2
    assert rows["equipment_notice"].items == 3 and rows["equipment_notice"].certificates == 0
    assert rows["food_license"].certificates == 2 and rows["equipment_registration"].certificates == 1
    assert period.total.certificates == 5 and period.total.items == 2 + 1 + 2 + 3


def test_a_reversed_range_is_a_field_error(bureau):
    with pytest.raises(ValidationError) as bad:
        reports.period_report(bureau.db, bureau.people["supervisor"], date(2026, 3, 5), date(2026, 3, 1))
    assert list(bad.value.fields) == ["date_to"]


def test_exports_neutralise_formulas_and_agree(period, bureau):
    hostile = {"food_license": "=HYPERLINK(\"http://x\")", "cng_cylinder": "+1", "equipment_notice": "@SUM(A1)",
               "equipment_registration": "-2", "total": "合计"}
    title = hostile.get
    lines = list(csv.reader(io.StringIO(report_export.to_csv(period, title).lstrip("\ufeff"))))
    assert lines[0][:2] == ["matter", "received"] and lines[-1][0] == "合计" and lines[-1][1] == "4"
    assert {line[0] for line in lines[1:-1]} == {"'=HYPERLINK(\"http://x\")", "'+1", "'@SUM(A1)", "'-2"}
    sheet = load_workbook(io.BytesIO(report_export.to_xlsx(period, title))).active
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    assert cells[-1][:2] == ["合计", 4] and "'=HYPERLINK(\"http://x\")" in [r[0] for r in cells]
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(report_export.to_pdf(
        bureau.db, period, title, report_export.HEADER_ZH))).pages)
    assert "行政许可统计报表" in text and "2026-03-02" in text and "发证数" in text
