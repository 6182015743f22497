"""Serial numbers that stay unique when many workers issue them at once."""
from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from workflow.storage.models import Counter


def next_value(session: Session, name: str) -> int:
    """Atomically increment the named counter and return the new value.

    ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` is one statement on both
    PostgreSQL and SQLite, so two transactions can never read the same value:
    the second waits on the row lock until the first commits.
    """
    dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(Counter).values(name=name, value=1)
    statement = statement.on_conflict_do_update(
        index_elements=[Counter.name], set_={"value": Counter.value + 1}
    ).returning(Counter.value)
    return session.execute(statement).scalar_one()
