"""``flask backup``: where the archive goes, refusing a school with accounts, bad archives."""

from __future__ import annotations

import gzip
import io
import re
import stat
import tarfile
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from flask import Flask

from school.backup.archive import read_manifest
from school.cli import alembic_config
from school.db import db
from tests.backup.conftest import FILES, build_school, read_files, read_rows, repack, write_files
from tests.factories import make_user


def _run(app: Flask, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def _stop(app: Flask) -> None:
    """The site is stopped before a restore: no pooled connection stays open."""
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def site(committed_app: Flask, tmp_path: Path) -> Flask:
    """A school with media and uploads, its instance folder inside the test's own directory."""
    committed_app.instance_path = str(tmp_path / "instance")
    build_school(committed_app)
    write_files(tmp_path)  # MEDIA_DIR and UPLOAD_DIR are tmp_path/media and tmp_path/uploads
    return committed_app


def test_restore_refuses_a_school_with_accounts_unless_forced(site, backend, tmp_path):
    created = _run(site, "backup", "create")
    assert created.exit_code == 0, created.output
    backups = tmp_path / "instance" / "backups"
    (path,) = backups.iterdir()  # nothing else: no temporary file left behind
    assert re.fullmatch(r"school-\d{8}-\d{6}\.tar\.gz", path.name)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(backups.stat().st_mode) == 0o700
    assert str(path) in created.output
    # The tests' SECRET_KEY is configured, not the instance file's: left out, and said so.
    assert "SECRET_KEY 来自环境变量，没有写入备份" in created.output
    manifest = read_manifest(path)
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert (manifest.format_version, manifest.database_kind) == (1, backend)
    assert manifest.alembic_revision == head
    assert manifest.tables["users"] == 8 and manifest.tables["alembic_version"] == 1
    assert (manifest.media, manifest.uploads, manifest.secret_key) == (True, True, False)
    assert "SECRET_KEY" in manifest.note
    url = str(site.config["DATABASE_URL"])
    at_backup = read_rows(url)

    with site.app_context():
        make_user("newcomer")
        db.session.commit()
    (tmp_path / "media" / "new.pdf").write_bytes(b"%PDF new")
    _stop(site)
    before = read_rows(url)
    refused = _run(site, "backup", "restore", str(path))
    assert refused.exit_code != 0
    assert "已有 9 个账号" in refused.output and "--force" in refused.output
    assert read_rows(url) == before
    assert read_files(tmp_path) == {**FILES, "media/new.pdf": b"%PDF new"}

    forced = _run(site, "backup", "restore", "--force", str(path))
    assert forced.exit_code == 0, forced.output
    assert "flask search reindex" in forced.output
    assert read_rows(url) == at_backup
    assert read_files(tmp_path) == FILES


def _truncated(path: Path, target: Path, keep: int) -> Path:
    target.write_bytes(path.read_bytes()[:keep])
    return target


def _without_manifest(target: Path) -> Path:
    with tarfile.open(target, "w:gz") as tar:
        info = tarfile.TarInfo("media/notes.txt")
        info.size = 5
        tar.addfile(info, io.BytesIO(b"notes"))
    return target


def test_bad_archives_are_refused_and_change_nothing(site, backend, tmp_path):
    created = _run(site, "backup", "create", "--output", str(tmp_path / "good.tar.gz"))
    assert created.exit_code == 0, created.output
    good = tmp_path / "good.tar.gz"
    size = good.stat().st_size
    other_kind = {"sqlite": "postgresql", "postgresql": "sqlite"}[backend]
    other_file = {"sqlite": "database/school.sqlite3", "postgresql": "database/school.pgdump"}

    def edit(name: str, **changes):
        return repack(good, tmp_path / name, lambda manifest: manifest.update(changes))

    def one_more_user(manifest):
        manifest["tables"]["users"] += 1

    text_file = tmp_path / "notes.txt"
    text_file.write_text("这不是备份")
    cases = {
        "不是有效的备份文件": text_file,
        "没有 manifest.json": _without_manifest(tmp_path / "empty.tar.gz"),
        "不完整或已损坏": _truncated(good, tmp_path / "half.tar.gz", size // 2),
        # Cut inside gzip's trailer only: every file is whole, but the copy is not complete.
        "不完整或已损坏 ": _truncated(good, tmp_path / "tail.tar.gz", size - 4),
        "更新版本的程序": edit("format.tar.gz", format_version=2),
        "比本程序新": edit("schema.tar.gz", alembic_revision="ffffffffffff"),
        "只能恢复到同一种数据库": edit(
            "kind.tar.gz", database_kind=other_kind, database_file=other_file[other_kind]
        ),
        # The manifest disagrees with the database in the archive (SQLite: found before the
        # copy is put in place; PostgreSQL: the restore's transaction is rolled back).
        "不符": repack(good, tmp_path / "counts.tar.gz", one_more_user),
    }
    assert gzip.decompress(good.read_bytes())  # the good archive itself is whole
    url = str(site.config["DATABASE_URL"])
    _stop(site)
    before = read_rows(url)
    for message, archive in cases.items():
        result = _run(site, "backup", "restore", "--force", str(archive))
        assert result.exit_code != 0, (message, result.output)
        assert message.strip() in result.output, (message, result.output)
        assert read_rows(url) == before, message
    assert read_files(tmp_path) == FILES
    assert sorted(p.name for p in (tmp_path / "instance").iterdir()) == []
