"""Backup and restore: one archive of the database, media, uploads and the secret key.

The database copy is one snapshot taken while the site keeps writing: SQLite's backup API copies
every page under one read transaction, and pg_dump runs inside a snapshot exported by our own
transaction, in which the manifest's row counts are taken too. Files are copied after the
snapshot: a file uploaded meanwhile is at worst an orphan in the archive, while no row in it
points at a file that did not exist yet. The archive (``archive.py`` has its layout) is written
under a temporary name with mode 0600, since it holds the secret key and members' personal
data, and renamed when complete: a crash never leaves a file that looks done.

A restore checks all it can before it changes anything: the manifest, the database kind, the
schema revision, that the database has no accounts (unless forced), the whole archive unpacked
with its database checksum and row counts. Only then is the database replaced (SQLite: a file
renamed into place; PostgreSQL: one transaction that drops the old objects, loads the dump and
checks the row counts), then the files and the key. The site must be stopped meanwhile.

These functions take URLs and paths, not the app's session: they copy whole databases, and
their commit is the rename or the single transaction above.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from school.backup import archive, postgres, sqlite
from school.backup.archive import DATABASE_FILES, FORMAT_VERSION, KEY_FILE, Manifest
from school.backup.errors import BackupError, BadArchive, Incompatible, NotEmpty

KIND_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


@dataclass(frozen=True)
class BackupResult:
    path: Path
    manifest: Manifest
    size: int  # bytes
    files: int  # media and upload files in the archive


@dataclass(frozen=True)
class RestoreResult:
    manifest: Manifest
    # The archive's schema is older than the code's: ``flask db upgrade`` brings it forward.
    needs_upgrade: bool


def database_kind(database_url: str) -> str:
    """ "sqlite" or "postgresql" for a SQLAlchemy URL; any other database is refused."""
    kind = make_url(database_url).get_backend_name()
    if kind not in DATABASE_FILES:
        raise BackupError(f"不支持备份 {kind} 数据库：只支持 SQLite 和 PostgreSQL。")
    return kind


def default_output(instance: Path, local_now: datetime) -> Path:
    """instance/backups/school-YYYYmmdd-HHMMSS.tar.gz, named in the school's local time."""
    return instance / "backups" / f"school-{local_now:%Y%m%d-%H%M%S}.tar.gz"


def instance_secret_in_use(secret_key_file: Path, secret_key: str) -> bool:
    """Whether the app's SECRET_KEY is the instance folder's (not one from the environment)."""
    try:
        return secret_key_file.read_text().strip() == secret_key
    except OSError:
        return False


