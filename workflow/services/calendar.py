"""The holiday calendar: reading it for working-day look-ups, importing a year's schedule."""
from __future__ import annotations

from pathlib import Path

from workflow.domain.permissions import Actor, require_role
from workflow.storage import audit
from workflow.storage.db import Database
from workflow.timekeeping import deadlines
from workflow.timekeeping.holidays import ImportResult, import_holidays
from workflow.timekeeping.workdays import WorkCalendar


def working_calendar(db: Database) -> WorkCalendar:
    """The office's working days (cached per database; the public calendar look-ups read it)."""
    with db.reading() as session:
        return deadlines.get_calendar(session)


def import_file(db: Database, actor: Actor, path: Path) -> ImportResult:
    """An admin imports a year's State Council schedule; bad files change nothing."""
    require_role(actor, "admin")
    with db.transaction() as session:
        result = import_holidays(session, path)
        if result.ok:
            audit.record(session, action="holidays_imported", actor=actor,
                         data={"file": Path(path).name, "inserted": result.inserted, "updated": result.updated})
    if result.ok:
        deadlines.invalidate_calendar()
    return result
