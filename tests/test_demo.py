"""``python -m workflow demo`` builds a usable office and can be run again safely."""
from __future__ import annotations

from sqlalchemy import func, select

from tests.helpers import assert_projection_matches
from workflow.cli.demo import ACCOUNTS, load_demo
from workflow.storage.db import Database
from workflow.storage.models import Case, Certificate, User
from workflow.storage.schema import upgrade
from workflow.vocabulary import ROLES


def test_demo_data_covers_every_role_and_several_states(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'demo.db'}")
    upgrade(db)
    lines = load_demo(db)
    assert any("qiye" in line for line in lines)
    with db.reading() as s:
        roles = set(s.scalars(select(User.role)))
        statuses = set(s.scalars(select(Case.status)))
        lights = set(s.scalars(select(Case.light)))
        certificates = s.scalar(select(func.count(Certificate.id)))
        cases = s.scalar(select(func.count(Case.id)))
    assert roles == set(ROLES)
    assert {"submitted", "correction", "in_progress", "completed"} <= statuses
    assert {"green", "red"} <= lights and certificates >= 4
    load_demo(db)   # a second run adds nothing
    with db.reading() as s:
        assert s.scalar(select(func.count(Case.id))) == cases
        assert s.scalar(select(func.count(User.id))) == len(ACCOUNTS)
    assert_projection_matches(db)
    db.dispose()
