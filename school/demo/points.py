"""The demo's points: the default rules, and two months of 陈志强's points to look at."""

from datetime import UTC, date, datetime, time, timedelta

from school.auth.models import User
from school.clock import local_today, local_zone
from school.points import services
from school.points.services import RuleFields

# (points, daily cap) per action: a sensible start that admins change under 管理 → 积分规则.
DEFAULT_RULES = {
    "lesson": (1, 10),
    "course": (5, None),
    "exam": (3, None),
    "practice": (1, 1),
    "daily_practice": (2, None),
    "class": (3, None),
    "answer": (2, 10),
    "notice": (1, None),
    "honour": (20, None),
}
_LESSONS = ["党员的权利", "党员的义务", "流动党员的组织生活", "诚信经营", "守住底线", "爱国爱乡"]


def load(admin: User, member: User) -> None:
    """Set the default rules from the start of last year, then give 陈志强 some history."""
    since = date(local_today().year - 1, 1, 1)
    for action, (points, daily) in DEFAULT_RULES.items():
        services.set_rule(admin, action, RuleFields(points, daily, None, since), today=since)
    for days_ago in range(60, 0, -1):
        day = local_today() - timedelta(days=days_ago)
        evening = datetime.combine(day, time(20, 30), local_zone()).astimezone(UTC)
        if days_ago % 3 == 0:
            continue  # busy days: the ledger has gaps, as a real one does
        services.award(
            member.id, "daily_practice", f"daily:{day}", "每日答题：答对 4/5 题", evening
        )
        title = _LESSONS[days_ago % len(_LESSONS)]
        services.award(member.id, "lesson", f"demo:{day}", f"课时：{title}", evening)
        if days_ago % 7 == 1:
            services.award(member.id, "practice", f"practice:{day}", "练习：党章党规", evening)
