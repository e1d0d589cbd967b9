"""Pooled PostgreSQL connections are tested before use only after they sat idle.

Defined only when the suite runs on PostgreSQL (TEST_DATABASE_URL): SQLite has no server to
lose a connection to.
"""

import os

from sqlalchemy import create_engine, text

from school import db as school_db
from tests.databases import BACKENDS

if "postgresql" in BACKENDS:

    def test_a_connection_closed_while_idle_is_replaced_and_a_busy_one_is_not_pinged(
        monkeypatch,
    ):
        url = os.environ["TEST_DATABASE_URL"]
        engine = school_db.make_engine({"DATABASE_URL": url})
        pings = []
        ping = engine.dialect.do_ping
        monkeypatch.setattr(engine.dialect, "do_ping", lambda c: pings.append(c) or ping(c))
        try:
            with engine.connect() as conn:
                pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
            # Straight back from a request a moment ago: used as it is, no extra round trip.
            with engine.connect() as conn:
                assert conn.execute(text("SELECT pg_backend_pid()")).scalar() == pid
            assert pings == []

            # The server closes it while it waits in the pool (a restart, an idle timeout),
            # and it waited longer than the idle limit: the ping finds it dead, the pool opens
            # a new connection, and the request never sees an error.
            admin = create_engine(url, isolation_level="AUTOCOMMIT")
            with admin.connect() as other:
                other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            admin.dispose()
            monkeypatch.setattr(school_db, "IDLE_PING_SECONDS", 0.0)
            with engine.connect() as conn:
                assert conn.execute(text("SELECT pg_backend_pid()")).scalar() != pid
            assert len(pings) == 1
        finally:
            engine.dispose()
