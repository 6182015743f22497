"""Small per-database caches for tables that change a few times a year."""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Generic, TypeVar

from sqlalchemy.orm import Session

T = TypeVar("T")


class PerDatabaseCache(Generic[T]):
    """Load once per database and keep it for ``ttl`` seconds.

    Every command needs the holiday calendar and the matter limits, but admins
    change them rarely: the process that changes one clears the cache, other
    workers see the change within the TTL. Keyed by database URL so tests (and
    tools) that use several databases never mix them.
    """

    def __init__(self, loader: Callable[[Session], T], ttl: float = 60.0) -> None:
        self._loader, self._ttl = loader, ttl
        self._entries: dict[str, tuple[float, T]] = {}

    def get(self, session: Session) -> T:
        key, now = str(session.bind.url), time.monotonic()
        entry = self._entries.get(key)
        if entry is None or now - entry[0] > self._ttl:
            entry = self._entries[key] = (now, self._loader(session))
        return entry[1]

    def clear(self) -> None:
        self._entries.clear()
