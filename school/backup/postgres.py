"""PostgreSQL: pg_dump in a snapshot of our own, and a restore in one transaction through psql.

The client programs get the connection from PG* environment variables built from DATABASE_URL,
so the password never appears on a command line (which ``ps`` shows to every user).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from school.backup.archive import CHUNK, Manifest, quote_table
from school.backup.errors import BackupError, ToolFailed, ToolMissing

# libpq connection parameters a URL's query may carry, and the variable each is read from.
_LIBPQ_ENV = {
    "host": "PGHOST",
    "hostaddr": "PGHOSTADDR",
    "port": "PGPORT",
    "dbname": "PGDATABASE",
    "user": "PGUSER",
    "password": "PGPASSWORD",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
    "options": "PGOPTIONS",
    "application_name": "PGAPPNAME",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "sslmode": "PGSSLMODE",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcrl": "PGSSLCRL",
    "channel_binding": "PGCHANNELBINDING",
    "gssencmode": "PGGSSENCMODE",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
}


def environment(database_url: str) -> dict[str, str]:
    """This process's environment plus the URL's parts as PG* variables."""
    url = make_url(database_url)
    parts: dict[str, object] = {
        "host": url.host,
        "port": url.port,
        "user": url.username,
        "password": url.password,
        "dbname": url.database,
    }
    for key, value in url.query.items():
        if key not in _LIBPQ_ENV:
            raise BackupError(f"DATABASE_URL 的参数 {key} 无法传给 PostgreSQL 客户端程序。")
        parts[key] = value[-1] if isinstance(value, tuple) else value
    env = dict(os.environ)
    env.update({_LIBPQ_ENV[k]: str(v) for k, v in parts.items() if v is not None and v != ""})
    return env


def tool(name: str, database_url: str) -> str:
    """The path of a client program, or ToolMissing saying which client to install."""
    path = shutil.which(name)
    if path is None:
        raise ToolMissing(
            f"找不到 {name}：请安装与数据库服务器主版本{_server_major(database_url)}相同的 "
            "PostgreSQL 客户端（Debian/Ubuntu 上是 postgresql-client-<主版本>），再重试。"
        )
    return path


def _server_major(database_url: str) -> str:
    # Only for the message: a server we cannot reach must not hide the missing program.
    engine = create_engine(database_url, poolclass=NullPool, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as conn:
            return f"（{conn.dialect.server_version_info[0]}）"
    except Exception:
        return ""
    finally:
        engine.dispose()


def _failure(name: str, code: int, stderr: bytes) -> str:
    detail = "\n".join(stderr.decode(errors="replace").strip().splitlines()[-20:])
    message = f"{name} 失败（退出码 {code}）：\n{detail}"
    if "version" in detail:
        message += "\n请安装与数据库服务器主版本相同的 PostgreSQL 客户端。"
    return message


def dump(database_url: str, target: Path, pg_dump: str) -> tuple[str | None, dict[str, int], str]:
    """pg_dump (custom format) to ``target``; returns the revision, row counts, server version."""
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            # pg_dump reads in the snapshot of this transaction, and the counts below are taken
            # in it too: the manifest describes exactly the rows in the dump.
            snapshot = conn.scalar(text("SELECT pg_export_snapshot()"))
            result = subprocess.run(  # noqa: S603 - a fixed program and options; no shell
                [
                    pg_dump,
                    "--format=custom",
                    # The archive is gzipped as a whole: compressing twice only costs time.
                    "--compress=0",
                    "--no-password",
                    f"--snapshot={snapshot}",
                    f"--file={target}",
                ],
                env=environment(database_url),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                check=False,
            )
            if result.returncode != 0:
                raise ToolFailed(_failure("pg_dump", result.returncode, result.stderr))
            revision, tables = _summary(conn)
            server = ".".join(str(part) for part in conn.dialect.server_version_info or ())
            conn.rollback()
    finally:
        engine.dispose()
    return revision, tables, server


def _summary(conn: Connection) -> tuple[str | None, dict[str, int]]:
    names = conn.scalars(
        text("SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = 'public' ORDER BY 1")
    ).all()
    tables = {
        name: conn.scalar(text(f"SELECT count(*) FROM public.{quote_table(name)}"))  # noqa: S608
        for name in names
    }
    revision = None
    if "alembic_version" in tables:
        rows = conn.scalars(text("SELECT version_num FROM public.alembic_version ORDER BY 1"))
        revision = ",".join(rows) or None
    return revision, tables


# Run first in the restore's transaction: remove what the public schema holds (a fresh
# install's migrated tables, or the data --force replaces) so that the dump loads into an empty
# schema. Objects that belong to extensions are left alone. A site still connected holds locks:
# fail after a while rather than wait for ever. (CASCADE's notices would only bury errors.)
_DROP_PUBLIC = """
SET lock_timeout = '10s';
SET client_min_messages = warning;
DO $$
DECLARE
    statements text[] := ARRAY(
        SELECT format('DROP %s IF EXISTS %I.%I CASCADE',
                      CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                                     WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE'
                                     ELSE 'TABLE' END,
                      n.nspname, c.relname)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
          AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                          AND d.objid = c.oid AND d.deptype = 'e')
        UNION ALL
        SELECT format('DROP ROUTINE IF EXISTS %I.%I(%s) CASCADE',
                      n.nspname, p.proname, pg_get_function_identity_arguments(p.oid))
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND p.prokind IN ('f', 'p')
          AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                          AND d.objid = p.oid AND d.deptype = 'e')
        UNION ALL
        SELECT format('DROP TYPE IF EXISTS %I.%I CASCADE', n.nspname, t.typname)
        FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd', 'r')
          AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_type'::regclass
                          AND d.objid = t.oid AND d.deptype = 'e')
    );
    statement text;
