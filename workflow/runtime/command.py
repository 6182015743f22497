"""The context one state-changing command carries through the engine.

A service function opens a transaction, builds a :class:`Command` and passes it
to everything it calls: the operations run by service tasks, the projection
sync and the audit writer all see the same actor, clock reading and case.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from workflow.storage.db import utcnow
from workflow.storage.models import Case


@dataclass
class Command:
    session: Session
    actor: Any
    case: Case | None = None
    now: datetime = field(default_factory=utcnow)
    # spiff task id -> why the projection should close it (default: "cancelled")
    close_reasons: dict[str, str] = field(default_factory=dict)
    completed_by: dict[str, tuple[int | None, str | None]] = field(default_factory=dict)
