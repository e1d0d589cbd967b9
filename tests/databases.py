"""Create and drop throwaway databases for the suite, on SQLite and on PostgreSQL.

The tests never trust what is already on a server: each run makes its own databases and
drops them at the end.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from contextlib import closing
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from school.cli import alembic_config

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


def migrate(url: str) -> None:
    command.upgrade(alembic_config(url), "head")


def new_database(backend: str, directory: Path) -> str:
    """An empty database of the given backend; returns its URL."""
    if backend == "sqlite":
        return f"sqlite:///{directory / f'school-{uuid.uuid4().hex[:8]}.db'}"
    name = f"school_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(os.environ["TEST_DATABASE_URL"], isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return (
        make_url(os.environ["TEST_DATABASE_URL"])
        .set(database=name)
        .render_as_string(hide_password=False)
    )


def clone_database(template_url: str, directory: Path) -> str:
    """A new database holding a copy of a template made by new_database; returns its URL.

    Building a database (migrations, demo data) is slow and copying one is fast, so the suite
    builds each kind once and copies it wherever a test needs a database of its own. SQLite
    copies the file with SQLite's backup API (a consistent copy, WAL included); PostgreSQL makes
    the database from the template, which no one may be connected to meanwhile.
    """
    parsed = make_url(template_url)
    if parsed.get_backend_name() == "sqlite":
        url = new_database("sqlite", directory)
        source = sqlite3.connect(parsed.database)
        target = sqlite3.connect(make_url(url).database)
        with closing(source), closing(target):
            source.backup(target)
        return url
    name = f"school_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(os.environ["TEST_DATABASE_URL"], isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{parsed.database}"'))
    admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    """Remove a database made by new_database."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{parsed.database}{suffix}").unlink(missing_ok=True)
        return
    admin = create_engine(os.environ["TEST_DATABASE_URL"], isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()
