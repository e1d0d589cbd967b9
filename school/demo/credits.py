"""Demo group credit: one 三会一课 party lecture of 红星村党支部, credited by its secretary."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from school.auth.models import User
from school.clock import local_today
from school.credits import services as credits
from school.orgs.models import Organisation


def credit_branch_lecture(secretary: User, branch: Organisation) -> None:
    """A 党课 ten days ago for every member of the branch, as its secretary records it."""
    today = local_today()
    held_on = max(today - timedelta(days=10), today.replace(month=1, day=1))
    study = credits.check_study(
        secretary,
        kind="party_lecture",
        title="学习新修订的《中国共产党纪律处分条例》",
        held_on=held_on,
        hours=Decimal(2),
        org_id=branch.id,
        note="支部书记讲专题党课，流动党员通过视频参加。",
        today=today,
    )
    members = [m.id for m in credits.members_of(secretary, branch)]
    plan = credits.plan_members(secretary, study, members)
    credits.credit(secretary, plan, request_key="demo-red-star-lecture")
