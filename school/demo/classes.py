"""The demo school's training class: the Spring-Festival class of 南山镇红星村党支部.

Two sessions today (so that the check-in screen can be tried at once), its secretary organising,
陈志强 (a floating member home for the holiday) and a few of the branch's members enrolled. Those
who attend both sessions receive a 培训证明. And a class held last month by the work committee,
which 陈志强 attended: his 培训证明 is in his archive, to print and to verify.
"""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal

from sqlalchemy import func, select, update

from school.auth.models import User
from school.classes import services
from school.classes.services import ClassFields
from school.clock import local_today
from school.db import db
from school.notifications.models import Notification
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
        certificate_share=100,
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


PAST_TITLE = "驻外流动党员党支部书记培训班"


def load_past(organiser: User, committee: Organisation, member: User) -> None:
    """Last month's one-day class of the work committee, 陈志强 present: his 培训证明."""
    fields = ClassFields(
        title=PAST_TITLE,
        kind="concentrated",
        description="驻外党支部书记和流动党员骨干的一日集中培训：党支部工作规范、流动党员教育管理。",
        place="青川市委党校",
        target_text="驻外党支部书记、流动党员骨干",
        target_org=committee,
        enrolment="invite",
        status="closed",
        certificate_share=100,
    )
    training_class = services.create_class(organiser, committee, fields)
    session = services.add_session(
        organiser,
        training_class,
        title="党支部工作规范与流动党员教育管理",
        day=local_today() - timedelta(days=30),
        start=time(9),
        end=time(17),
        hours=Decimal(8),
    )
    since = db.session.scalar(select(func.max(Notification.id))) or 0
    services.bulk_enrol(training_class, [member], organiser)
    services.check_in(session, member, organiser, "hand")
    # He was told of his place and of the certificate back then, and has read both.
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == member.id, Notification.id > since)
        .values(created_at=session.ends_at, read_at=session.ends_at)
    )
