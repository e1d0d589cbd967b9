"""SQLite: a copy with the online-backup API, and a file renamed into place to restore."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url

from school.backup.archive import Manifest, fsync_dir, quote_table
from school.backup.errors import BackupError, BadArchive


def database_path(database_url: str) -> Path:
    """The database file of a sqlite:/// URL."""
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise BackupError("内存中的 SQLite 数据库无法备份或恢复：DATABASE_URL 应指向一个文件。")
    return Path(database)


def dump(database_url: str, target: Path) -> tuple[str | None, dict[str, int]]:
    """Copy the database to ``target``; returns its alembic revision and row counts."""
    source_path = database_path(database_url)
    if not source_path.is_file():
        raise BackupError(f"找不到数据库文件 {source_path}。")
    source = sqlite3.connect(source_path, timeout=30)
    copy = sqlite3.connect(target)
    try:
        # One step (pages=-1) copies every page under a single read transaction: a consistent
        # snapshot that includes what is still in the WAL, while other workers keep writing.
        # (A plain file copy misses whatever the WAL holds since the last checkpoint.)
        source.backup(copy)
        # The copy stands alone in the archive: no -wal file beside it to lose.
        copy.execute("PRAGMA journal_mode=DELETE")
        return summary(copy)
    finally:
        copy.close()
        source.close()


def summary(conn: sqlite3.Connection) -> tuple[str | None, dict[str, int]]:
    """The alembic revision and the row count of every table."""
    names = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    tables = {
        name: conn.execute(f"SELECT count(*) FROM {quote_table(name)}").fetchone()[0]  # noqa: S608
        for name in names
    }
    revision = None
    if "alembic_version" in tables:
        rows = conn.execute("SELECT version_num FROM alembic_version ORDER BY 1").fetchall()
        revision = ",".join(row[0] for row in rows) or None
    return revision, tables


def check_copy(path: Path, manifest: Manifest) -> None:
    """The unpacked database must open and hold what the manifest says."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            revision, tables = summary(conn)
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        raise BadArchive("备份中的 SQLite 数据库无法打开：备份文件已损坏。") from None
    if revision != manifest.alembic_revision or tables != manifest.tables:
        raise BadArchive("备份中的数据库与清单不符：备份文件已损坏。")


def restore(copy: Path, database_url: str) -> None:
    """Put the copy in place of the database file (no app may have it open)."""
    path = database_path(database_url)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.restore-{os.getpid()}")
    shutil.copyfile(copy, partial)
    os.chmod(partial, (path.stat().st_mode & 0o777) if path.exists() else 0o600)
    with partial.open("rb+") as fh:
        os.fsync(fh.fileno())
    # The old database's WAL goes first: left beside the new file, SQLite would replay the old
    # writes into it.
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    os.replace(partial, path)
    fsync_dir(path.parent)
