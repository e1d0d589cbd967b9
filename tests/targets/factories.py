"""A published host-side scheme of the work committee (工委) for the world's floating member."""

from datetime import timedelta

from sqlalchemy import select

from school.auth.models import User
from school.clock import current_year, local_today
from school.db import db
from school.orgs.services import find_org
from school.targets import services
from school.targets.services import IndicatorFields, SchemeFields

# 100 points: automatic 20 + 10 + 15 + 10, manual 20 (home side) + 25 (host side).
INDICATORS = [
    IndicatorFields("political", "理论学习", 20, "hours"),
    IndicatorFields("political", "专题教育", 10, "campaigns"),
    IndicatorFields("discipline", "遵规守纪", 20, "manual", scorer_side="home"),
    IndicatorFields("organisation", "组织生活", 15, "offline", threshold=3),
    IndicatorFields("role", "建言献策", 10, "board", threshold=2),
    IndicatorFields("role", "岗位作用", 25, "manual", scorer_side="host"),
]


def host_scheme(*, publish: bool = True, future: bool = False, title: str = "工委目标考核"):
    """The work committee's scheme for its host-side members, this year, period around today."""
    committee = db.session.scalar(select(User).where(User.username == "committee"))
    today = local_today()
    # Around today, or (future) starting tomorrow: members may not write yet.
    start = today + timedelta(days=1) if future else today.replace(month=1, day=1)
    fields = SchemeFields(
        title=title,
        side="host",
        year=current_year(),
        period_start=start,
        period_end=start + timedelta(days=10) if future else today + timedelta(days=10),
    )
    scheme = services.create_scheme(committee, find_org("工委"), fields)
    for indicator in INDICATORS:
        services.add_indicator(scheme, indicator)
    if publish:
        services.publish(scheme, committee)
    db.session.flush()
    return scheme