def create_backup(
    database_url: str,
    output: Path,
    *,
    media_dir: Path,
    upload_dir: Path,
    secret_key_file: Path | None,
    now: datetime | None = None,
) -> BackupResult:
    """Write one archive of the database, media, uploads and (when given) the secret key file."""
    kind = database_kind(database_url)
    if output.exists():
        raise BackupError(f"{output} 已存在，不覆盖：请换一个文件名。")
    pg_dump = postgres.tool("pg_dump", database_url) if kind == "postgresql" else ""
    output.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # Work beside the output: the same filesystem makes the final rename atomic, and no copy of
    # the database passes through a shared /tmp.
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".backup-") as work:
        dump = Path(work) / Path(DATABASE_FILES[kind]).name
        server = None
        if kind == "sqlite":
            revision, tables = sqlite.dump(database_url, dump)
        else:
            revision, tables, server = postgres.dump(database_url, dump, pg_dump)
        manifest = Manifest(
            format_version=FORMAT_VERSION,
            created_at=(now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds"),
            database_kind=kind,
            database_file=DATABASE_FILES[kind],
            database_sha256=archive.sha256(dump),
            alembic_revision=revision,
            tables=tables,
            media=True,
            uploads=True,
            secret_key=secret_key_file is not None,
            server_version=server,
            note=""
            if secret_key_file is not None
            else "SECRET_KEY 来自环境变量，未包含在备份中：恢复时请设置同一个 SECRET_KEY。",
        )
        partial = Path(work) / "archive.tar.gz"
        files = archive.write(partial, manifest, dump, media_dir, upload_dir, secret_key_file)
        if output.exists():
            raise BackupError(f"{output} 已存在，不覆盖：请换一个文件名。")
        os.replace(partial, output)
    archive.fsync_dir(output.parent)
    return BackupResult(path=output, manifest=manifest, size=output.stat().st_size, files=files)


def restore_backup(
    archive_path: Path,
    database_url: str,
    *,
    media_dir: Path,
    upload_dir: Path,
    secret_key_file: Path,
    force: bool = False,
) -> RestoreResult:
    """Replace the database, media, uploads and secret key with an archive's.

    Refuses a database that has accounts unless ``force``; changes nothing when the archive is
    bad or does not fit this installation.
    """
    manifest = archive.read_manifest(archive_path)
    kind = database_kind(database_url)
    if manifest.database_kind != kind:
        raise Incompatible(
            f"这是 {KIND_NAMES[manifest.database_kind]} 数据库的备份，而 DATABASE_URL 指向 "
            f"{KIND_NAMES[kind]} 数据库：只能恢复到同一种数据库。"
        )
    needs_upgrade = _check_revision(manifest.alembic_revision)
    tools = ("", "")
    if kind == "postgresql":  # a missing program is reported before anything is unpacked
        tools = postgres.tool("pg_restore", database_url), postgres.tool("psql", database_url)
    if not force and (accounts := _account_count(database_url)):
        raise NotEmpty(
            f"数据库中已有 {accounts} 个账号，未做任何改动。确要用备份替换现有的全部数据、"
            "媒体和上传文件，请加 --force。"
        )
    secret_key_file.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=secret_key_file.parent, prefix=".restore-") as work:
        staged = Path(work)
        archive.extract(archive_path, staged)
        dump = staged / manifest.database_file
        if not dump.is_file() or archive.sha256(dump) != manifest.database_sha256:
            raise BadArchive("备份中的数据库文件缺失或校验不符：备份文件已损坏。")
        if manifest.secret_key and not (staged / KEY_FILE).is_file():
            raise BadArchive("备份清单说含有密钥，但备份中没有：备份文件已损坏。")
        if kind == "sqlite":
            sqlite.check_copy(dump, manifest)
        # Everything is checked: from here on the archive replaces what is there.
        if kind == "sqlite":
            sqlite.restore(dump, database_url)
        else:
            postgres.restore(dump, database_url, manifest, *tools)
        _replace_contents(staged / "media", media_dir)
        _replace_contents(staged / "uploads", upload_dir)
        if manifest.secret_key:
            _write_private(staged / KEY_FILE, secret_key_file)
    return RestoreResult(manifest=manifest, needs_upgrade=needs_upgrade)


def _check_revision(revision: str | None) -> bool:
    """Whether the archive's schema is older than the code's; Incompatible when it is unknown."""
    from alembic.script import ScriptDirectory

    # Imported here: school.cli imports this package's CLI, which must load without us.
    from school.cli import alembic_config

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    known = {rev.revision for rev in script.walk_revisions()}
    revisions = revision.split(",") if revision else []
    if not revisions:
        raise Incompatible("备份中的数据库没有迁移版本（alembic_version），无法判断能否恢复。")
    unknown = [rev for rev in revisions if rev not in known]
    if unknown:
        raise Incompatible(
            f"备份的数据库结构（版本 {', '.join(unknown)}）比本程序新：请先把程序升级到生成备份"
            "时的版本或更新的版本，再恢复。"
        )
    return set(revisions) != set(script.get_heads())


def _account_count(database_url: str) -> int:
    if database_kind(database_url) == "sqlite" and not sqlite.database_path(database_url).exists():
        return 0  # not even the file: do not create one just to look
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("users"):
                return 0
            return int(conn.scalar(text("SELECT count(*) FROM users")) or 0)
    finally:
        engine.dispose()


def _replace_contents(staged: Path, target: Path) -> None:
    """Make ``target`` hold exactly what the archive's folder holds (it may be a mount point)."""
    target.mkdir(parents=True, exist_ok=True)
    for child in target.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
    if staged.is_dir():
        for child in staged.iterdir():
            shutil.move(child, target / child.name)


def _write_private(source: Path, target: Path) -> None:
    partial = target.with_name(f".{target.name}.restore-{os.getpid()}")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(source.read_bytes())
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(partial, target)
