"""The case read model's `documents`: each URL answers application/pdf to whoever may open the case."""
from __future__ import annotations

import io

from pypdf import PdfReader

from tests.helpers import ORG_A
from tests.web.flows import granted_food_licence


def test_documents_listed_and_served_as_pdf(db, api, people):
    case = granted_food_licence(db, people)
    detail = api.get(f"/api/v1/cases/{case.id}", as_="applicant_a").get_json()
    assert [d["kind"] for d in detail["documents"]] == ["acceptance", "grant", "certificate", "delivery"]
    assert [d["title"] for d in detail["documents"]][:2] == ["受理通知书", "准予行政许可决定书"]
    for doc in detail["documents"]:
        response = api.get(doc["url"], as_="applicant_a")
        assert response.status_code == 200 and response.mimetype == "application/pdf", doc
        assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
        body = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
        assert case.number in body and ORG_A[1] in body
    first = detail["documents"][0]["url"]
    other = api.get(first, as_="applicant_b")
    assert other.status_code == 404 and other.get_json()["error"]["code"] == "not_found"
    assert api.get(first).status_code == 401
    assert api.get(first, as_="food_reviewer").status_code == 200