BEGIN
    FOREACH statement IN ARRAY statements LOOP
        EXECUTE statement;
    END LOOP;
END $$;
"""


def _count_check(manifest: Manifest) -> str:
    """SQL that aborts the restore's transaction unless every table has the manifest's rows."""
    # quote_table refuses anything but letters, digits and "_" (checked when the manifest was
    # read), so the names are safe in this text.
    checks = "".join(
        f"    IF (SELECT count(*) FROM public.{quote_table(name)}) <> {int(count)} THEN\n"  # noqa: S608
        f"        RAISE EXCEPTION '恢复后表 {name} 的行数与备份清单不符';\n"
        "    END IF;\n"
        for name, count in sorted(manifest.tables.items())
    )
    return f"DO $$\nBEGIN\n{checks}END $$;\n" if checks else ""


def restore(
    dump_file: Path, database_url: str, manifest: Manifest, pg_restore: str, psql: str
) -> None:
    """Drop, load and check in one transaction: any error leaves the database as it was."""
    env = environment(database_url)
    with _spooled() as restore_err, _spooled() as psql_err:
        loader = subprocess.Popen(  # noqa: S603 - a fixed program and options; no shell
            [psql, "--no-psqlrc", "--quiet", "--no-password", "--set=ON_ERROR_STOP=1", "--file=-"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=psql_err,
            env=env,
        )
        # pg_restore only turns the dump into SQL; psql runs it between our DROPs and our row
        # count check, in a transaction we commit only once pg_restore has finished cleanly
        # (pg_restore --single-transaction could not include the DROPs and the check).
        script = subprocess.Popen(  # noqa: S603 - a fixed program and options; no shell
            [pg_restore, "--no-owner", "--no-privileges", "--file=-", str(dump_file)],
            stdout=subprocess.PIPE,
            stderr=restore_err,
            env=env,
        )
        assert loader.stdin is not None and script.stdout is not None
        script_code = None
        try:
            loader.stdin.write(b"BEGIN;\n" + _DROP_PUBLIC.encode())
            shutil.copyfileobj(script.stdout, loader.stdin, CHUNK)
            script_code = script.wait()
            ending = _count_check(manifest) + "ANALYZE;\nCOMMIT;\n" if script_code == 0 else ""
            loader.stdin.write((ending or "ROLLBACK;\n").encode())
            loader.stdin.close()
        except BrokenPipeError:
            pass  # psql stopped at an error (ON_ERROR_STOP): nothing was committed
        finally:
            script.stdout.close()
        stopped = script_code is None  # psql failed first; pg_restore is stopped, not at fault
        if stopped:
            script.kill()
            script_code = script.wait()
        loader_code = loader.wait()
        if script_code != 0 and not stopped:
            raise ToolFailed(_failure("pg_restore", script_code, _read(restore_err)))
        if loader_code != 0:
            raise ToolFailed(_failure("psql", loader_code, _read(psql_err)))


@contextmanager
def _spooled() -> Iterator[IO[bytes]]:
    # A file, not a pipe, for the programs' messages: a full pipe nobody reads would stall them.
    with tempfile.TemporaryFile() as fh:
        yield fh


def _read(fh: IO[bytes]) -> bytes:
    fh.seek(0)
    return fh.read()
