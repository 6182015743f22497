"""The period report as the bureaus file it: CSV, Excel (openpyxl) and PDF, one table for all three.

Cells a spreadsheet would run as a formula (text starting with = + - @, or a tab or carriage
return) are written with a leading apostrophe: a matter title or a name typed into the system
must never become a formula on a supervisor's machine (CSV/formula injection).
"""
from __future__ import annotations

import io
from collections.abc import Callable

from openpyxl import Workbook
from openpyxl.styles import Font

from workflow.documents import office, pdf
from workflow.services.exports import csv_document, neutralise
from workflow.services.reports import MatterRow, PeriodReport
from workflow.storage.db import Database, utcnow
from workflow.timekeeping.workdays import local_date

COLUMNS = ("matter", "received", "in_progress", "correction", "completed", "granted", "not_granted",
           "withdrawn", "overdue_open", "on_time_rate", "completion_rate", "satisfaction_rate", "ratings",
           "median_days", "p90_days", "items", "certificates")
HEADER_ZH = ("事项", "收件", "办理中", "补正中", "办结", "准予", "不予", "撤回", "超期在办", "按时办结率",
             "办结率", "满意率", "评价数", "办理时长中位数(天)", "办理时长P90(天)", "办理量(证/台/辆)", "发证数")
Title = Callable[[str], str]


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


def _num(value: float | None) -> float | str:
    return "" if value is None else round(value, 2)


def _line(row: MatterRow, title: Title) -> list:
    t = row.time
    return [title(row.matter), row.received, row.in_progress, row.correction, row.completed, row.granted,
            row.not_granted, row.withdrawn, row.overdue_open, _pct(row.on_time_rate), _pct(row.completion_rate),
            _pct(row.satisfaction_rate), row.ratings, _num(t.median), _num(t.p90), row.items, row.certificates]


def table(report: PeriodReport, title: Title = lambda code: code, header=None) -> list[list]:
    """Header, one line per matter, the total over cases last; every cell neutralised."""
    lines = [list(header or COLUMNS)] + [_line(r, title) for r in [*report.rows, report.total]]
    return [[neutralise(cell) for cell in line] for line in lines]


def to_csv(report: PeriodReport, title: Title = lambda code: code, header=None) -> str:
    """The one CSV writer (``exports.csv_document``): UTF-8 with BOM, formulas neutralised."""
    header_line, *lines = table(report, title, header)
    return csv_document(header_line, lines)


def to_xlsx(report: PeriodReport, title: Title = lambda code: code, header=None) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = f"{report.date_from:%Y%m%d}-{report.date_to:%Y%m%d}"
    for line in table(report, title, header):
        sheet.append(line)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.column_dimensions["A"].width = 32
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_pdf(db: Database, report: PeriodReport, title: Title = lambda code: code, header=None) -> bytes:
    """The table on landscape A4 under the issuing authority's name, dated today."""
    with db.reading() as session:
        authority = office.load(session).authority
    doc = pdf.Document("report", "行政许可统计报表", f"统计期间：{report.date_from} 至 {report.date_to}",
                       local_date(utcnow()), authority, landscape=True,
                       table=[[str(c) for c in line] for line in table(report, title, header)])
    return pdf.render(doc)
