"""Which notices a member has opened, and the home page's notices still to read.

Registered with the courses' home page from ``create_app``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from school import events
from school.auth.models import User
from school.clock import local_today
from school.db import db, utcnow
from school.notices.models import Notice, NoticeRead
from school.notices.permissions import is_addressed
from school.notices.services import NoticeError, addressed, visible_notices

# A notice this recent and not yet opened is a to-do; older ones stay on the notices page.
TO_READ_WITHIN = timedelta(days=30)
HOME_NOTICES = 5


def mark_read(reader: User, notice: Notice, now: datetime | None = None) -> bool:
    """Record that the reader read a notice addressed to them; True the first time (the first
    reading counts, and only it is announced as ``events.notice_read``).

    NoticeError for a notice not addressed to the reader (a draft, another organisation's, a
    staff member above its organisation): nothing is recorded.
    """
    if not is_addressed(reader, notice):
        raise NoticeError("这条通知不是发给您的，不需要回执。")
    done = db.session.scalar(
        select(NoticeRead.notice_id).where(
            NoticeRead.notice_id == notice.id, NoticeRead.user_id == reader.id
        )
    )
    if done is not None:
        return False
    at = now or utcnow()
    try:
        with db.session.begin_nested():
            db.session.add(NoticeRead(notice_id=notice.id, user_id=reader.id, read_at=at))
    except IntegrityError:  # the same notice opened in two tabs at once: the other one counts
        return False
    on_time = notice.required and local_today(at) <= notice.deadline
    events.notice_read.send(reader, notice=notice, at=at, required=notice.required, on_time=on_time)
    return True


def has_read(reader: User, notice: Notice) -> datetime | None:
    """When the reader's receipt of the notice was recorded (None: not yet)."""
    return db.session.scalar(
        select(NoticeRead.read_at).where(
            NoticeRead.notice_id == notice.id, NoticeRead.user_id == reader.id
        )
    )


def home_part(user: User, today: date) -> dict[str, object]:
    """Published notices addressed to the member, from the last 30 days, not yet read
    (one statement). Staff above a notice's organisation may read it but leave no receipt,
    so it is never a to-do of theirs."""
    opened = select(NoticeRead.notice_id).where(NoticeRead.user_id == user.id)
    query = (
        visible_notices(user)
        .where(
            addressed(user),
            Notice.published_at >= utcnow() - TO_READ_WITHIN,
            Notice.id.not_in(opened),
        )
        .limit(HOME_NOTICES)
    )
    return {"unread_notices": list(db.session.scalars(query))}
