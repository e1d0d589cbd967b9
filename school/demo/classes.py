"""The demo school's training class: the Spring-Festival class of 南山镇红星村党支部.

Two sessions today (so that the check-in screen can be tried at once), its secretary organising,
陈志强 (a floating member home for the holiday) and a few of the branch's members enrolled.
"""

from __future__ import annotations

from datetime import time
from decimal import Decimal

from sqlalchemy import select

from school.auth.models import User
from school.classes import services
from school.classes.services import ClassFields
from school.clock import local_today
from school.db import db
from school.orgs.models import Organisation

TITLE = "2027 年春节返乡流动党员培训班"


def load(organiser: User, branch: Organisation, members: list[User]) -> None:
    """Create the class, its two sessions and its enrolments (the branch's staff enrol them)."""
    fields = ClassFields(
        title=TITLE,
        kind="homecoming",
        description=(
            "春节期间返乡的流动党员集中学习：家乡一年来的发展变化、流动党员教育管理的新要求，"
            "以及在外创业的经验交流。到场后请用手机扫描签到屏上的二维码签到。"
        ),
        place="南山镇党群服务中心二楼会议室",
        capacity=30,
        target_text="返乡流动党员、红星村党支部党员",
        target_org=branch,
        enrolment="open",
    )
    training_class = services.create_class(organiser, branch, fields)
    today = local_today()
    for title, start, end, hours in (
        ("开班式暨家乡发展情况通报", time(9), time(12), Decimal(4)),
        ("流动党员在外创业经验交流", time(14), time(17), Decimal(4)),
    ):
        services.add_session(
            organiser,
            training_class,
            title=title,
            day=today,
            start=start,
            end=end,
            hours=hours,
        )
    classmates = db.session.scalars(
        select(User)
        .where(User.home_org_id == branch.id, User.role == "member", User.id != organiser.id)
        .order_by(User.id)
        .limit(4)
    )
    people = list(dict.fromkeys([*members, *classmates]))
    services.bulk_enrol(training_class, people, organiser)
