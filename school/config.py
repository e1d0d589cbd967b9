"""Configuration defaults. Every value can be overridden from the environment.

Environment variables use the same names as the keys below (``DATABASE_URL``, ``SECRET_KEY``,
``SESSION_COOKIE_SECURE`` ...). They are documented in the README.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

DEFAULTS: dict[str, object] = {
    # "sqlite:///" paths are relative to the instance folder when not absolute.
    "DATABASE_URL": "sqlite:///school.db",
    "SECRET_KEY": None,
    "CONTENT_DIR": None,  # defaults to <project>/content
    "MEDIA_DIR": None,  # defaults to <instance>/media
    "UPLOAD_DIR": None,  # defaults to <instance>/uploads: forum images, pending quiz imports
    "TIMEZONE": "Asia/Shanghai",
    # Seconds a member must spend on a lesson before marking it studied, for lessons that do not
    # set their own ``min_minutes``. Checked on the server.
    "MIN_STUDY_SECONDS": 30,
    # Seconds after a quiz deadline during which answers already sent are still accepted.
    "QUIZ_GRACE_SECONDS": 10,
    # Boards: days without a staff reply before an item is overdue; boards held for approval.
    "FORUM_OVERDUE_DAYS": 7,
    "FORUM_PREMODERATED": "",
    # Log the email each notification would send (no mail server is configured yet).
    "NOTIFY_EMAIL": False,
    "ANNUAL_QUOTA_HOURS": 32,
    "CADRE_QUOTA_HOURS": 56,
    "SESSION_COOKIE_SECURE": False,
    # Host names the site answers to, comma-separated ("dangxiao.example.cn"; ".example.cn" takes
    # every subdomain). Empty answers any Host header: fine for `make run` on 127.0.0.1, not in
    # production, where a forged Host must get a 400 (Flask's TRUSTED_HOSTS, set in load()).
    "ALLOWED_HOSTS": "",
    # The site's address as members reach it ("https://dangxiao.example.cn"). Links that leave the
    # site (card QR codes, emails) are built on it, never on the request's Host header.
    "EXTERNAL_URL": "",
    "REMEMBER_COOKIE_DAYS": 14,
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_ENABLED": True,
    "LOGIN_RATE_LIMIT": "10 per minute;50 per hour",
    # Largest media file (video, PDF) that ``flask content import`` accepts, in megabytes.
    "MAX_MEDIA_MB": 500,
    # Uploads through the site, in megabytes: one limit per kind, stated on its form, checked by
    # the page before sending and by the server (school/uploads.py).
    "FORUM_IMAGE_MAX_MB": 5,
    "CARD_PHOTO_MAX_MB": 2,
    "ROSTER_MAX_MB": 10,
    "QUIZ_IMPORT_MAX_MB": 2,
    # Course material uploaded in the studio: images, PDF documents, videos, and the Word
    # documents converted to lesson text.
    "LESSON_IMAGE_MAX_MB": 5,
    "LESSON_DOCUMENT_MAX_MB": 50,
    "LESSON_VIDEO_MAX_MB": 500,
    "DOCX_MAX_MB": 20,
    # Days an asker is told they have to object to their question's anonymised FAQ copy (an
    # objection made later still withdraws it).
    "FORUM_FAQ_OBJECTION_DAYS": 7,
    # Electronic member card: days a card stays valid, and minutes its QR link can be scanned
    # (the card page fetches a fresh link before then).
    "CARD_VALID_DAYS": 365,
    "CARD_LINK_MINUTES": 10,
    # Seconds between the codes a class's check-in screen shows (2–30; each is good for 60 s).
    "CHECKIN_ROTATE_SECONDS": 20,
    # A font with Chinese characters for certificate PDFs: a .ttf, .otf or .ttc file, with
    # "#N" after a collection's file name to pick its N-th face. Empty: the first of the usual
    # system fonts found (Noto CJK, WenQuanYi, Droid Sans Fallback); with none, certificates
    # are printed from the browser and offer no PDF.
    "CERTIFICATE_FONT": "",
    # Search: "whoosh" (an index in SEARCH_INDEX_DIR, default <instance>/search-index) or
    # "postgres" (full-text search inside the database; only with a PostgreSQL DATABASE_URL).
    "SEARCH_BACKEND": "whoosh",
    "SEARCH_INDEX_DIR": None,
    # A search ranks at most this many matches, the first in the index; beyond it the words are
    # so common that the page says "more than" and invites a narrower query (see
    # school/search/service.py). Five pages of twenty; ranking deeper costs time on every such
    # search (at 50,000 documents 250 put Whoosh's p95 over 30 ms: bench/RESULTS.md).
    "SEARCH_CANDIDATES": 100,
    # Reminders by email and SMS (school/messaging.py): "log" writes them to the app log; email
    # may use "smtp" with the MAIL_* settings below. Up to REMINDER_DELIVER_INLINE such messages
    # go out right after a reminder is confirmed; larger batches wait for `reminders deliver`.
    "EMAIL_SENDER": "log",
    "SMS_SENDER": "log",
    "MAIL_SERVER": "",
    "MAIL_PORT": 25,
    "MAIL_USERNAME": "",
    "MAIL_PASSWORD": "",
    "MAIL_USE_TLS": False,
    "MAIL_FROM": "",
    "REMINDER_DELIVER_INLINE": 20,
}

_BOOL = {"1": True, "true": True, "yes": True, "on": True}


def _coerce(default: object, raw: str) -> object:
    if isinstance(default, bool):
        return _BOOL.get(raw.strip().lower(), False)
    if isinstance(default, int):
        return int(raw)
    return raw


def load(instance_path: str, overrides: dict | None = None) -> dict[str, object]:
    """Build the app configuration: defaults, then the environment, then explicit overrides."""
    cfg: dict[str, object] = dict(DEFAULTS)
    for key, default in DEFAULTS.items():
        raw = os.environ.get(key)
        if raw is not None and raw != "":
            cfg[key] = _coerce(default, raw) if default is not None else raw
    cfg.update(overrides or {})
    cfg["EXTERNAL_URL"] = _external_url(str(cfg["EXTERNAL_URL"] or ""))
    cfg["TRUSTED_HOSTS"] = _trusted_hosts(cfg)

    instance = Path(instance_path)
    project = Path(__file__).resolve().parent.parent
    cfg["CONTENT_DIR"] = str(cfg["CONTENT_DIR"] or project / "content")
    cfg["MEDIA_DIR"] = str(cfg["MEDIA_DIR"] or instance / "media")
    cfg["UPLOAD_DIR"] = str(cfg["UPLOAD_DIR"] or instance / "uploads")
    cfg["SEARCH_INDEX_DIR"] = str(cfg["SEARCH_INDEX_DIR"] or instance / "search-index")
    cfg["DATABASE_URL"] = _instance_relative_sqlite(str(cfg["DATABASE_URL"]), instance)
    if not cfg["SECRET_KEY"]:
        cfg["SECRET_KEY"] = _instance_secret(instance)

    secure = bool(cfg["SESSION_COOKIE_SECURE"])
    cfg.update(
        # Over HTTPS both cookies take the __Host- prefix: a browser then keeps them only if they
        # are Secure, on Path=/ and without Domain, so neither a sibling subdomain nor a plain-http
        # response can plant or overwrite a session. Path and Domain are pinned for that reason.
        SESSION_COOKIE_NAME="__Host-session" if secure else "session",
        SESSION_COOKIE_PATH="/",
        SESSION_COOKIE_DOMAIN=None,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_NAME="__Host-remember_token" if secure else "remember_token",
        REMEMBER_COOKIE_PATH="/",
        REMEMBER_COOKIE_DOMAIN=None,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=secure,
        # Never longer than 30 days, whatever the environment asks for.
        REMEMBER_COOKIE_DURATION=timedelta(days=min(int(cfg["REMEMBER_COOKIE_DAYS"]), 30)),
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        # The token is bound to the session instead of a clock, so a member who reads a lesson
        # for two hours can still submit (Flask-WTF's default expires tokens after one hour).
        WTF_CSRF_TIME_LIMIT=None,
        # Requests to views without an upload; a view that takes one reads up to its kind's cap
        # (school/uploads.py).
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
    )
    return cfg


def _external_url(raw: str) -> str:
    """EXTERNAL_URL without its trailing slash; anything but scheme://host[:port] stops startup."""
    url = raw.strip().rstrip("/")
    if not url:
        return ""
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        port_ok = False
    else:
        port_ok = True
    # A path would not be used (links carry the path the server mounts the site under), so it is
    # refused rather than left to make a QR code point somewhere unexpected.
    if not (
        port_ok
        and parts.scheme in ("http", "https")
        and parts.hostname
        and "@" not in parts.netloc
        and not (parts.path or parts.query or parts.fragment)
    ):
        raise ValueError(f"EXTERNAL_URL must look like https://dangxiao.example.cn: {raw!r}")
    return url


