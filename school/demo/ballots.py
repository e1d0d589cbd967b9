"""The demo's recommendation ballot: the city committee asks its members, floating members
included, to recommend candidates for the city's party congress; open now for a week."""

from datetime import timedelta

from school.auth.models import User
from school.ballots import services
from school.db import utcnow
from school.orgs.models import Organisation


def demo_ballot(admin: User, city: Organisation) -> None:
    """A recommendation ballot of 青川市委 over the whole city, open from now for seven days."""
    now = utcnow()
    services.save(
        admin,
        services.RecommendationInput(
            title="推荐青川市第十三次党代会代表候选人",
            kind="party_congress",
            org_text=city.code or city.name,
            description="请从以下候选人中推荐不超过 2 人。在外地的流动党员在手机上同样可以投票。",
            opens_at=now,
            closes_at=now + timedelta(days=7),
            max_choices=2,
            candidates_text="\n".join(
                [
                    "刘建华 | 东城街道第一党支部书记，社区工作二十年",
                    "周海燕 | 南山镇红星村党支部委员，带领村民发展茶叶合作社",
                    "陈卫东 | 驻深圳流动党员党支部党员，在深圳创办建材企业",
                    "吴春梅 | 和平社区党支部党员，退休教师，义务辅导留守儿童",
                ]
            ),
            targets_text=city.code or city.name,
        ),
        now,
    )
