"""Delivering the outbox: e-mail through SMTP, SMS through a sender, with retries.

A message is claimed in one short transaction (its next attempt pushed past a lease, so a
second worker skips it even on SQLite), sent outside any transaction, and marked sent or
rescheduled in another: a slow or dead mail server never holds a lock the office needs.
A worker that dies mid-send leaves the message to be retried when its lease ends, so a
message may, rarely, arrive twice; it is never lost.
"""
from __future__ import annotations

import logging
import smtplib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from typing import Protocol

from sqlalchemy import select

from workflow.storage.db import Database, utcnow
from workflow.storage.models import OutboxMessage

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
LEASE = timedelta(minutes=5)


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8, 16 minutes after the 1st … 5th failure; then the message is marked failed."""
    return timedelta(minutes=2 ** (attempts - 1))


class Sender(Protocol):
    def send(self, address: str, subject: str, body: str) -> None:
        """Deliver or raise; any exception counts as a failed attempt."""


@dataclass(frozen=True)
class SmtpSender:
    """E-mail through the bureau's SMTP relay (STARTTLS and login when configured)."""
    host: str
    port: int = 25
    sender: str = "noreply@localhost"
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 10.0

    def send(self, address: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, address, subject
        message.set_content(body)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.user:
                smtp.login(self.user, self.password or "")
            smtp.send_message(message)


class LogSmsSender:
    """The default SMS sender: writes the message to the log. A bureau plugs in its SMS gateway
    by passing another :class:`Sender` for ``sms``."""

    def send(self, address: str, subject: str, body: str) -> None:
        log.info("SMS to %s: %s", address, body)


def senders_from_env(env: Mapping[str, str]) -> dict[str, Sender]:
    """SMS always (logging by default); e-mail only when ``SMTP_HOST`` is set, else e-mails wait."""
    found: dict[str, Sender] = {"sms": LogSmsSender()}
    if env.get("SMTP_HOST"):
        found["email"] = SmtpSender(
            host=env["SMTP_HOST"], port=int(env.get("SMTP_PORT") or 25),
            sender=env.get("SMTP_FROM") or "noreply@localhost", user=env.get("SMTP_USER") or None,
            password=env.get("SMTP_PASSWORD") or None, starttls=env.get("SMTP_STARTTLS") == "1")
    return found


@dataclass
class Delivery:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def _claim(db: Database, channels: list[str], batch: int) -> list[OutboxMessage]:
    now = utcnow()
    with db.transaction() as session:
        rows = list(session.scalars(
            select(OutboxMessage).where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now,
                                        OutboxMessage.channel.in_(channels))
            .order_by(OutboxMessage.id).limit(batch).with_for_update(skip_locked=True)))
        for row in rows:
            row.attempts += 1
            row.next_attempt_at = now + LEASE
        session.flush()
        session.expunge_all()
        return rows


def _settle(db: Database, message_id: int, error: str | None) -> str:
    with db.transaction() as session:
        row = session.get(OutboxMessage, message_id)
        now = utcnow()
        if error is None:
            row.status, row.sent_at, row.last_error = "sent", now, None
        elif row.attempts >= MAX_ATTEMPTS:
            row.status, row.last_error = "failed", error
        else:
            row.next_attempt_at, row.last_error = now + backoff(row.attempts), error
        return row.status if error is None or row.status == "failed" else "retry"


def deliver_due(db: Database, senders: Mapping[str, Sender], batch: int = 100) -> Delivery:
    """Send every due message of the channels that have a sender; one pass."""
    result = Delivery()
    for message in _claim(db, sorted(senders), batch):
        try:
            senders[message.channel].send(message.address, message.subject, message.body)
            error = None
        except Exception as exc:   # noqa: BLE001 - any failure of a sender is a failed attempt, retried
            error = f"{type(exc).__name__}: {exc}"[:2000]
            result.errors.append(error)
        outcome = _settle(db, message.id, error)
        result.sent += outcome == "sent"
        result.retried += outcome == "retry"
        result.failed += outcome == "failed"
    return result
