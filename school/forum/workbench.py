"""What boards add to the staff workbench: items waiting for the staff member's organisations,
and the supervised items (督办) they watch. For the workbench's registry (``create_app``)."""

from __future__ import annotations

from datetime import date

from flask import url_for

from school.auth.models import User
from school.forum.services import supervised_counts, waiting_for_orgs
from school.page_parts import Tally


def workbench_part(user: User, today: date) -> dict[str, Tally]:
    """Two tallies for staff (none for others), one statement each:

    - ``board_items``: items routed to the user's organisations and those below them without an
      answer yet (new, or handed on to them and not answered since); urgent: past the answer
      deadline (FORUM_OVERDUE_DAYS) or their supervised deadline;
    - ``supervised``: unanswered items whose deadline the user's organisations (or those below)
      supervise, wherever they are handled now; urgent: past that deadline.
    """
    if not user.is_staff:
        return {}
    waiting, late = waiting_for_orgs(user, today)
    watched, past_due = supervised_counts(user, today)
    return {
        "board_items": Tally(
            "待答复的咨询、建议和求助", waiting, url_for("forum.queue", unanswered=1), late
        ),
        "supervised": Tally(
            "督办事项", watched, url_for("forum.queue", supervised=1), urgent=past_due
        ),
    }
