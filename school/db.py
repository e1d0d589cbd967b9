"""The database layer: declarative base, session handling and engine setup for both backends."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from flask import Flask, abort, current_app, has_app_context
from sqlalchemy import Connection, Engine, MetaData, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker
from sqlalchemy.types import DateTime, Integer, TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC timestamp (SQLite returns naive values: UTC is re-attached)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UTC column")
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Hours(TypeDecorator):
    """学时 as an exact decimal with one place, stored as an integer count of tenths.

    Integers keep sums exact on both databases without SQLite's lossy Decimal emulation.
    """

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        tenths = (Decimal(str(value)) * 10).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return int(tenths)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return Decimal(int(value)) / 10


def _scope() -> int:
    # One session per application context: each request (and each CLI command) gets its own.
    from flask.globals import app_ctx

    return id(app_ctx._get_current_object()) if has_app_context() else 0


class _AppSession(Session):
    def get_bind(self, mapper=None, clause=None, **kw):
        return current_app.extensions["school.db"].bind


@dataclass
class _State:
    engine: Engine
    bind: Engine | Connection


class Database:
    """Engine per app, session per application context, removed at teardown."""

    def __init__(self) -> None:
        # create_savepoint only matters when a test binds the session to an open transaction.
        factory = sessionmaker(
            class_=_AppSession, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        self.session = scoped_session(factory, scopefunc=_scope)

    def init_app(self, app: Flask) -> None:
        app.extensions["school.db"] = _State(
            engine=(engine := make_engine(app.config)), bind=engine
        )
        app.teardown_appcontext(lambda exc: self.session.remove())

    @property
    def engine(self) -> Engine:
        return current_app.extensions["school.db"].engine

    def get_or_404(self, model, ident):
        """Load a row by primary key for a view, or answer 404."""
        row = self.session.get(model, ident)
        if row is None:
            abort(404)
        return row

    def bind_to(self, app: Flask, bind: Engine | Connection) -> None:
        """Point the app's sessions at another engine or connection (tests use a transaction)."""
        app.extensions["school.db"].bind = bind


def make_engine(config) -> Engine:
    """Create the engine; SQLite gets WAL, a busy timeout and write-locking transactions."""
    url = make_url(str(config["DATABASE_URL"]))
    if url.get_backend_name() != "sqlite":
        engine = create_engine(url, future=True)
        _ping_after_idle(engine)
        return engine
    engine = create_engine(url, connect_args={"timeout": 30})
    _setup_sqlite(engine)
    return engine


# A pooled connection unused for longer than this is tested before a request gets it.
IDLE_PING_SECONDS = 10.0


def _ping_after_idle(engine: Engine) -> None:
    """Test a connection before use only when it sat idle in the pool.

    A server restart or an idle timeout closes connections while they wait; the ping finds that
    and the pool opens a fresh one, so no request fails on a dead connection. SQLAlchemy's
    pool_pre_ping does the same on every checkout, one round trip more per request, which on
    exam day was 9 % of a worker's time. A connection checked in moments ago by a busy worker is
    alive; if the server went away meanwhile, the request fails once and SQLAlchemy throws the
    pool's older connections away.
    """

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, _proxy):
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < IDLE_PING_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # whatever the driver raises for a closed connection
            raise DisconnectionError("connection closed while idle in the pool") from exc


def _setup_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the driver, emit BEGIN (pysqlite's own handling breaks savepoints).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # SQLite has one writer. A deferred transaction that reads and then writes fails at once
        # with "database is locked" when another worker wrote in between, ignoring the busy
        # timeout. Taking the write lock at BEGIN makes workers queue instead. Sent to the driver
        # directly: through SQLAlchemy's statement machinery it cost as much as a small query,
        # and every request begins a transaction.
        conn.connection.driver_connection.execute("BEGIN IMMEDIATE")


db = Database()
