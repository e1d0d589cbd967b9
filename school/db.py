"""The database layer: declarative base, session handling and engine setup for both backends."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from flask import Flask, abort, current_app, has_app_context
from sqlalchemy import Connection, Engine, MetaData, create_engine, event
from sqlalchemy.engine import make_url
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
        return create_engine(url, pool_pre_ping=True, future=True)
    engine = create_engine(url, connect_args={"timeout": 30})
    _setup_sqlite(engine)
    return engine


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
