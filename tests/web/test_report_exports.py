"""The period report page: a reversed range is a field error on the form; Excel and PDF downloads."""
from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.web.conftest import text
from tests.web.flows import granted


def test_reversed_range_shows_the_error_on_the_form(login):
    c = login("supervisor")
    response = c.get("/supervisor/report?from=2026-03-05&to=2026-03-01")
    page = text(response)
    assert response.status_code == 422 and 'id="to-error"' in page and "结束日期不能早于开始日期" in page
    assert 'value="2026-03-05"' in page and 'aria-invalid="true"' in page
    assert c.get("/supervisor/report.xlsx?from=2026-03-05&to=2026-03-01").status_code == 422


def test_excel_and_pdf_downloads(db, people, login):
    granted(db, people)
    c = login("supervisor")
    xlsx = c.get("/supervisor/report.xlsx?from=2020-01-01&to=2099-12-31")
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(values_only=True))
    assert rows[0][0] == "事项" and rows[-1][0] == "合计" and rows[-1][1] == 1
    pdf = c.get("/supervisor/report.pdf?from=2020-01-01&to=2099-12-31")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert login("reviewer1").get("/supervisor/report.pdf").status_code == 403
