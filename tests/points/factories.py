"""Points rules for tests: set straight in the table, in force since long ago."""

from __future__ import annotations

from datetime import date

from school.db import db
from school.points.models import PointRule

SINCE = date(2000, 1, 1)
# (points, daily cap, yearly cap) per action: what the demo sets, a little smaller.
DEFAULTS = {
    "lesson": (1, 3, None),
    "course": (5, None, None),
    "exam": (3, None, None),
    "practice": (1, 1, None),
    "daily_practice": (2, None, None),
    "class": (3, None, None),
    "answer": (2, 10, None),
    "notice": (1, None, None),
    "honour": (20, None, None),
}


def set_rules(since: date = SINCE, **changes: tuple[int, int | None, int | None]) -> dict:
    """One version of every action's rule (``changes`` replace some), in force from ``since``."""
    rules = {}
    for action, (points, daily, yearly) in {**DEFAULTS, **changes}.items():
        rules[action] = PointRule(
            action=action, points=points, daily_cap=daily, yearly_cap=yearly, effective_from=since
        )
        db.session.add(rules[action])
    db.session.flush()
    return rules
