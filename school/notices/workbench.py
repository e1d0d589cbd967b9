"""What notices add to the staff workbench: drafts the staff member may finish and publish, and
the required notices of their organisations that too few members have read."""

from __future__ import annotations

from datetime import date

from flask import url_for
from sqlalchemy import func, select

from school.auth.models import User
from school.db import db
from school.notices.following import required_notices
from school.notices.models import Notice
from school.notices.permissions import can_write_notices
from school.notices.services import editable
from school.page_parts import Tally


def workbench_part(user: User, _today: date) -> dict[str, Tally]:
    """Draft notices of the user's and of the organisations they manage (one statement)."""
    drafts = db.session.scalar(
        select(func.count(Notice.id)).where(Notice.status == "draft", editable(user))
    )
    return {"notice_drafts": Tally("未发布的通知草稿", drafts or 0, url_for("notices.index"))}


def reading_part(user: User, today: date) -> dict[str, Tally]:
    """Required notices of the user's organisations read by fewer than 80% of their members
    by half the time to the deadline, or overdue (two statements; none for those who write no
    notices)."""
    if not can_write_notices(user):
        return {}
    behind = [item for item in required_notices(user, today) if item.low]
    overdue = sum(1 for item in behind if item.notice.deadline < today)
    return {
        "notice_reading": Tally(
            "阅读率偏低的必读通知", len(behind), url_for("notices.required"), urgent=overdue
        )
    }
