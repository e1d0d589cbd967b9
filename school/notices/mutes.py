"""Categories of new notices a member does not want to be told of in 消息.

Required reading is told to every member it binds whatever they muted
(services.notify_audience), and the settings page says so.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from school.auth.models import User
from school.db import db
from school.notices.models import CATEGORIES, NoticeMute
from school.notices.services import NoticeError


def muted(member: User) -> set[str]:
    """The categories the member muted."""
    return set(
        db.session.scalars(select(NoticeMute.category).where(NoticeMute.user_id == member.id))
    )


def set_muted(member: User, categories: Iterable[str]) -> set[str]:
    """Mute exactly these categories for the member (unknown ones refused: nothing changes)."""
    wanted = set(categories)
    unknown = wanted - CATEGORIES.keys()
    if unknown:
        raise NoticeError("没有这个栏目。")
    current = muted(member)
    if current - wanted:
        db.session.execute(
            delete(NoticeMute).where(
                NoticeMute.user_id == member.id, NoticeMute.category.in_(current - wanted)
            )
        )
    for category in sorted(wanted - current):
        try:
            with db.session.begin_nested():
                db.session.add(NoticeMute(user_id=member.id, category=category))
        except IntegrityError:  # the same setting saved in another tab at once
            pass
    return wanted
