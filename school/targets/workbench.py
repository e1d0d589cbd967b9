"""The workbench's count of members whose target sheet waits for the staff member's score
(registered on ``workbench.page.workbench_page`` in create_app)."""

from __future__ import annotations

from datetime import date

from flask import url_for

from school.auth.models import User
from school.page_parts import Tally
from school.targets.services import pending_scores


def workbench_part(user: User, today: date) -> dict[str, Tally]:
    """Members of this year's published schemes (of organisations the user reads) with a manual
    indicator of the scheme's own side still unscored; nothing shown when none waits."""
    count = pending_scores(user, today.year)
    if not count:
        return {}
    return {"target_scores": Tally("待评分的目标考核", count, url_for("targets.index"))}
