"""Download every document listed on a case page as PDF, through the browser's own session, and read
it back: each must name the case, the enterprise and its date (the targets of issue 13)."""
from __future__ import annotations

import io
import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

from pypdf import PdfReader

from tests.helpers import ORG_A
from workflow.documents.pdf import chinese_date

# One PNG render per kind goes to the folder this names, when set (for a reviewer's eyes; never committed).
RENDERS = os.environ.get("DOCUMENT_RENDERS")


def check_documents(applicant, case_id: int, case_number: str) -> list[str]:
    """The kinds of the case's documents, each downloaded and read (dated as the case page lists it,
    the delivery receipt with the last document); one PNG render per kind when
    ``pdftoppm`` is installed and ``DOCUMENT_RENDERS`` names a folder."""
    page = applicant.go(f"/cases/{case_id}")
    items = page.locator("#documents li")
    days = [date.fromisoformat(d) for d in items.locator("small").all_inner_texts()]
    kinds = []
    for i in range(items.count()):
        link, dated = items.nth(i).locator("a"), items.nth(i).locator("small")
        kind, href = link.get_attribute("data-kind"), link.get_attribute("href")
        day = date.fromisoformat(dated.inner_text()) if dated.count() else max(days)   # the receipt: the last
        response = page.request.get(applicant.url + href)
        assert response.status == 200 and response.headers["content-type"] == "application/pdf", (kind, href)
        assert "filename*=UTF-8''" in response.headers["content-disposition"]
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages).replace("\n", "")
        assert case_number in text and ORG_A[1] in text and chinese_date(day) in text, (kind, text[:300])
        _render(kind, response.body())
        kinds.append(kind)
    return kinds


def _render(kind: str, pdf: bytes) -> None:
    if shutil.which("pdftoppm") is None or not RENDERS:
        return
    folder = Path(RENDERS)
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / f"{kind}.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", str(source), str(folder / kind)], check=True)
    source.unlink()
