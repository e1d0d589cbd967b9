"""Demo commendation: the city's 优秀流动党员 round with one nominee in the 公示.

The work committee nominates 陈志强, whom it hosts in Shenzhen; the city approves; the
nomination period is over and the 公示 runs from today, so members of the city see the notice
and may object, and the city's staff see the round with its notice running.
"""

from __future__ import annotations

from datetime import timedelta

from school.auth.models import User
from school.clock import local_today
from school.honours import services
from school.honours.models import HonourRound
from school.orgs.models import Organisation

TITLE = "优秀流动党员"


def demo_round(admin: User, city: Organisation, committee: User, floating: User) -> HonourRound:
    """Open the round, nominate, approve and start the 公示 as the committees would."""
    today = local_today()
    deadline = today - timedelta(days=1)
    round_ = services.open_round(
        admin,
        city,
        services.RoundFields(
            year=today.year,
            title=TITLE,
            quota=3,
            nomination_deadline=deadline,
            notice_days=7,
            cosigners=3,
        ),
    )
    nomination = services.nominate(
        committee,
        round_,
        floating,
        "在深圳带头组织流动党员线上学习，本年度学时全部达标；牵头成立商会党员志愿服务队，"
        "帮助困难会员解决欠薪、子女入学等问题。",
        "驻深圳支部主题党日带头捐款；春节返乡集中培训全程参加。",
        today=deadline,
    )
    services.review(admin, nomination, approve=True, comment="事迹属实，同意推荐。")
    services.start_notice(admin, round_, today=today)
    return round_
