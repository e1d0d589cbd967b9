"""A round taken to publication the short way, for tests of what follows an honour."""

from __future__ import annotations

from datetime import timedelta

from school.auth.models import User
from school.clock import local_today
from school.honours import services
from tests.honours.factories import open_round


def publish_for(admin: User, member: User, title: str = "优秀共产党员") -> list:
    """Open a city round, nominate the member as the committee, hold the 公示, publish."""
    round_ = open_round(admin, "市委", title=title)
    services.nominate(admin, round_, member, "带头学习，热心服务")
    start = local_today() + timedelta(days=6)
    services.start_notice(admin, round_, today=start)
    return services.publish(admin, round_, today=start + timedelta(days=round_.notice_days))
