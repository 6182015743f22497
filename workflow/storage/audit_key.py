"""The secret that keys the audit chain: read from the environment, never stored in the database.

Whoever can write the database but not read ``AUDIT_KEY`` cannot recompute a link, so a
rewritten, reordered or forged event no longer verifies. Outside production mode a fixed
development key keeps ``make run`` and the tests working; with ``APP_ENV=production`` a
missing or short key stops the process at start-up instead of chaining with a known key.
"""
from __future__ import annotations

import hashlib
import hmac
import os

DEV_KEY = b"licensing-development-audit-key: not for production"
MIN_LENGTH = 32


class AuditKeyMissing(RuntimeError):
    """Production mode without a usable ``AUDIT_KEY``."""


def production_mode() -> bool:
    return os.environ.get("APP_ENV", "").strip().lower() == "production"


def audit_key() -> bytes:
    """``AUDIT_KEY`` (at least 32 characters in production), else the development key."""
    value = os.environ.get("AUDIT_KEY", "")
    if production_mode() and len(value) < MIN_LENGTH:
        raise AuditKeyMissing(f"APP_ENV=production needs AUDIT_KEY of at least {MIN_LENGTH} characters")
    return value.encode("utf-8") if value else DEV_KEY


def sign(message: str, key: bytes | None = None) -> str:
    """HMAC-SHA256 of a text, hex: the one keyed digest of chain links and checkpoints."""
    return hmac.new(key or audit_key(), message.encode("utf-8"), hashlib.sha256).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("ascii", "replace"), b.encode("ascii", "replace"))
