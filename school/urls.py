"""Checking redirect targets that arrive from the browser."""

from urllib.parse import urlsplit


def local_path(target: str | None, host: str | None = None) -> str | None:
    """Return ``target`` as a path on this site, or None if it leads anywhere else.

    ``host`` allows full URLs that point back at this site (the Referer header sends those).
    Refuses ``//evil.example``, ``\\\\evil``, ``javascript:`` and other schemes.
    """
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    foreign = host is None or parts.scheme not in ("http", "https") or parts.netloc != host
    if (parts.scheme or parts.netloc) and foreign:
        return None
    path = parts.path
    if not path.startswith("/") or path.startswith("//"):
        return None
    return path + (f"?{parts.query}" if parts.query else "")
