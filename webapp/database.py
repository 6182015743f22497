"""The database the app works on, for views, the API and templates alike.

Defined here, in a module that imports nothing of ``webapp``, so that every part of the app can
import it at the top without an import cycle through the app factory.
"""
from __future__ import annotations

from flask import current_app

from workflow.storage.db import Database


def get_db() -> Database:
    """``app.extensions["db"]``, set by ``webapp.create_app`` (or a test's API-only app)."""
    return current_app.extensions["db"]