def _trusted_hosts(cfg: dict[str, object]) -> list[str] | None:
    """Flask's TRUSTED_HOSTS: ALLOWED_HOSTS and SERVER_NAME (and EXTERNAL_URL's host with them).

    None when neither is set: every Host is answered, as a development server must.
    """
    hosts = [h.strip().lower() for h in str(cfg["ALLOWED_HOSTS"] or "").split(",") if h.strip()]
    if cfg.get("SERVER_NAME"):
        hosts.append(str(cfg["SERVER_NAME"]).lower())
    if not hosts:
        return None
    if cfg["EXTERNAL_URL"]:
        # The address printed in QR codes must be one the site answers.
        hosts.append(urlsplit(str(cfg["EXTERNAL_URL"])).hostname or "")
    return hosts


def _instance_relative_sqlite(url: str, instance: Path) -> str:
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != "sqlite://":
        path = url[len(prefix) :]
        if path and path != ":memory:":
            instance.mkdir(parents=True, exist_ok=True)
            return prefix + str(instance / path)
    return url


def _instance_secret(instance: Path) -> str:
    """Read the secret key from the instance folder, creating it on first run."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    # Write a private temporary file, then link it into place: link() fails if the key exists,
    # so when two workers start at once both end up with the first one's complete key.
    tmp = instance / f".secret_key.{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_hex(32))
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return path.read_text().strip()
