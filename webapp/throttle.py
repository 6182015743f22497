"""Login throttling with flask-limiter: failed attempts are counted per account and per address.

One ``Limiter`` per app, shared by the pages and the API (its token endpoint limit too). Its
counters live in Redis when ``REDIS_URL`` is set, so every web process counts the same attempts;
otherwise in the process's memory (one process only). Only *failed* logins count, so a person
who types the right password is never slowed by their own successes; while either limit is
exhausted even the right password is refused (429 with ``Retry-After``).
"""
from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse_many
from limits.errors import StorageError
from limits.strategies import RateLimiter

from workflow.domain.permissions import Actor
from workflow.errors import ValidationError
from workflow.services import users

log = logging.getLogger(__name__)
T = TypeVar("T")
EXTENSION = "throttle"
DEFAULTS = {
    "LOGIN_RATE_LIMIT_ACCOUNT": "5 per minute;20 per hour",   # failures per user name
    "LOGIN_RATE_LIMIT_ADDRESS": "20 per minute;100 per hour",  # failures per client address
    "LOGIN_RATE_LIMIT_ENABLED": True,
    "RATELIMIT_KEY_PREFIX": "licensing",
}


def init_app(app: Flask) -> Limiter:
    """The app's limiter (created once; the API's setup asks for it too)."""
    if EXTENSION in app.extensions:
        return app.extensions[EXTENSION]
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    redis_url = app.config.get("REDIS_URL") or os.environ.get("REDIS_URL")
    limiter = Limiter(get_remote_address, app=app, storage_uri=redis_url or "memory://", default_limits=[],
                      headers_enabled=True, key_prefix=app.config["RATELIMIT_KEY_PREFIX"],
                      storage_options={"wrap_exceptions": True})
    app.extensions[EXTENSION] = limiter
    return limiter


def _subjects(username: str) -> list[tuple[str, str, str]]:
    """(config key, scope, identifier) of each counter a login attempt for ``username`` touches."""
    account = (username or "").strip().casefold()[:64]
    return [("LOGIN_RATE_LIMIT_ACCOUNT", "login-account", account),
            ("LOGIN_RATE_LIMIT_ADDRESS", "login-address", get_remote_address() or "-")]


def _counters(username: str) -> Iterator[tuple[RateLimiter, RateLimitItem, str, str]]:
    limiter = current_app.extensions[EXTENSION].limiter
    for key, scope, ident in _subjects(username):
        for item in parse_many(current_app.config[key]):
            yield limiter, item, scope, ident


def retry_after(username: str) -> int | None:
    """Seconds until this login may be tried again, or None when it may be tried now."""
    if not current_app.config["LOGIN_RATE_LIMIT_ENABLED"]:
        return None
    waits = [limiter.get_window_stats(item, scope, ident).reset_time - time.time()
             for limiter, item, scope, ident in _counters(username) if not limiter.test(item, scope, ident)]
    return max(1, math.ceil(max(waits))) if waits else None


def failed(username: str) -> None:
    """Count one failed attempt against the account and the address."""
    if current_app.config["LOGIN_RATE_LIMIT_ENABLED"]:
        for limiter, item, scope, ident in _counters(username):
            limiter.hit(item, scope, ident)


class Throttled(Exception):
    """Too many failed logins for this account or address; try again in ``retry_after`` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


def _hold(username: str) -> None:
    """Throttled while the account's or the address's failures are exhausted. If the counters' store
    (Redis) cannot be reached, people go on unthrottled and the outage is logged: they keep working,
    and the password check itself is unchanged."""
    try:
        wait = retry_after(username)
    except StorageError:
        log.exception("login throttle storage unavailable; checking the password without it")
        wait = None
    if wait is not None:
        raise Throttled(wait)


def _count_failure(username: str) -> None:
    try:
        failed(username)
    except StorageError:
        log.exception("login throttle storage unavailable; a failed password was not counted")


def authenticate(username: str, password: str) -> Actor | None:
    """``users.authenticate`` behind the throttle, for the login page and the token endpoint alike."""
    _hold(username)
    user = users.authenticate(current_app.extensions["db"], username, password)
    if user is None:
        _count_failure(username)
    return user


def password_change(username: str, change: Callable[[], T]) -> T:
    """A password change behind the same counters: a wrong current password is a failed login of the
    account, so whoever holds someone's session cannot try passwords faster than the login page lets
    them (while the counters are exhausted, even the right one is refused)."""
    _hold(username)
    try:
        return change()
    except ValidationError as exc:
        if "current_password" in exc.fields:
            _count_failure(username)
        raise
