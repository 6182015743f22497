"""The delivery worker against a real SMTP server (aiosmtpd on a free port): sent, retried, failed."""
from __future__ import annotations

import socket
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlalchemy import select

from tests.flows.test_industrial import PLAIN
from tests.flows.test_notifications import give_addresses
from workflow.cli import main as cli_main
from workflow.services.notifications import outbox
from workflow.storage.models import OutboxMessage


class Mailbox:
    """An aiosmtpd handler that keeps what it receives, after refusing the first ``busy`` messages."""

    def __init__(self) -> None:
        self.messages, self.busy = [], 0

    async def handle_DATA(self, server, session, envelope):
        if self.busy:
            self.busy -= 1
            return "451 4.3.0 Mailbox busy, try later"
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    mailbox = Mailbox()

    def authenticate(server, session, envelope, mechanism, auth_data):
        return AuthResult(success=(auth_data.login, auth_data.password) == (b"bureau", b"s3cret"))

    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port(), authenticator=authenticate,
                            auth_require_tls=False)
    controller.start()
    yield controller, mailbox
    controller.stop()


def accepted_case(bureau):
    give_addresses(bureau, "applicant_a", "qiye@example.cn", "13800000000")
    case = bureau.file(["industrial_license"], PLAIN)
    bureau.accept(case.id)
    return case


def rows(bureau) -> list[OutboxMessage]:
    with bureau.db.reading() as s:
        return list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_email_reaches_the_smtp_server_and_sms_the_log(bureau, smtp_server, caplog):
    controller, mailbox = smtp_server
    case = accepted_case(bureau)
    senders = outbox.senders_from_env({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(controller.port),
                                       "SMTP_FROM": "xuke@scjg.example.cn", "SMTP_USER": "bureau",
                                       "SMTP_PASSWORD": "s3cret"})
    with caplog.at_level("INFO", logger=outbox.__name__):
        result = outbox.deliver_due(bureau.db, senders)
    assert (result.sent, result.retried, result.failed) == (2, 0, 0)
    [(recipients, message)] = mailbox.messages
    assert recipients == ["qiye@example.cn"] and message["From"] == "xuke@scjg.example.cn"
    assert case.number in message["Subject"] and "已受理" in message.get_content()
    assert any("13800000000" in r.getMessage() and case.number in r.getMessage() for r in caplog.records)
    assert {(m.status, m.attempts) for m in rows(bureau)} == {("sent", 1)}
    assert outbox.deliver_due(bureau.db, senders).sent == 0          # nothing is sent twice


def test_without_smtp_settings_email_waits(bureau):
    accepted_case(bureau)
    result = outbox.deliver_due(bureau.db, outbox.senders_from_env({}))
    assert result.sent == 1                                          # the SMS
    assert [(m.channel, m.status) for m in rows(bureau)] == [("email", "pending"), ("sms", "sent")]


def retry_due(bureau, senders, attempts: int) -> outbox.Delivery:
    """Let each backoff pass, then run the worker, for attempts 2 … ``attempts``."""
    for attempt in range(2, attempts + 1):
        bureau.clock.advance(outbox.backoff(attempt - 1) + timedelta(seconds=1))
        result = outbox.deliver_due(bureau.db, senders)
    return result


def test_a_busy_server_is_retried_with_backoff(bureau, smtp_server):
    controller, mailbox = smtp_server
    accepted_case(bureau)
    mailbox.busy = 2
    senders = {"email": outbox.SmtpSender("127.0.0.1", controller.port)}
    assert outbox.deliver_due(bureau.db, senders).retried == 1
    assert outbox.deliver_due(bureau.db, senders).retried == 0      # not due again before its backoff
    assert "451" in rows(bureau)[0].last_error
    assert retry_due(bureau, senders, 3).sent == 1 and len(mailbox.messages) == 1
    assert (rows(bureau)[0].status, rows(bureau)[0].attempts) == ("sent", 3)


def test_given_up_after_the_last_attempt(bureau, smtp_server):
    controller, mailbox = smtp_server
    accepted_case(bureau)
    mailbox.busy = 99
    senders = {"email": outbox.SmtpSender("127.0.0.1", controller.port)}
    outbox.deliver_due(bureau.db, senders)
    assert retry_due(bureau, senders, outbox.MAX_ATTEMPTS).failed == 1 and mailbox.messages == []
    email = rows(bureau)[0]
    assert (email.status, email.attempts) == ("failed", outbox.MAX_ATTEMPTS)
    bureau.clock.advance(timedelta(days=1))
    assert outbox.deliver_due(bureau.db, senders).failed == 0       # a failed message stays failed


def test_a_wrong_password_is_refused(bureau, smtp_server):
    controller, mailbox = smtp_server
    accepted_case(bureau)
    sender = outbox.SmtpSender("127.0.0.1", controller.port, user="bureau", password="wrong", timeout=1)
    assert outbox.deliver_due(bureau.db, {"email": sender}).retried == 1 and mailbox.messages == []


def test_cli_one_shot(bureau, smtp_server, monkeypatch, capsys):
    controller, mailbox = smtp_server
    accepted_case(bureau)
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(controller.port))
    assert cli_main(["--database", bureau.db.url, "outbox", "deliver", "--once"]) == 0
    assert "sent 2" in capsys.readouterr().out and len(mailbox.messages) == 1
