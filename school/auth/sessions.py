"""Login sessions kept on the server.

A login creates a ``LoginSession`` row and gives the browser a random secret; the row stores only
its SHA-256. Both the session cookie and the remember cookie carry that secret (Flask-Login keeps
``User.get_id()`` in them), so every request resolves the secret to a live row:

    started ──(request within expiry)──> live ──(logout | signed out elsewhere | password change |
                                                  reset | account disabled)──> ended
            └──(expiry passes)──> ended ("expired", written when next presented)

An ended row is kept with its reason: the member's device list and an administrator's questions
("who was logged in from where") both read it. Ending is final; a new login makes a new row.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta
from functools import cache

from flask import current_app
from sqlalchemy import ColumnElement, bindparam, delete, or_, select, update
from sqlalchemy.orm import contains_eager

from school.auth.models import END_REASONS, LoginSession, User
from school.db import db, utcnow

# A sliding idle limit for a login without "keep me logged in"; the browser may keep its session
# cookie for weeks (phones rarely close a browser), the server does not.
IDLE_LIMIT = timedelta(hours=12)
# Writing "last seen" on every request would turn every page view into a write; once in a few
# minutes is precise enough for a device list.
TOUCH_EVERY = timedelta(minutes=5)
# Ended and expired logins stay this long for the device list and questions about them, then go
# (deleted for the user at their next login, so the table does not grow with every login).
KEEP_ENDED = timedelta(days=90)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _remember_for() -> timedelta:
    return current_app.config["REMEMBER_COOKIE_DURATION"]


def start(
    user: User,
    *,
    remember: bool,
    ip: str | None,
    user_agent: str | None,
    now: datetime | None = None,
) -> str:
    """Open a login session for ``user`` and return the secret for the browser's cookies."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    db.session.add(
        LoginSession(
            user_id=user.id,
            token_hash=_digest(token),
            remember=remember,
            created_at=now,
            last_seen_at=now,
            expires_at=now + (_remember_for() if remember else IDLE_LIMIT),
            first_ip=(ip or "")[:45] or None,
            last_ip=(ip or "")[:45] or None,
            user_agent=(user_agent or "")[:255] or None,
        )
    )
    user.last_login_at = now
    user.login_token = token
    db.session.execute(
        delete(LoginSession).where(
            LoginSession.user_id == user.id,
            or_(
                LoginSession.ended_at < now - KEEP_ENDED,
                LoginSession.expires_at < now - KEEP_ENDED,
            ),
        )
    )
    db.session.flush()
    return token


# Figures pages show about the signed-in user on every visit (the unread count, the organisations
# whose notices reach them), by name: each a scalar subquery correlated to ``User``. Features
# above auth register them, so the login check that runs on every request fetches them in its
# own statement instead of one statement each.
_figures: dict[str, ColumnElement] = {}


def add_figure(name: str, expression: ColumnElement) -> None:
    """Have the login check compute ``expression`` for the user as ``user.figures[name]``."""
    # Once: create_app runs again in tests, and each new label would build another statement.
    _figures.setdefault(name, expression.label(name))


@cache
def _live(figures: tuple[ColumnElement, ...]):
    # Built once per set of figures: constructing the statement costs as much as running it.
    return (
        select(LoginSession, *figures)
        .join(LoginSession.user)
        .where(LoginSession.token_hash == bindparam("digest"))
        .where(LoginSession.ended_at.is_(None))
        .options(contains_eager(LoginSession.user).undefer(User.holds_grants))
    )


def resolve(token: str, *, ip: str | None, now: datetime | None = None) -> User | None:
    """The active user of the live session this secret opens, or None (one statement)."""
    if not token or len(token) > 100:
        return None
    now = now or utcnow()
    statement = _live(tuple(_figures.values()))
    row = db.session.execute(statement, {"digest": _digest(token)}).one_or_none()
    if row is None or not row[0].user.active:
        return None
    login = row[0]
    login.user.figures = dict(zip(_figures, row[1:], strict=True))
    expired = now >= login.expires_at
    if expired:
        login.ended_at, login.end_reason = now, "expired"
    elif now - login.last_seen_at >= TOUCH_EVERY or (ip and ip[:45] != login.last_ip):
        login.last_seen_at = now
        login.last_ip = (ip or "")[:45] or login.last_ip
        if not login.remember:
            login.expires_at = now + IDLE_LIMIT
    if db.session.dirty:
        # Bookkeeping, committed before the view runs (the loader runs first in a request), so
        # that a page that only reads still records the visit; nothing else is pending yet.
        db.session.commit()
    if expired:
        return None
    login.user.login_token = token
    return login.user


def current(token: str | None) -> LoginSession | None:
    """The live row behind this secret (for the device page), or None."""
    if not token:
        return None
    return db.session.scalar(
        select(LoginSession).where(
            LoginSession.token_hash == _digest(token), LoginSession.ended_at.is_(None)
        )
    )


def _end(login: LoginSession, reason: str, now: datetime) -> None:
    login.ended_at = now
    login.end_reason = reason
    db.session.flush()


def end(token: str | None, reason: str = "logout", now: datetime | None = None) -> None:
    """End the session behind this secret (logout); an unknown or ended one is left alone."""
    login = current(token)
    if login is not None:
        _end(login, reason, now or utcnow())


def end_one(user: User, session_id: int, now: datetime | None = None) -> bool:
    """Sign one of the user's own sessions out (from the device list); False if not theirs."""
    login = db.session.get(LoginSession, session_id)
    if login is None or login.user_id != user.id or login.ended_at is not None:
        return False
    _end(login, "signed_out", now or utcnow())
    return True


def end_all(
    user: User, reason: str, *, keep: str | None = None, now: datetime | None = None
) -> int:
    """End every live session of the user except the one behind ``keep``; returns how many."""
    assert reason in END_REASONS
    query = update(LoginSession).where(
        LoginSession.user_id == user.id, LoginSession.ended_at.is_(None)
    )
    if keep:
        query = query.where(LoginSession.token_hash != _digest(keep))
    result = db.session.execute(
        query.values(ended_at=now or utcnow(), end_reason=reason),
        execution_options={"synchronize_session": False},
    )
    db.session.flush()
    return result.rowcount


def live_sessions(user: User, now: datetime | None = None) -> list[LoginSession]:
    """The user's sessions that still open pages, most recently used first."""
    return list(
        db.session.scalars(
            select(LoginSession)
            .where(
                LoginSession.user_id == user.id,
                LoginSession.ended_at.is_(None),
                LoginSession.expires_at > (now or utcnow()),
            )
            .order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc())
        )
    )


# Order matters: WeChat's browser and Edge also say "Chrome", iPads also say "Mac OS".
_BROWSERS = (
    ("MicroMessenger", "微信"),
    ("DingTalk", "钉钉"),
    ("Edg/", "Edge"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("HarmonyOS", "鸿蒙"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS", "Mac"),
    ("Linux", "Linux"),
)
_CLIENT = re.compile(r"[\w\-]+")


def describe(user_agent: str | None) -> str:
    """A short name for the device a member will recognise: "iPhone · 微信"."""
    agent = user_agent or ""
    system = next((label for key, label in _SYSTEMS if key in agent), None)
    browser = next((label for key, label in _BROWSERS if key in agent), None)
    if system or browser:
        return " · ".join(part for part in (system, browser) if part)
    # A script or app: show the first word it calls itself (curl, python-requests ...).
    match = _CLIENT.match(agent)
    return match.group(0)[:30] if match else "未知设备"
