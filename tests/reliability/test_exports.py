"""CSV exports neutralise formulas (defect 9): one writer for every export."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from tests.web.flows import granted
from workflow.services import cases
from workflow.services.exports import csv_document, neutralise

ROOT = Path(__file__).resolve().parents[2]
ATTACK = "=cmd|' /C calc'!A0"


@pytest.mark.parametrize("cell", [ATTACK, "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_formula_text_gets_a_leading_apostrophe(cell):
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["材料齐全", "a=b", "", -5, 3.5, None])
def test_plain_text_and_numbers_are_unchanged(cell):
    assert neutralise(cell) == cell


def _rows(body: str) -> list[list[str]]:
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def test_csv_document_neutralises_header_and_cells():
    rows = _rows(csv_document(["=h"], [[ATTACK], [7]]))
    assert rows == [["'=h"], ["'" + ATTACK], ["7"]]


def test_a_rating_comment_cannot_run_in_the_audit_export(db, people, login):
    case = granted(db, people)
    cases.rate(db, people["applicant_a"], case.id, 1, ATTACK)
    response = login("auditor").get(f"/audit/cases/{case.id}.csv")
    assert response.status_code == 200
    cells = [cell for row in _rows(response.get_data(as_text=True)) for cell in row]
    assert "'" + ATTACK in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)


def test_no_export_writes_csv_but_through_csv_document():
    """A second CSV writer would be a second place to forget the rule."""
    writers = [p.relative_to(ROOT) for folder in ("workflow", "webapp") for p in (ROOT / folder).rglob("*.py")
               if "csv.writer(" in p.read_text(encoding="utf-8")]
    assert writers == [Path("workflow/services/exports.py")]
