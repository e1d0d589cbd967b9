"""Which notices a member has opened, and the home page's notices still to read.

Registered with the courses' home page from ``create_app``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from school.auth.models import User
from school.db import db, utcnow
from school.notices.models import Notice, NoticeRead
from school.notices.services import visible_notices

# A notice this recent and not yet opened is a to-do; older ones stay on the notices page.
TO_READ_WITHIN = timedelta(days=30)
HOME_NOTICES = 5


def mark_read(reader: User, notice: Notice, now: datetime | None = None) -> None:
    """Record that the reader opened a published notice (once; the first opening counts)."""
    if not notice.is_published:
        return
    done = db.session.scalar(
        select(NoticeRead.notice_id).where(
            NoticeRead.notice_id == notice.id, NoticeRead.user_id == reader.id
        )
    )
    if done is not None:
        return
    try:
        with db.session.begin_nested():
            db.session.add(
                NoticeRead(notice_id=notice.id, user_id=reader.id, read_at=now or utcnow())
            )
    except IntegrityError:  # the same notice opened in two tabs at once
        pass


def home_part(user: User, today: date) -> dict[str, object]:
    """Published notices that reach the member, from the last 30 days, not yet opened
    (one statement)."""
    opened = select(NoticeRead.notice_id).where(NoticeRead.user_id == user.id)
    query = (
        visible_notices(user)
        .where(Notice.published_at >= utcnow() - TO_READ_WITHIN, Notice.id.not_in(opened))
        .limit(HOME_NOTICES)
    )
    return {"unread_notices": list(db.session.scalars(query))}
