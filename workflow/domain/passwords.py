"""Password hashing with the standard library's scrypt (no web framework needed)."""
from __future__ import annotations

import hashlib
import hmac
import secrets

_N, _R, _P = 2**14, 8, 1


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
