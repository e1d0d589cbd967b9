"""What boards add to the member's home page: replies waiting to be read. Registered with the
courses' home page from ``create_app``."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from school.auth.models import User
from school.db import db
from school.notifications.models import Notification

# The notifications boards send when someone answers the member's item or moves it along
# (services.reply and services.change_state); opening one marks it read.
REPLY_KINDS = ("reply", "state")
HOME_REPLIES = 5


def home_part(user: User, today: date) -> dict[str, object]:
    """The newest unread replies and state changes on the member's items (one statement)."""
    query = (
        select(Notification)
        .where(
            Notification.user_id == user.id,
            Notification.read_at.is_(None),
            Notification.kind.in_(REPLY_KINDS),
        )
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(HOME_REPLIES)
    )
    return {"waiting_replies": list(db.session.scalars(query))}
