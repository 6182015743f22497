"""The message centre page: unread count in the header, the list, mark read, mark all read."""
from __future__ import annotations

import re

from sqlalchemy import select

from tests.helpers import open_tasks
from tests.web.conftest import text
from tests.web.flows import accepted_food_licence, granted_food_licence
from workflow.storage.models import Notification


def unread_badge(html: str) -> str | None:
    match = re.search(r'id="unread-count"[^>]*>(\d+)<', html)
    return match.group(1) if match else None


def test_applicant_reads_notices_from_the_header(db, people, login):
    case = granted_food_licence(db, people)
    qiye = login("applicant_a")
    home = text(qiye.get("/messages"))
    assert unread_badge(home) == "3"                  # accepted, decision, certificate
    assert "已受理" in home and "准予许可" in home and "证书已制发" in home and case.number in home
    with db.reading() as s:
        first = s.scalars(select(Notification).where(Notification.user_id == people["applicant_a"].id)
                          .order_by(Notification.id)).first()
    opened = qiye.post(f"/messages/{first.id}/read", data={"open": "1"})
    assert opened.status_code == 302 and opened.headers["Location"].endswith(f"/cases/{case.id}")
    assert unread_badge(text(qiye.get("/messages"))) == "2"
    assert "已受理" not in text(qiye.get("/messages?unread=1"))
    assert qiye.post("/messages/read-all").status_code == 302
    page = text(qiye.get("/messages"))
    assert unread_badge(page) is None and "全部标为已读" not in page


def test_nobody_marks_another_persons_notice(db, people, login):
    accepted_food_licence(db, people)
    with db.reading() as s:
        theirs = s.scalars(select(Notification.id).where(Notification.user_id == people["applicant_a"].id)).first()
    assert login("applicant_b").post(f"/messages/{theirs}/read").status_code == 404
    assert "已受理" not in text(login("applicant_b").get("/messages"))
    with db.reading() as s:
        assert s.get(Notification, theirs).read_at is None


def test_staff_see_a_reminder_and_open_its_task(db, people, login):
    case = accepted_food_licence(db, people)
    super_ = login("supervisor")
    review = open_tasks(db, case.id)[0]
    assert super_.post(f"/tasks/{review.id}/urge", data={"message": "请今天办结"}).status_code == 302
    reviewer = login("food_reviewer")
    inbox = text(reviewer.get("/inbox"))
    assert unread_badge(inbox) == "1" and "请今天办结" in inbox
    with db.reading() as s:
        note = s.scalars(select(Notification).where(Notification.user_id == people["food_reviewer"].id)).one()
    assert reviewer.post(f"/messages/{note.id}/read", data={"open": "1"}).headers["Location"].endswith(
        f"/tasks/{review.id}")


def test_anonymous_visitors_are_sent_to_log_in(client):
    assert client.get("/messages").status_code == 302
    assert client.post("/messages/read-all").status_code in (302, 401)
