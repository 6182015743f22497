"""Documents as PDF on the case page, the PNG certificate's Chinese file name, the public progress
lookup (办件查询) and the office settings page, through the Flask test client."""
from __future__ import annotations

import io
import re
from urllib.parse import quote

from tests.helpers import ORG_A, pdf_text
from tests.web.conftest import make_app, pdf_links, text
from tests.web.flows import accepted_food_licence, granted_food_licence
from workflow.domain import certificates
from workflow.domain.matters import MATTERS
from workflow.services import documents
from workflow.storage.db import utcnow
from workflow.storage.models import Case, Certificate


def test_case_page_lists_every_document_and_each_answers_pdf(db, people, login):
    case = granted_food_licence(db, people)
    c = login("applicant_a")
    links = list(pdf_links(text(c.get(f"/cases/{case.id}"))).values())
    assert len(links) == 4           # acceptance, grant, certificate, delivery receipt
    for link in links:
        response = c.get(link)
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
        body = pdf_text(response.data)
        assert case.number in body and ORG_A[1] in body
    assert login("applicant_b").get(links[0]).status_code == 404
    assert login("food_reviewer").get(links[0]).status_code == 200
    assert c.get(f"/cases/{case.id}/pdf/grant-0.pdf").status_code == 404


def test_png_certificate_with_a_chinese_number_downloads(db, people, login):
    case = accepted_food_licence(db, people)
    with db.transaction() as s:
        cert = certificates.issue(s, s.get(Case, case.id), MATTERS["industrial_license"], utcnow(), "电线电缆",
                                  item={"industry_code": "06", "product_code": "001"})
        number, cert_id = cert.number, cert.id
    assert number.startswith("(闽)XK")
    response = login("applicant_a").get(f"/certificates/{cert_id}.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert f"filename*=UTF-8''{quote(number + '.png')}" in response.headers["Content-Disposition"]


def test_progress_lookup_needs_the_code_and_shows_nothing_else(db, people, app, login):
    case = granted_food_licence(db, people)
    with db.reading() as s:
        code = s.get(Case, case.id).query_code
    c = app.test_client()
    assert c.get("/progress").status_code == 200
    found = c.post("/progress", data={"number": case.number, "code": code.lower()})
    page = text(found)
    assert found.status_code == 200 and "准予行政许可决定书" in page and "食品生产许可证" in page
    assert ORG_A[1] not in page and ORG_A[0] not in page and "food_approver" not in page
    wrong = c.post("/progress", data={"number": case.number, "code": "WRONGCOD"})
    unknown = c.post("/progress", data={"number": "SL2099-999999", "code": code})
    assert wrong.status_code == unknown.status_code == 404
    a, b = (_without_tokens(text(r)).replace(n, "N") for r, n in ((wrong, case.number), (unknown, "SL2099-999999")))
    assert a == b, [(x, y) for x, y in zip(a.splitlines(), b.splitlines()) if x != y]


def test_progress_lookup_in_english_names_the_step_and_documents_in_english(db, people, app):
    """Walking the public lookup in English showed the current step and the documents in Chinese
    (材料审查, 受理通知书), while the applicant's own case page names them in English."""
    case = accepted_food_licence(db, people)
    with db.reading() as s:
        code = s.get(Case, case.id).query_code
    c = app.test_client()
    c.post("/lang/en")
    page = text(c.post("/progress", data={"number": case.number, "code": code}))
    assert "Document review" in page and "Notice of acceptance" in page, page
    assert "材料审查" not in page and "受理通知书" not in page


def _without_tokens(page: str) -> str:
    """CSRF tokens carry their time to the second; the answer is otherwise the same page."""
    return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token"', page)


def test_progress_lookup_is_throttled(db, tmp_path):
    app = make_app(db, tmp_path, PROGRESS_RATE_LIMIT="3 per minute")
    c = app.test_client()
    codes = [c.post("/progress", data={"number": "SL2026-000001", "code": "X"}).status_code for _ in range(4)]
    assert codes == [404, 404, 404, 429]


def test_guide_pages_have_apply_online(client):
    page = text(client.get("/guide/food_license"))
    assert "在线申报" in page and "/my/cases/new?matters=food_license" in page and 'href="/progress"' in page
    assert 'href="/progress"' in text(client.get("/?home=1"))
    guide = text(client.get("/guide"))
    assert guide.count("在线申报") >= 7 and "/my/cases/new?matters=cng_cylinder" in guide


def test_admin_sets_the_authority_and_seal(db, people, login):
    admin = login("admin")
    assert admin.get("/admin/office").status_code == 200
    bad = admin.post("/admin/office", data={"authority": "", "seal": (io.BytesIO(b"GIF89a"), "seal.gif")},
                     content_type="multipart/form-data")
    assert bad.status_code == 422 and 'id="authority-error"' in text(bad) and 'id="seal-error"' in text(bad)
    long = admin.post("/admin/office", data={"authority": "局", "number_prefix": "字" * 21})
    assert long.status_code == 422 and "长度不能超过 20。" in text(long) and "Longer than" not in text(long)
    ok = admin.post("/admin/office", data={"authority": "福州市鼓楼区市场监督管理局", "phone": "0591-1"},
                    content_type="multipart/form-data")
    assert ok.status_code == 302
    assert documents.office_settings(db, people["admin"]).authority == "福州市鼓楼区市场监督管理局"
    assert login("applicant_a").get("/admin/office").status_code in (302, 403)


def test_certificate_page_names_the_issuing_authority(db, people, login):
    documents.set_office(db, people["admin"], {"authority": "福州市鼓楼区市场监督管理局"})
    case = granted_food_licence(db, people)
    with db.reading() as s:
        cert_id = s.query(Certificate.id).filter(Certificate.case_id == case.id).scalar()
    page = text(login("applicant_a").get(f"/certificates/{cert_id}"))
    assert '<p class="issuer">福州市鼓楼区市场监督管理局</p>' in page
