"""Database access: one engine per URL, one transaction per command.

SQLite is the embedded default (WAL mode, foreign keys on); PostgreSQL is used
through psycopg 3 when ``DATABASE_URL`` says so. Everything else in the engine
receives a :class:`Database` and never builds engines itself, so tests and the
web app can point the same code at any database.
"""
from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

from sqlalchemy import DateTime, TypeDecorator, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from workflow.errors import Busy, Unavailable
from workflow.timekeeping.now import now as clock_now

DEFAULT_URL = "sqlite:///var/licensing.db"
ROLLBACK_UNDO = "rollback_undo"


def on_rollback(session: Session, undo: Callable[[], None]) -> None:
    """Run ``undo`` if the session's transaction rolls back (e.g. remove a file it stored)."""
    session.info.setdefault(ROLLBACK_UNDO, []).append(undo)


class Base(DeclarativeBase):
    """Declarative base of every table."""


def assign(row: Base, **values: object) -> None:
    """Set the attributes whose value differs. The ORM marks a row modified on any assignment, even of
    the value it holds, and every query then autoflushes it: the case's status and clock, recomputed
    after every command, are mostly unchanged, and assigning them blindly cost two empty flushes."""
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)


def utcnow() -> datetime:
    """Timezone-aware UTC now from the engine's one clock (settable in tests and the simulator)."""
    return clock_now()


def normalise_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and use psycopg 3 for them."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets readers run while a writer commits; busy_timeout makes writers
    # queue instead of failing when the embedded server has several threads.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


# A pooled connection idle for longer than this is pinged before use (the server may have restarted or
# a firewall dropped it); a busy pool's connections are not, so a request pays no extra round trip.
IDLE_PING_SECONDS = 10.0


def _idle_from(_dbapi_connection, record) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(engine: Engine) -> Callable:
    """``pool_pre_ping`` for idle connections only: it cost a round trip on every checkout, two or
    three per API request. A dead connection is replaced and the checkout retried by the pool."""
    def checkout(dbapi_connection, record, _proxy) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < IDLE_PING_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # whatever the driver raises for a dead socket
            raise DisconnectionError() from error
    return checkout


def make_engine(url: str, *, writer: bool = True) -> Engine:
    """Build an engine; on SQLite a *writer* engine opens ``BEGIN IMMEDIATE``.

    pysqlite's deferred BEGIN would let two writers read the same instance
    version and fail late; an immediate BEGIN serialises writers up front, the
    SQLite equivalent of ``SELECT ... FOR UPDATE``. Readers keep a deferred
    BEGIN so inbox queries never wait for a writer.
    """
    url = normalise_url(url)
    if not url.startswith("sqlite"):
        engine = create_engine(url, pool_size=10, max_overflow=10)
        event.listen(engine.pool, "checkin", _idle_from)
        event.listen(engine.pool, "checkout", _ping_if_idle(engine))
        return engine
    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "isolation_level": None})
    event.listen(engine, "connect", _sqlite_pragmas)
    if not writer:       # a reading session cannot write, as on PostgreSQL (READ ONLY: Database.reading)
        event.listen(engine, "connect", lambda conn, _record: conn.execute("PRAGMA query_only=ON"))
    begin = "BEGIN IMMEDIATE" if writer else "BEGIN"
    event.listen(engine, "begin", lambda conn: conn.exec_driver_sql(begin))
    return engine


# PostgreSQL SQLSTATEs that mean "rolled back so a simultaneous command could go on":
# deadlock_detected, serialization_failure, lock_not_available (lock_timeout), query_canceled.
RETRYABLE_STATES = {"40P01", "40001", "55P03", "57014"}
# Server going away or refusing connections: admin/crash shutdown, cannot connect now, too many.
UNAVAILABLE_STATES = {"57P01", "57P02", "57P03", "53300"}


def database_refusal(error: DBAPIError) -> Busy | Unavailable | None:
    """The caller-facing error for a refusal that is the database's, not the command's; else None.

    A deadlock victim or a lock timeout was rolled back whole and may be retried (409); a lost or
    refused connection is a 503. Anything else (a constraint, a trigger) stays a bug to look at.
    """
    state = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    if state in RETRYABLE_STATES:
        return Busy()
    if error.connection_invalidated or state in UNAVAILABLE_STATES or (state or "").startswith("08"):
        return Unavailable()
    if isinstance(error, OperationalError) and state is None:
        text = str(error.orig).lower()
        return Busy() if "locked" in text or "busy" in text else Unavailable()
    return None


@contextmanager
def _refusals_translated() -> Iterator[None]:
    try:
        yield
    except DBAPIError as error:
        refusal = database_refusal(error)
        if refusal is None:
            raise
        raise refusal from error


class Database:
    """A database the engine works on: its engine and a session factory."""

    def __init__(self, url: str | None = None) -> None:
        self.url = normalise_url(url or os.environ.get("DATABASE_URL") or DEFAULT_URL)
        self.engine = make_engine(self.url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        if self.url.startswith("sqlite"):      # readers BEGIN DEFERRED on connections of their own
            read_engine = make_engine(self.url, writer=False)
            self.engines = (self.engine, read_engine)
        else:                                  # the same pool, reading transactions READ ONLY (reading())
            read_engine = self.engine.execution_options(postgresql_readonly=True)
            self.engines = (self.engine,)
        self.read_sessions = sessionmaker(read_engine, expire_on_commit=False)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One command = one transaction: commit on success, roll back on any error.

        What a command did outside the database (a stored file) is undone with the rollback:
        it registers the undo with :func:`on_rollback`. The database's own refusals (deadlock
        victim, lock timeout, lost connection) come out as :class:`Busy` / :class:`Unavailable`,
        so every caller answers 409 / 503, never 500.
        """
        session = self.sessions()
        try:
            with _refusals_translated():
                yield session
                session.commit()
        except BaseException:
            session.rollback()
            for undo in reversed(session.info.pop(ROLLBACK_UNDO, [])):
                undo()
            raise
        finally:
            session.close()

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for queries; nothing it does is written (on PostgreSQL its transaction is
        READ ONLY, and ends with a COMMIT that keeps the connection's prepared statements).

        ``close()`` (not ``rollback()``) ends it, so the rows it returns stay
        loaded and usable after the block.
        """
        session = self.read_sessions()
        try:
            with _refusals_translated():
                yield session
                if self.is_postgres and session.in_transaction():
                    # End with COMMIT, not ROLLBACK: psycopg forgets every prepared statement of the
                    # connection on a ROLLBACK, so with one reading session per request nothing ever
                    # reached its prepare threshold and PostgreSQL parsed and planned every statement
                    # of every request. The transaction is READ ONLY, so there is nothing to commit;
                    # the objects leave the session first, so nothing is flushed either.
                    session.expunge_all()
                    session.commit()
        finally:
            session.close()

    def dispose(self) -> None:
        for engine in self.engines:
            engine.dispose()

    def after_fork(self) -> None:
        """In a forked child (gunicorn's preloaded workers): start with empty pools, leaving the
        parent's connections open for the parent: two processes on one socket corrupt both."""
        for engine in self.engines:
            engine.dispose(close=False)


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes on every backend.

    SQLite has no time zones and hands back naive values; comparing those with
    aware ones raises. This type stores UTC and always returns aware UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
