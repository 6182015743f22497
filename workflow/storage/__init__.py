"""Storage: engines and sessions, the tables, migrations, counters, the audit chain."""
