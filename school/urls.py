"""Redirect targets that arrive from the browser, and full links that leave the site."""

import logging
from urllib.parse import urlsplit

from flask import current_app, url_for

log = logging.getLogger(__name__)

# What `make run` serves: the stand-in address when EXTERNAL_URL and SERVER_NAME are both unset.
DEVELOPMENT_ORIGIN = "http://127.0.0.1:5000"
_WARNED = "school.urls.warned"


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


def site_origin() -> str:
    """``scheme://host[:port]`` of this site as configured, never taken from the request.

    The request's Host header is whatever the client sent; a link built on it and printed in a
    QR code or an email would send members to another site. Without EXTERNAL_URL, SERVER_NAME or
    the development address stands in, with a warning (once per app) that production must set it.
    """
    config = current_app.config
    origin = str(config.get("EXTERNAL_URL") or "")
    if origin:
        return origin
    server = config.get("SERVER_NAME")
    fallback = f"{config['PREFERRED_URL_SCHEME']}://{server}" if server else DEVELOPMENT_ORIGIN
    if not current_app.extensions.get(_WARNED):
        current_app.extensions[_WARNED] = True
        log.warning("EXTERNAL_URL is not set: full links (card QR codes, emails) use %s", fallback)
    return fallback


def absolute_url(path: str) -> str:
    """A path on this site (as ``url_for`` builds it) as a full URL on the configured origin."""
    return site_origin() + path


def external_url(endpoint: str, **values) -> str:
    """``url_for(endpoint, **values)`` as a full URL for use off the site (see ``site_origin``)."""
    return absolute_url(url_for(endpoint, **values))
