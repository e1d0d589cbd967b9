"""Demo daily practice: the 专项 bank feeds it, and 陈志强 has practised three days running.

Only the practice bank (专项) is chosen: the exam's questions stay out, or daily practice would
show the answers the exam keeps back. 陈志强 answered the three days before today (missing one
question on the middle day), so his home page shows a streak of 3 and today still to do.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from school.auth.models import User
from school.clock import local_today, local_zone
from school.db import db
from school.practice import services
from school.practice.models import PracticeItem
from school.quizzes.models import Category

BANK = "专项"
STREAK_DAYS = 3


def right_values(item: PracticeItem) -> list[str]:
    """The form values of the item's right answer, as a member who knows it would send them."""
    data, qtype = item.version.data, item.version.qtype
    if qtype in ("single", "multiple"):
        return [str(i) for i, o in enumerate(data["options"]) if Decimal(o["fraction"]) > 0]
    if qtype == "truefalse":
        return ["true" if Decimal(data["true"]["fraction"]) == 1 else "false"]
    if qtype == "fillin":
        return [next(a["text"] for a in data["answers"] if Decimal(a["fraction"]) == 1)]
    if qtype == "numerical":
        return [next(a["value"] for a in data["answers"] if Decimal(a["fraction"]) == 1)]
    rights = item.layout["rights"]  # matching
    return [f"{i}:{rights.index(data['pairs'][i]['right'])}" for i in item.layout["lefts"]]


def demo_practice(admin: User, floating: User) -> None:
    """Choose the practice bank and give 陈志强 his three days."""
    bank = db.session.scalars(select(Category.id).where(Category.path == BANK))
    services.choose_categories(admin, list(bank))
    today = local_today()
    for back in range(STREAK_DAYS, 0, -1):
        day = today - timedelta(days=back)
        at = datetime.combine(day, time(21, 30), local_zone()).astimezone(UTC)
        draw = services.draw_for(floating, day, at)
        missed = back == 2
        fields = {
            f"q{item.position}": [] if missed and item.position == 1 else right_values(item)
            for item in draw.items
        }
        services.submit(floating, draw.id, fields, day, at + timedelta(minutes=4))
