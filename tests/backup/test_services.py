"""Backups while the site writes, restored elsewhere row by row; what a failed backup leaves."""

from __future__ import annotations

import sqlite3
import stat
import threading
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import insert

from school.backup import archive, postgres, services
from school.backup.errors import BackupError, Incompatible, ToolMissing
from school.cli import alembic_config
from school.courses.models import Theme
from school.db import make_engine
from tests.backup.conftest import (
    FILES,
    build_school,
    read_files,
    read_rows,
    table_names,
    write_files,
)
from tests.databases import drop_database, migrate, new_database


class Writer(threading.Thread):
    """The site at work: commits two themes per transaction until stopped."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.engine = make_engine({"DATABASE_URL": url})
        self.committed = 0
        self.error: BaseException | None = None
        self._stop_event = threading.Event()
        self._progress = threading.Condition()

    def run(self) -> None:
        try:
            while not self._stop_event.is_set():
                n = self.committed
                with self.engine.begin() as conn:
                    conn.execute(
                        insert(Theme),
                        [
                            {"slug": f"w-{n}-{half}", "title": "写入", "position": n}
                            for half in "ab"
                        ],
                    )
                with self._progress:
                    self.committed += 1
                    self._progress.notify_all()
        except BaseException as exc:  # reported by the test
            self.error = exc
        finally:
            self.engine.dispose()

    def wait_for(self, transactions: int) -> None:
        with self._progress:
            assert self._progress.wait_for(lambda: self.committed >= transactions, timeout=30)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=30)
        assert self.error is None, self.error


def test_round_trip_while_the_site_keeps_writing(committed_app, backend, tmp_path, monkeypatch):
    url = str(committed_app.config["DATABASE_URL"])
    build_school(committed_app)
    source = tmp_path / "source"
    write_files(source)
    key = source / "instance" / "secret_key"
    key.parent.mkdir()
    key.write_text("k" * 64)

    writer = Writer(url)
    writer.start()
    writer.wait_for(3)
    # The files are archived after the database snapshot: let the site commit more first, so
    # the snapshot is taken in the middle of the writes and must leave the later ones out.
    write_archive = archive.write

    def write_after_more_commits(*args):
        writer.wait_for(writer.committed + 3)
        return write_archive(*args)

    monkeypatch.setattr(archive, "write", write_after_more_commits)
    committed_before = writer.committed
    result = services.create_backup(
        url,
        tmp_path / "backups" / "school.tar.gz",
        media_dir=source / "media",
        upload_dir=source / "uploads",
        secret_key_file=key,
    )
    writer.stop()
    assert stat.S_IMODE(result.path.stat().st_mode) == 0o600

    # Elsewhere: a fresh install (migrated, no accounts) with folders of its own.
    target = tmp_path / "elsewhere"
    target.mkdir()
    target_url = new_database(backend, target)
    try:
        migrate(target_url)
        restored = services.restore_backup(
            result.path,
            target_url,
            media_dir=target / "media",
            upload_dir=target / "uploads",
            secret_key_file=target / "instance" / "secret_key",
        )
        copy, names = read_rows(target_url), table_names(target_url)
    finally:
        drop_database(target_url)

    original = read_rows(url)
    assert names == table_names(url)
    assert {n: r for n, r in copy.items() if n != "themes"} == {
        n: r for n, r in original.items() if n != "themes"
    }
    # The writes up to the snapshot and none after it: both rows of a transaction or neither.
    assert copy["themes"] == original["themes"][: len(copy["themes"])]
    written = [row for row in copy["themes"] if row[1].startswith("w-")]
    assert len(written) % 2 == 0
    assert committed_before * 2 <= len(written) < writer.committed * 2
    assert set(restored.manifest.tables) == names
    assert {n: restored.manifest.tables[n] for n in copy} == {n: len(r) for n, r in copy.items()}
    assert not restored.needs_upgrade
    assert read_files(target) == FILES
    assert (target / "instance" / "secret_key").read_text() == "k" * 64
    assert stat.S_IMODE((target / "instance" / "secret_key").stat().st_mode) == 0o600


def _sqlite_file(path: Path) -> str:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
    conn.commit()
    conn.close()
    return f"sqlite:///{path}"


def test_a_failed_backup_leaves_nothing_that_looks_complete(tmp_path, monkeypatch):
    def disk_full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(archive, "_add_tree", disk_full)
    backups = tmp_path / "backups"
    with pytest.raises(OSError, match="No space"):
        services.create_backup(
            _sqlite_file(tmp_path / "school.db"),
            backups / "school.tar.gz",
            media_dir=tmp_path / "media",
            upload_dir=tmp_path / "uploads",
            secret_key_file=None,
        )
    assert list(backups.iterdir()) == []


def test_an_existing_archive_is_never_overwritten(tmp_path):
    output = tmp_path / "school.tar.gz"
    output.write_bytes(b"last week's backup")
    with pytest.raises(BackupError, match="已存在"):
        services.create_backup(
            _sqlite_file(tmp_path / "school.db"),
            output,
            media_dir=tmp_path / "media",
            upload_dir=tmp_path / "uploads",
            secret_key_file=None,
        )
    assert output.read_bytes() == b"last week's backup"


def test_without_pg_dump_the_message_says_which_client_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no pg_dump anywhere
    output = tmp_path / "backups" / "school.tar.gz"
    with pytest.raises(ToolMissing, match=r"pg_dump.*主版本.*PostgreSQL 客户端"):
        services.create_backup(
            "postgresql+psycopg://school:secret@127.0.0.1:1/school",
            output,
            media_dir=tmp_path / "media",
            upload_dir=tmp_path / "uploads",
            secret_key_file=None,
        )
    assert not output.parent.exists()


def test_client_programs_get_the_password_from_the_environment():
    env = postgres.environment(
        "postgresql+psycopg://school:p%40ss%20word@db.internal:6543/school?sslmode=require"
    )
    assert env["PGPASSWORD"] == "p@ss word"
    assert (env["PGHOST"], env["PGPORT"], env["PGUSER"], env["PGDATABASE"]) == (
        "db.internal",
        "6543",
        "school",
        "school",
    )
    assert env["PGSSLMODE"] == "require"
    with pytest.raises(BackupError, match="无法传给"):
        postgres.environment("postgresql+psycopg://school@db/school?unknown_option=1")


def test_default_name_is_the_local_time_in_the_instance_folder():
    from datetime import datetime

    name = services.default_output(Path("/srv/instance"), datetime(2026, 12, 6, 9, 5, 7))
    assert name == Path("/srv/instance/backups/school-20261206-090507.tar.gz")


def test_an_archive_from_an_older_schema_asks_for_an_upgrade_a_newer_one_is_refused():
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    head = script.get_revision(script.get_current_head())
    assert services._check_revision(head.revision) is False
    assert services._check_revision(head.down_revision) is True
    with pytest.raises(Incompatible, match="比本程序新"):
        services._check_revision("ffffffffffff")
