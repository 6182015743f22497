"""Passwords: hashing with the standard library's scrypt, and the policy for passwords people choose.

The policy (docs/security.md): 8 to 128 characters (the length is checked before anything is
hashed, so a 1 MiB "password" costs nothing), not blank, not the user name, and not guessable
as judged by zxcvbn (common-password and word lists, keyboard patterns, repeats, dates): its
score must be at least :data:`MIN_STRENGTH` of 4.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import cache

from zxcvbn import zxcvbn

_N, _R, _P = 2**14, 8, 1
MIN_LENGTH, MAX_LENGTH = 8, 128
MIN_STRENGTH = 2  # zxcvbn: 0 too guessable, 1 very guessable (< 10^6 guesses), 2 somewhat guessable


def hash_password(password: str) -> str:
    salt = secrets.token_hex(16)
    digest = hashlib.scrypt(password.encode(), salt=salt.encode(), n=_N, r=_R, p=_P).hex()
    return f"scrypt${_N}${_R}${_P}${salt}${digest}"


def check_password(stored: str, password: str) -> bool:
    try:
        _scheme, n, r, p, salt, digest = stored.split("$")
        candidate = hashlib.scrypt(password.encode(), salt=salt.encode(), n=int(n), r=int(r), p=int(p)).hex()
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(candidate, digest)


@cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_hex(16))


def verify(stored: str | None, password: str) -> bool:
    """Check a login attempt in the same time whether or not the account exists (``stored`` None),
    so the answer's timing does not tell which user names are real. Over-long input is hashed
    as an empty string and refused."""
    candidate = password if isinstance(password, str) and len(password) <= MAX_LENGTH else ""
    matches = check_password(stored or _dummy_hash(), candidate)
    return stored is not None and bool(candidate) and matches


def policy_errors(password: str, username: str = "") -> list[str]:
    """Why a chosen password is refused (empty when it is acceptable)."""
    if not isinstance(password, str) or len(password) < MIN_LENGTH:
        return [f"Shorter than minimum length {MIN_LENGTH}."]
    if len(password) > MAX_LENGTH:
        return [f"Longer than maximum length {MAX_LENGTH}."]
    if not password.strip():
        return ["May not be blank."]
    if username and password.strip().casefold() == username.strip().casefold():
        return ["Must not be the user name."]
    if zxcvbn(password, user_inputs=[username] if username else [], max_length=MAX_LENGTH)["score"] < MIN_STRENGTH:
        return ["Too easy to guess: a common password, or too close to one."]
    return []
