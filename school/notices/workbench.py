"""What notices add to the staff workbench: drafts the staff member may finish and publish, and
the required notices of their organisations that too few members have read."""

from __future__ import annotations

from datetime import date

from flask import url_for
from sqlalchemy import or_, select

from school.auth.models import User
from school.db import db
from school.notices.following import following_window, is_low, reads_of_notice
from school.notices.models import Notice
from school.notices.permissions import can_write_notices
from school.notices.services import editable
from school.page_parts import Tally


def workbench_part(user: User, today: date) -> dict[str, Tally]:
    """Draft notices of the user's and of the organisations they manage, and the required ones
    read by fewer than 80% of their members by half the time to the deadline or overdue (one
    statement for both: a staff member's drafts and current required notices are few)."""
    rows = db.session.execute(
        select(Notice.status, Notice.published_at, Notice.deadline, Notice.audience_count)
        .add_columns(reads_of_notice())
        .where(editable(user), or_(Notice.status == "draft", following_window(today)))
    ).all()
    drafts = sum(1 for row in rows if row[0] == "draft")
    parts = {"notice_drafts": Tally("未发布的通知草稿", drafts, url_for("notices.index"))}
    if can_write_notices(user):
        low = [
            deadline
            for status, published_at, deadline, total, read in rows
            if status == "published"
            and is_low(published_at, deadline, read or 0, total or 0, today)
        ]
        parts["notice_reading"] = Tally(
            "阅读率偏低的必读通知",
            len(low),
            url_for("notices.required"),
            urgent=sum(1 for deadline in low if deadline < today),
        )
    return parts
