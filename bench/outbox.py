"""Outbox benchmark: how fast the delivery worker empties a backlog into a real SMTP server.

A fresh SQLite database gets N pending e-mails (and N SMS); ``outbox.deliver_due`` sends them in
batches of 100 to aiosmtpd on a free local port (one SMTP connection per message, as the worker
does) and the SMS to the logging sender. Prints messages per second; never fails the run.

Run:  .venv/bin/python bench/outbox.py [--messages 500]
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import logging
import socket
import tempfile
import time

from aiosmtpd.controller import Controller

from workflow.services.notifications import outbox
from workflow.storage.db import Database, utcnow
from workflow.storage.models import OutboxMessage
from workflow.storage.schema import upgrade


class Count:
    def __init__(self) -> None:
        self.received = 0

    async def handle_DATA(self, server, session, envelope):
        self.received += 1
        return "250 OK"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=500)
    n = parser.parse_args().messages
    logging.getLogger(outbox.__name__).setLevel(logging.WARNING)
    db = Database(f"sqlite:///{tempfile.mkdtemp()}/outbox.db")
    upgrade(db)
    with db.transaction() as session:
        now = utcnow()
        session.add_all(OutboxMessage(channel=channel, address=address, subject="【行政许可通知】办件 SL2026-000001已受理",
                                      body="办件 SL2026-000001已受理", next_attempt_at=now, created_at=now)
                        for _ in range(n) for channel, address in (("email", "qiye@example.cn"), ("sms", "13800000000")))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    handler = Count()
    server = Controller(handler, hostname="127.0.0.1", port=port)
    server.start()
    senders = outbox.senders_from_env({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port)})
    started, sent = time.perf_counter(), 0
    while True:
        result = outbox.deliver_due(db, senders)
        if not result.sent:
            break
        sent += result.sent
    elapsed = time.perf_counter() - started
    server.stop()
    print(f"{sent} messages ({handler.received} e-mails received by SMTP, {sent - handler.received} SMS logged) "
          f"in {elapsed:.2f} s: {sent / elapsed:.0f} messages/s, {1000 * elapsed / sent:.1f} ms each")


if __name__ == "__main__":
    main()
