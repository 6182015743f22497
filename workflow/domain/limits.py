"""The matters as the office runs them: the catalogue with the administrator's limit overrides."""
from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.domain.matters import MATTERS, Matter
from workflow.storage.cache import PerDatabaseCache
from workflow.storage.models import MatterSetting


def _load(session: Session) -> dict[str, Matter]:
    effective = dict(MATTERS)
    for row in session.scalars(select(MatterSetting)):
        if row.code in effective:
            effective[row.code] = replace(effective[row.code], statutory_days=row.statutory_days,
                                          committed_days=row.committed_days,
                                          green_channel_days=row.green_channel_days)
    return effective


_CACHE: PerDatabaseCache[dict[str, Matter]] = PerDatabaseCache(_load)


def matters(session: Session) -> dict[str, Matter]:
    return _CACHE.get(session)


def matter(session: Session, code: str) -> Matter | None:
    return matters(session).get(code)


def invalidate() -> None:
    _CACHE.clear()


def effective(db) -> dict[str, Matter]:
    """The catalogue as it applies now, for pages and the API."""
    with db.reading() as session:
        return dict(matters(session))
