"""Everyone sets their own e-mail address and mobile number (where notices are copied): validated,
audited (which fields, not the addresses), and the next notice is copied there."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.helpers import PASSWORD
from tests.web.flows import accepted_food_licence
from workflow.errors import ValidationError
from workflow.services import accounts
from workflow.storage.models import AuditEvent, OutboxMessage, User


def stored(db, user_id: int) -> tuple[str | None, str | None]:
    with db.reading() as s:
        user = s.get(User, user_id)
        return user.email, user.phone


def contact_events(db) -> list[dict]:
    with db.reading() as s:
        return [e.data for e in s.scalars(select(AuditEvent).where(AuditEvent.action == "contact_changed")
                                          .order_by(AuditEvent.seq))]


@pytest.mark.parametrize("email, phone, bad", [
    ("not-an-address", "13800138000", {"email"}),
    ("a@b", "13800138000", {"email"}),
    ("qiye@example.cn", "12800138000", {"phone"}),          # 1[3-9]: no 12…
    ("qiye@example.cn", "1380013800", {"phone"}),           # 10 digits
    ("qiye@example.cn", "0591-87654321", {"phone"}),        # a landline gets no SMS
    ("x" * 250 + "@example.cn", "138001380001", {"email", "phone"}),
    (5, ["13800138000"], {"email", "phone"}),                # not text at all (the API's JSON)
])
def test_bad_contact_is_a_field_error_and_changes_nothing(db, people, email, phone, bad):
    who = people["applicant_a"]
    with pytest.raises(ValidationError) as refused:
        accounts.update_own_contact(db, who, email, phone)
    assert set(refused.value.fields) == bad
    assert stored(db, who.id) == (None, None) and contact_events(db) == []


def test_own_contact_is_saved_audited_and_used_for_notices(db, people):
    who = people["applicant_a"]
    accounts.update_own_contact(db, who, "  qiye@example.cn ", "138 0013-8000")
    assert stored(db, who.id) == ("qiye@example.cn", "13800138000")
    assert contact_events(db) == [{"user_id": who.id, "fields": ["email", "phone"]}]
    accounts.update_own_contact(db, who, "qiye@example.cn", "13800138000")     # the same again: nothing to record
    assert len(contact_events(db)) == 1
    accepted_food_licence(db, people)                                         # the acceptance notice (Art. 32)
    with db.reading() as s:
        sent = {(m.channel, m.address) for m in s.scalars(select(OutboxMessage))}
    assert ("email", "qiye@example.cn") in sent and ("sms", "13800138000") in sent
    accounts.update_own_contact(db, who, "", None)                            # empty clears: no more copies
    assert stored(db, who.id) == (None, None)
    assert contact_events(db)[-1] == {"user_id": who.id, "fields": ["email", "phone"]}


def test_staff_set_their_own_contact_too(db, people):
    accounts.update_own_contact(db, people["food_reviewer"], "shencha@scjg.gov.cn", None)
    assert stored(db, people["food_reviewer"].id) == ("shencha@scjg.gov.cn", None)


def test_own_account_commands_lock_the_user_row_on_every_backend(db, people):
    """The user row is locked with its organisation joined; PostgreSQL refused FOR UPDATE over the
    outer join, so logging out, a password change and deactivation failed there."""
    from workflow.services import users
    from workflow.storage.models import ApiToken
    applicant = people["applicant_a"]
    users.issue_token(db, applicant.id)
    users.log_out(db, applicant)
    users.change_password(db, applicant, PASSWORD, "青山-tiger-窗口-2026")
    accounts.set_active(db, people["admin"], people["applicant_b"].id, False)
    with db.reading() as s:
        assert s.get(User, people["applicant_b"].id).active is False
        assert s.get(User, applicant.id).session_epoch == 2
        assert all(t.revoked_at is not None for t in s.scalars(select(ApiToken).where(ApiToken.user_id == applicant.id)))


def test_a_deactivated_reviewers_claimed_steps_go_back_to_the_queue(db, people):
    """A reviewer who held a claimed step left (account disabled): nobody could claim, transfer or
    complete it, and the case waited for ever. Deactivation puts the step back in the queue."""
    from workflow.services import cases, tasks
    from workflow.storage.models import HumanTask
    case = cases.submit(db, people["applicant_a"], ["bench"], {})
    with db.reading() as s:
        task = s.scalars(select(HumanTask).where(HumanTask.case_id == case.id)).one()
    tasks.claim(db, people["reviewer1"], task.id)
    accounts.set_active(db, people["admin"], people["reviewer1"].id, False)
    with db.reading() as s:
        row = s.get(HumanTask, task.id)
        assert (row.assignee_id, row.claimed_at) == (None, None)
        released = s.scalars(select(AuditEvent).where(AuditEvent.case_id == case.id,
                                                      AuditEvent.action == "unclaim")).one()
        assert released.actor_id == people["admin"].id
    tasks.claim(db, people["reviewer2"], task.id)
    with db.reading() as s:
        assert s.get(HumanTask, task.id).assignee_id == people["reviewer2"].id
