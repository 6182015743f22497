"""Flow tests run on a clock that stands still until the test moves it (Monday 2 March 2026, 09:00)."""
from __future__ import annotations

from datetime import datetime

import pytest

from tests.flows.driver import Bureau
from workflow.timekeeping.workdays import OFFICE_TZ

START = datetime(2026, 3, 2, 9, 0, tzinfo=OFFICE_TZ)


@pytest.fixture
def bureau(db, people, clock) -> Bureau:
    return Bureau(db, people, clock)
