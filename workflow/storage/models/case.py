"""The applicant-facing side: cases (办件), attachments, certificates, notices, ratings."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.storage.db import Base, UTCDateTime, utcnow


RUNNING_CONDITION = "status NOT IN ('completed', 'withdrawn')"


class Case(Base):
    """One filing; it may carry several matters, each run by its own process instance."""
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_org", "organisation_id", "created_at"),
        Index("ix_cases_status_light", "status", "light", "decision_due_at"),
        Index("ix_cases_created", "created_at"),
        Index("ix_cases_applicant_id", "applicant_id"),
        # Running cases only (a few thousand at any time): the reports' live overdue figures.
        Index("ix_cases_running", "created_at", postgresql_where=text(RUNNING_CONDITION),
              sqlite_where=text(RUNNING_CONDITION)),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    applicant_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(200))
    matters: Mapped[list] = mapped_column(JSON)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(24), default="submitted", index=True)
    outcome: Mapped[str | None] = mapped_column(String(24))
    green_channel: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    materials_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deemed_accepted: Mapped[bool] = mapped_column(default=False)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acceptance_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    committed_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    certificate_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    yellow_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    clock_date: Mapped[date | None] = mapped_column(Date)
    on_time: Mapped[bool | None]
    limit_days: Mapped[int | None]
    extended_days: Mapped[int] = mapped_column(default=0)
    used_days: Mapped[int] = mapped_column(default=0)
    remaining_days: Mapped[int | None]
    light: Mapped[str] = mapped_column(String(8), default="green", index=True)
    suspended: Mapped[bool] = mapped_column(default=False)
    renewal_of: Mapped[str | None] = mapped_column(String(40))
    query_code: Mapped[str | None] = mapped_column(String(16))


class Attachment(Base):
    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(400))
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Certificate(Base):
    """A license or registration certificate; the token makes the public QR link unguessable."""
    __tablename__ = "certificates"
    __table_args__ = (Index("ix_certificates_issued", "issued_on"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    matter_code: Mapped[str] = mapped_column(String(32))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    holder: Mapped[str] = mapped_column(String(200))
    holder_code: Mapped[str] = mapped_column(String(18))
    scope: Mapped[str] = mapped_column(Text)
    issued_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    reissued_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="valid")
    details: Mapped[dict] = mapped_column(JSON, default=dict)


class Counter(Base):
    """Named serial counters (certificate serials, case numbers), incremented under a row lock."""
    __tablename__ = "counters"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


class Notification(Base):
    """Copy-to (抄送), urge (催办) and applicant notices."""
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user", "user_id", "read_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("human_tasks.id"))
    kind: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text)
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OutboxMessage(Base):
    """A notice to send by e-mail or SMS, written in the transaction of the event it reports.

    The delivery worker claims due rows (``SKIP LOCKED``), sends, and marks them sent, or
    schedules a retry with backoff until ``attempts`` reaches the limit and marks them failed.
    """
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id"))
    channel: Mapped[str] = mapped_column(String(8))          # email | sms
    address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(8), default="pending")   # pending | sent | failed
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    notification: Mapped[Notification | None] = relationship()


class Rating(Base):
    """好差评 (GB/T 39734-2020): one per matter of a case, 5 = 非常满意 … 1 = 非常不满意.

    A bad rating (1 or 2) is a rectification the supervisor answers (``reply``); the reply
    reaches the applicant.
    """
    __tablename__ = "ratings"
    __table_args__ = (UniqueConstraint("case_id", "matter_code", name="uq_ratings_case_matter"),
                      Index("ix_ratings_open", "replied_at", "level"), Index("ix_ratings_rated", "rated_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", name="fk_ratings_case"))
    matter_code: Mapped[str] = mapped_column(String(32))
    level: Mapped[int]
    comment: Mapped[str | None] = mapped_column(Text)
    rated_by: Mapped[int] = mapped_column(ForeignKey("users.id", name="fk_ratings_rated_by"))
    rated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reply: Mapped[str | None] = mapped_column(Text)
    replied_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", name="fk_ratings_replied_by"))
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OfficeSetting(Base):
    """One office-wide setting an administrator keeps (the authority's full name, the seal image)."""
    __tablename__ = "office_settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str | None] = mapped_column(Text)
    blob: Mapped[bytes | None] = mapped_column(LargeBinary)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FilingKey(Base):
    """An ``Idempotency-Key`` (API) or one-time form token (web) of a filing: a retried submission
    with the same key from the same user returns the case the first one created."""
    __tablename__ = "filing_keys"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_filing_keys_user_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(210))
    request_hash: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
