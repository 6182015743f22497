"""Two PostgreSQL roles: the owner (migrations, audit tables and their triggers) and the app.

The web and timer processes connect as the app role, which may read and write the working
tables but only SELECT and INSERT the audit events and move the audit head forward (SELECT,
UPDATE; the head's trigger refuses anything but an append). It owns nothing, so it cannot
drop or disable a trigger, truncate, or ``SET session_replication_role`` (superuser only).
See docs/operations.md, "Database roles".
"""
from __future__ import annotations

import re

from sqlalchemy import text

from workflow.errors import ValidationError, msg
from workflow.storage.db import Database

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def grant_statements(role: str, database: str) -> list[str]:
    """The grants, in order: everything on the working tables, then narrowed on the audit ones."""
    return [
        f'GRANT CONNECT ON DATABASE "{database}" TO {role}',
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
        f"REVOKE UPDATE, DELETE ON audit_events, audit_head FROM {role}",
        f"REVOKE INSERT ON audit_head FROM {role}",
        f"GRANT UPDATE (seq, hash) ON audit_head TO {role}",
        f"REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {role}",
    ]


def grant_app_role(db: Database, role: str) -> list[str]:
    """Give an existing login role the app's privileges; refuses the owner and superusers."""
    if not db.is_postgres:
        raise ValidationError({"database": [msg("Database roles apply to PostgreSQL only.")]})
    if not ROLE_NAME.match(role):
        raise ValidationError({"role": [msg("Not a valid role name: lower-case letters, digits and _.")]})
    with db.engine.begin() as conn:
        found = conn.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = :r"), {"r": role}).first()
        if found is None:
            raise ValidationError({"role": [msg("No role {role}: create it first (CREATE ROLE {role} LOGIN PASSWORD …).",
                                                role=role)]})
        owner = conn.scalar(text("SELECT tableowner FROM pg_tables WHERE tablename = 'audit_events'"))
        if found.rolsuper or role == owner:
            raise ValidationError({"role": [msg("The app role must be neither a superuser nor the tables' owner.")]})
        statements = grant_statements(role, conn.scalar(text("SELECT current_database()")))
        for statement in statements:
            conn.execute(text(statement))
    return statements
