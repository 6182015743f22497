"""The case page's own forms (rating, upload, extension decision, withdrawal, answer to a bad rating):
bad input answers the case page again (422) with the error beside the field of the form that was
sent and what was typed still in it, never a bare error page; nothing is written."""
from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from tests.helpers import open_tasks
from tests.web.conftest import text
from tests.web.flows import accepted_food_licence, granted, submit
from workflow.services import cases, tasks
from workflow.storage.models import Attachment, Case, ClockSegment, Rating

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def form(page: str, form_id: str) -> str:
    """The HTML of the page's form with this id (the case page the user was on)."""
    found = re.search(rf'<form[^>]*\bid="{form_id}".*?</form>', page, re.S)
    assert found, f"no form {form_id} on the page: {page[:300]}"
    return found.group(0)


def field_error(html: str, name: str) -> str:
    """The error shown beside the control called ``name`` (inside its ``.field``)."""
    found = re.search(rf'<(?:div|span) class="field has-error[^"]*">(?:(?!</(?:div|span)>).)*?name="{name}".*?'
                      rf'<p class="field-error"[^>]*>([^<]+)</p>', html, re.S)
    assert found, f"no error beside {name}: {html}"
    return found.group(1)


def count(db, model) -> int:
    with db.reading() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_a_bad_rating_keeps_the_case_page_and_the_comment(db, people, login):
    case = granted(db, people)
    c = login("applicant_a")
    response = c.post(f"/my/cases/{case.id}/rate", data={"level": "2", "comment": "  ", "matter": "bench"})
    assert response.status_code == 422
    page = text(response)
    assert case.number in page and "error-page" not in page
    rate = form(page, "rate-bench")
    assert field_error(rate, "comment") == "请告诉我们哪里做得不好。"
    assert re.search(r'value="2"[^>]*checked', rate)                  # the level chosen stays chosen
    long = "慢" * 1001
    page = text(c.post(f"/my/cases/{case.id}/rate", data={"level": "1", "comment": long, "matter": "bench"}))
    rate = form(page, "rate-bench")
    assert field_error(rate, "comment") == "长度不能超过 1000。" and f">{long}</textarea>" in rate
    assert count(db, Rating) == 0
    assert c.post(f"/my/cases/{case.id}/rate", data={"level": "1", "comment": "窗口无人", "matter": "bench"}
                  ).status_code == 302


def test_a_bad_upload_keeps_the_case_page(db, people, login):
    case = submit(db, people)
    c = login("applicant_a")
    posts = {"wrong type": ((io.BytesIO(b"MZ\x90\x00 not a pdf"), "a.exe"), "仅接受 PDF、JPG、PNG 或 OFD 文件。"),
             "empty": ((io.BytesIO(b""), "empty.pdf"), "文件为空。"),
             "no file": (None, "文件为空。"),
             "too large": ((io.BytesIO(PNG + b"0" * (10 * 1024 * 1024)), "big.png"), "文件过大：不得超过 10 MiB。")}
    for what, (file, message) in posts.items():
        data = {"kind": "other", **({"file": file} if file else {})}
        response = c.post(f"/cases/{case.id}/attachments", data=data, content_type="multipart/form-data")
        assert response.status_code == 422, what
        page = text(response)
        assert case.number in page and "error-page" not in page, what
        upload = form(page, "upload")
        assert field_error(upload, "file") == message, what
        assert re.search(r'<option value="other"[^>]*selected', upload), what    # the material chosen stays
    assert count(db, Attachment) == 0
    beyond = c.post(f"/cases/{case.id}/attachments", content_type="multipart/form-data",
                    data={"kind": "other", "file": (io.BytesIO(PNG + b"0" * (13 * 1024 * 1024)), "huge.png")})
    assert beyond.status_code == 413                       # beyond the request limit, refused before the view
    page = text(beyond)
    assert case.number in page and "error-page" not in page
    assert field_error(form(page, "upload"), "file") == "文件过大：不得超过 10 MiB。"
    hidden = login("applicant_b").post(f"/cases/{case.id}/attachments", content_type="multipart/form-data",
                                       data={"kind": "other", "file": (io.BytesIO(b"0" * (13 * 1024 * 1024)), "x")})
    assert hidden.status_code == 404 and case.number not in text(hidden)
    assert count(db, Attachment) == 0


def test_a_bad_extension_decision_keeps_the_case_page(db, people, login):
    case = accepted_food_licence(db, people)
    review = open_tasks(db, case.id)[0]
    tasks.claim(db, people["food_reviewer"], review.id)
    from workflow.services import clock
    clock.request_extension(db, people["food_reviewer"], review.id, 5, "情况复杂")
    with db.reading() as s:
        segment = s.scalars(select(ClockSegment).where(ClockSegment.kind == "extension")).one()
    ap = login("food_approver")
    long = "理" * 2001
    response = ap.post(f"/extensions/{segment.id}/decide", data={"approve": "1", "opinion": long})
    assert response.status_code == 422
    page = text(response)
    assert case.number in page and "error-page" not in page
    decide = form(page, f"decide-{segment.id}")
    assert field_error(decide, "opinion") == "长度不能超过 2000。" and f'value="{long}"' in decide
    with db.reading() as s:
        assert s.get(ClockSegment, segment.id).status == "requested" and s.get(Case, case.id).extended_days == 0


def test_a_bad_withdrawal_and_a_bad_answer_keep_the_case_page(db, people, login):
    case = submit(db, people)
    c = login("applicant_a")
    long = "因" * 2001
    response = c.post(f"/my/cases/{case.id}/withdraw", data={"reason": long})
    assert response.status_code == 422
    withdraw = form(text(response), "withdraw-form")
    assert field_error(withdraw, "reason") == "长度不能超过 2000。" and f'value="{long}"' in withdraw
    with db.reading() as s:
        assert s.get(Case, case.id).status != "withdrawn"

    rated = granted(db, people)
    rating = cases.rate(db, people["applicant_a"], rated.id, 1, "窗口无人", "bench")
    response = login("supervisor").post(f"/supervisor/cases/{rated.id}/rating_reply",
                                        data={"rating_id": rating.id, "reply": " "})
    assert response.status_code == 422
    reply = form(text(response), f"reply-form-{rating.id}")
    assert field_error(reply, "reply") == "请填写答复（不超过 2000 字）。"
    with db.reading() as s:
        assert s.get(Rating, rating.id).reply is None
