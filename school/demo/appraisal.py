"""The demo's democratic appraisal: 南山镇红星村党支部 appraises its members (home side),
open now for a week, so a member sees it on their home page and the secretary sees the turnout."""

from datetime import timedelta

from school.appraisal import services
from school.appraisal.models import AppraisalRound
from school.auth.models import User
from school.clock import to_local
from school.db import utcnow
from school.orgs.models import Organisation


def demo_appraisal(secretary: User, branch: Organisation) -> AppraisalRound:
    """A round of the branch over the members whose membership it keeps, from now for 7 days."""
    now = utcnow()
    year = to_local(now).year
    return services.create_round(
        secretary,
        services.RoundInput(
            org_text=branch.code or branch.name,
            side="home",
            year=year,
            title=f"{year} 年度民主评议党员",
            opens_at=now,
            closes_at=now + timedelta(days=7),
            min_turnout=80,
        ),
        now,
    )
