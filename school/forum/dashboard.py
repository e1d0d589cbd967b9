"""What boards add to the instructor's dashboard: the questions waiting for their answer.
Registered with the dashboard from ``create_app``."""

from __future__ import annotations

from datetime import date

from flask import url_for

from school.auth.models import User
from school.forum.services import waiting_counts
from school.page_parts import Tally


def dashboard_part(user: User, today: date) -> dict[str, Tally]:
    """Questions on the courses the user teaches, and items assigned to them, still without an
    answer; those past the answer deadline (FORUM_OVERDUE_DAYS) are urgent (one statement)."""
    count, overdue = waiting_counts(user)
    return {
        "questions": Tally(
            "待我答复的提问", count, url_for("forum.queue", waiting=1), urgent=overdue
        )
    }
