"""Creating and reading notifications. Callers commit; these functions only add and flush."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import (
    ColumnElement,
    ScalarSelect,
    Select,
    String,
    func,
    insert,
    literal,
    select,
    update,
)

from school.auth.models import User
from school.db import UTCDateTime, db, utcnow
from school.notifications.models import Notification
from school.urls import absolute_url, local_path

TEXT_LENGTH = 300
URL_LENGTH = 300

mail_log = logging.getLogger("school.mail")


def local_target(url: str | None) -> str | None:
    """The url as a path on this site, keeping its #fragment, or None if it leads elsewhere."""
    path = local_path(url)
    if path is None:
        return None
    # local_path drops the fragment; keep it so a link can point at one reply in a thread.
    fragment = urlsplit(url).fragment
    return f"{path}#{fragment}" if fragment else path


def notify(
    users: Iterable[User], kind: str, text: str, url: str, *, exclude: User | None = None
) -> int:
    """Notify each distinct active user except ``exclude``; returns how many were notified.

    ``text`` must hold only what every recipient may see: it is shown to them as it is.
    """
    target = _checked_target(url)
    text = _fitted(text)
    recipients: dict[int, User] = {}
    for user in users:
        # The actor never hears about their own action; deactivated accounts cannot log in.
        if user.active and (exclude is None or user.id != exclude.id):
            recipients.setdefault(user.id, user)
    for user in recipients.values():
        db.session.add(Notification(user_id=user.id, kind=kind, text=text, url=target))
    db.session.flush()
    if recipients and current_app.config.get("NOTIFY_EMAIL"):
        _log_email(recipients.values(), text, target)
    return len(recipients)


def notify_all(
    who: ColumnElement[bool], kind: str, text: str, url: str, *, exclude: User | None = None
) -> int:
    """Notify every active user ``who`` selects (a WHERE clause on ``User``) except ``exclude``,
    in one INSERT … SELECT; returns how many were notified.

    For audiences of any size (a city-wide notice reaches every member): no row passes through
    Python. ``text`` must hold only what every recipient may see.
    """
    target = _checked_target(url)
    text = _fitted(text)
    recipients = select(
        User.id,
        literal(kind, String),
        literal(text, String),
        literal(target, String),
        literal(utcnow(), UTCDateTime),
    ).where(who, User.active.is_(True))
    if exclude is not None:
        recipients = recipients.where(User.id != exclude.id)
    columns = ["user_id", "kind", "text", "url", "created_at"]
    statement = insert(Notification).from_select(columns, recipients)
    # SQLAlchemy counts an INSERT's rows only when asked (PostgreSQL would report none).
    result = db.session.execute(statement.execution_options(preserve_rowcount=True))
    count = max(result.rowcount, 0)
    if count and current_app.config.get("NOTIFY_EMAIL"):
        # One line, not one per recipient: a city-wide notice would flood the log.
        mail_log.info("email to %d users: %s (%s)", count, text, absolute_url(target))
    return count


def notify_selected(rows: Select, kind: str, url: str, now: datetime | None = None) -> int:
    """One notification per row of ``rows`` (a SELECT of a user id and that user's text, in
    that order), in one INSERT … SELECT; returns how many.

    For thousands of recipients each with their own text (an aimed reminder): the texts are
    already in the database, so nothing passes through Python. The caller has chosen the users;
    each text must hold only what its recipient may see and fit ``TEXT_LENGTH``.
    """
    target = _checked_target(url)
    source = rows.subquery()
    user_id, text = source.c
    statement = insert(Notification).from_select(
        ["user_id", "kind", "text", "url", "created_at"],
        select(
            user_id,
            literal(kind, String),
            text,
            literal(target, String),
            literal(now or utcnow(), UTCDateTime),
        ),
    )
    result = db.session.execute(statement.execution_options(preserve_rowcount=True))
    return max(result.rowcount, 0)


def fitted(text: str) -> str:
    """A notification's text cut to ``TEXT_LENGTH`` with an ellipsis, as ``notify`` stores it."""
    return _fitted(text)


def _checked_target(url: str) -> str:
    target = local_target(url)
    if target is None or len(target) > URL_LENGTH:
        raise ValueError(f"notification url must be a local path: {url!r}")
    return target


def _fitted(text: str) -> str:
    # A long title must not make the whole request fail on PostgreSQL.
    return text[: TEXT_LENGTH - 1] + "…" if len(text) > TEXT_LENGTH else text


def _log_email(users: Iterable[User], text: str, url: str) -> None:
    # Email is optional and off by default; until a mail backend exists, development shows in the
    # log what would have been sent. Accounts have no address yet, so the username stands in.
    # A link in an email needs the site's address: the configured one, never the request's Host.
    link = absolute_url(url)
    for user in users:
        mail_log.info("email to %s: %s (%s)", user.username, text, link)


def unread_count(user: User) -> int:
    """How many of the user's notifications are unread."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        )
        or 0
    )


def unread_count_of_user() -> ScalarSelect[int]:
    """``unread_count`` as a subquery on ``User.id``: the login check runs it in its statement."""
    return (
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == User.id, Notification.read_at.is_(None))
        .correlate(User)
        .scalar_subquery()
    )


def inbox(user: User, page: int, per_page: int = 20) -> tuple[list[Notification], int]:
    """One page of the user's notifications, newest first, and how many there are in all."""
    mine = Notification.user_id == user.id
    total = db.session.scalar(select(func.count()).select_from(Notification).where(mine)) or 0
    rows = db.session.scalars(
        select(Notification)
        .where(mine)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(per_page)
        .offset((max(page, 1) - 1) * per_page)
    )
    return list(rows), total


def open_notification(user: User, notification_id: int) -> Notification | None:
    """The user's notification, now marked read; None when it is not theirs (or not there)."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        return None
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()
    return notification


def mark_all_read(user: User) -> int:
    """Mark every unread notification of the user read; returns how many were unread."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return result.rowcount
