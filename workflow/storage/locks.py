"""Row locks a transaction takes once: the case row first, then its instances in id order.

See docs/decisions.md "Locking". Commands wait for their rows; the clock and timer sweeps pass
over a row a command holds (``skip_locked``) and take it at the next sweep.
"""
from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.storage.db import Base

Row = TypeVar("Row", bound=Base)


def lock_once(session: Session, model: type[Row], row_id: int, *, skip_locked: bool = False) -> Row | None:
    """``SELECT … FOR UPDATE`` the row once per transaction; later calls reuse the locked row.

    None when there is no such row, or (``skip_locked``) when another transaction holds it.
    """
    locked = session.info.setdefault(("locked", model.__tablename__), set())
    if row_id in locked:
        return session.get(model, row_id)
    row = session.scalars(select(model).where(model.id == row_id).with_for_update(skip_locked=skip_locked)).first()
    if row is not None:
        locked.add(row_id)
    return row
