"""The archive file: a gzip-compressed tar whose first member is manifest.json.

::

    manifest.json             format version, created_at, database kind, alembic revision,
                              row counts per table, what is included
    database/school.sqlite3   SQLite: a copy made with SQLite's online-backup API
    database/school.pgdump    PostgreSQL: pg_dump's custom format
    media/ ...                MEDIA_DIR
    uploads/ ...              UPLOAD_DIR
    secret_key                instance/secret_key; absent when SECRET_KEY comes from the environment

The manifest comes first so that a restore's checks read a few kilobytes, not the whole file.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import re
import tarfile
import zlib
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from school.backup.errors import BadArchive, Incompatible

FORMAT = "school-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
KEY_FILE = "secret_key"  # the member holding instance/secret_key
DATABASE_FILES = {"sqlite": "database/school.sqlite3", "postgresql": "database/school.pgdump"}
FOLDERS = ("database", "media", "uploads")
CHUNK = 1 << 20

# Media are mostly videos and PDFs that gzip cannot shrink; level 6 is as good as 9 on the rest
# and much faster.
_COMPRESSLEVEL = 6
_MANIFEST_MAX = 1 << 20
_TABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Manifest:
    """What an archive holds; stored as manifest.json."""

    format_version: int
    created_at: str
    database_kind: str
    database_file: str
    database_sha256: str
    alembic_revision: str | None  # several heads (never in this project) joined by ","
    tables: dict[str, int]  # row counts, taken in the snapshot that was dumped
    media: bool
    uploads: bool
    secret_key: bool
    server_version: str | None = None
    note: str = ""

    def to_json(self) -> bytes:
        data = {"format": FORMAT, **asdict(self)}
        return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True).encode()


def quote_table(name: str) -> str:
    """A table name for SQL text; names are plain identifiers, anything else is refused."""
    if not _TABLE_NAME.match(name):
        raise BadArchive(f"表名“{name}”无效：备份文件已损坏。")
    return f'"{name}"'


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def fsync_dir(path: Path) -> None:
    """Make a rename inside ``path`` survive a power cut."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- writing -----------------------------------------------------------------------------------


def write(
    path: Path,
    manifest: Manifest,
    dump: Path,
    media_dir: Path,
    upload_dir: Path,
    secret_key_file: Path | None,
) -> int:
    """Write the archive to ``path`` (a new file, mode 0600); returns how many files it holds."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as raw:
        with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=_COMPRESSLEVEL) as tar:
            body = manifest.to_json()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode, info.mtime = len(body), 0o600, int(datetime.now(UTC).timestamp())
            tar.addfile(info, io.BytesIO(body))
            tar.add(dump, arcname=manifest.database_file, recursive=False)
            files = _add_tree(tar, media_dir, "media")
            files += _add_tree(tar, upload_dir, "uploads")
            if secret_key_file is not None:
                tar.add(secret_key_file, arcname=KEY_FILE, recursive=False)
        raw.flush()
        os.fsync(raw.fileno())
    return files


def _add_tree(tar: tarfile.TarFile, root: Path, arcname: str) -> int:
    """Add a folder and what it holds; files deleted while we walk are skipped, not an error."""
    folder = tarfile.TarInfo(arcname)
    folder.type, folder.mode = tarfile.DIRTYPE, 0o700
    tar.addfile(folder)
    count = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        relative = Path(dirpath).relative_to(root)
        for name in dirnames:
            _add_if_present(tar, Path(dirpath) / name, f"{arcname}/{relative / name}")
        for name in sorted(filenames):
            count += _add_if_present(tar, Path(dirpath) / name, f"{arcname}/{relative / name}")
    return count


def _add_if_present(tar: tarfile.TarFile, path: Path, arcname: str) -> bool:
    try:
        tar.add(path, arcname=arcname, recursive=False)
    except FileNotFoundError:
        # A pending upload confirmed or discarded meanwhile: the snapshot has moved on.
        return False
    return True


# --- reading -----------------------------------------------------------------------------------


def read_manifest(archive: Path) -> Manifest:
    """The archive's manifest, checked for form; BadArchive when the file is not a backup."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            first = tar.next()
            member = tar.extractfile(first) if first is not None and first.isfile() else None
            if first is None or first.name != MANIFEST or member is None:
                raise BadArchive(f"{archive.name} 中没有 manifest.json：这不是本系统生成的备份。")
            if first.size > _MANIFEST_MAX:
                raise BadArchive("manifest.json 过大：这不是本系统生成的备份。")
            raw = member.read()
    except FileNotFoundError:
        raise BadArchive(f"找不到备份文件 {archive}。") from None
    except IsADirectoryError:
        raise BadArchive(f"{archive} 是一个目录，不是备份文件。") from None
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile):
        raise BadArchive(
            f"{archive.name} 不是有效的备份文件（应为 flask backup create 生成的 .tar.gz），"
            "或文件已损坏。"
        ) from None
    return _parse_manifest(raw)


_TYPES: dict[str, type | tuple[type, ...]] = {
    "created_at": str,
    "database_kind": str,
    "database_file": str,
    "database_sha256": str,
    "alembic_revision": (str, type(None)),
    "tables": dict,
    "media": bool,
    "uploads": bool,
    "secret_key": bool,
    "server_version": (str, type(None)),
    "note": str,
}


def _parse_manifest(raw: bytes) -> Manifest:
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BadArchive("manifest.json 无法解析：备份文件已损坏。") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BadArchive("manifest.json 不是本系统的备份清单。")
    version = data.get("format_version")
    if type(version) is not int or version < 1:
        raise BadArchive("manifest.json 缺少有效的格式版本。")
    if version > FORMAT_VERSION:
        raise Incompatible(
            f"这个备份由更新版本的程序生成（备份格式 {version}，本程序只认识 {FORMAT_VERSION}）："
            "请先升级程序再恢复。"
        )
    fields = {name: data.get(name) for name in _TYPES}
    tables = fields["tables"]
    if (
        any(not isinstance(fields[name], kind) for name, kind in _TYPES.items())
        or fields["database_file"] != DATABASE_FILES.get(str(fields["database_kind"]))
        or not all(type(count) is int for count in tables.values())  # type: ignore[union-attr]
    ):
        raise BadArchive("manifest.json 内容不完整：备份文件已损坏。")
    for name in tables:  # type: ignore[union-attr]
        quote_table(name)
    return Manifest(format_version=version, **fields)  # type: ignore[arg-type]


def extract(archive: Path, target: Path) -> None:
    """Unpack the whole archive into ``target``; BadArchive when it is cut short or damaged."""
    try:
        with gzip.open(archive, "rb") as stream:
            with tarfile.open(fileobj=stream, mode="r|") as tar:
                for member in tar:
                    top = member.name.split("/", 1)[0]
                    if member.name not in (MANIFEST, KEY_FILE) and top not in FOLDERS:
                        raise BadArchive(
                            f"备份中有不认识的文件 {member.name}：这不是本系统生成的备份。"
                        )
                    # The "data" filter refuses absolute paths, "..", links leading outside
                    # and device files: an archive cannot write outside ``target``.
                    tar.extract(member, target, filter="data")
            # Read on to gzip's end-of-stream marker: its length and CRC check catch an archive
            # cut short after the last complete file, which tar alone would accept.
            while stream.read(CHUNK):
                pass
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile):
        raise BadArchive(f"{archive.name} 不完整或已损坏（例如复制时被截断）。") from None
