"""Why a backup or restore cannot go ahead. Each message is for the administrator (zh-CN)."""


class BackupError(Exception):
    """A backup or restore that cannot go ahead."""


class BadArchive(BackupError):
    """The file is not a complete backup archive made by this program."""


class Incompatible(BackupError):
    """The archive is sound but cannot be restored here (database kind, newer format or schema)."""


class NotEmpty(BackupError):
    """The database already holds accounts and the restore was not forced."""


class ToolMissing(BackupError):
    """A PostgreSQL client program (pg_dump, pg_restore, psql) is not installed."""


class ToolFailed(BackupError):
    """A PostgreSQL client program exited with an error."""
