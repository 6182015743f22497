"""Licensing workflow engine: domain, persistence and services. Never imports Flask."""
