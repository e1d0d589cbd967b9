"""A commendation round for tests: opened by admins or a district secretary over 区委."""

from __future__ import annotations

from datetime import timedelta

from school.auth.models import User
from school.clock import local_today
from school.db import db
from school.honours import services
from school.honours.services import RoundFields
from school.orgs.services import find_org


def open_round(actor: User, org_name: str = "区委", **changes):
    """A round over ``org_name``: 2 places, deadline in five days, 3 days' 公示, 2 co-signers."""
    fields = {
        "year": local_today().year,
        "title": "优秀共产党员",
        "quota": 2,
        "nomination_deadline": local_today() + timedelta(days=5),
        "notice_days": 3,
        "cosigners": 2,
        **changes,
    }
    return services.open_round(actor, find_org(org_name), RoundFields(**fields))


def in_notice(round_, *, started_days_ago: int = 0):
    """Put a round into its 公示 as the committee would, dates moved as asked."""
    today = local_today()
    round_.state = "notice"
    round_.nomination_deadline = today - timedelta(days=started_days_ago + 1)
    round_.notice_starts_on = today - timedelta(days=started_days_ago)
    round_.notice_ends_on = round_.notice_starts_on + timedelta(days=round_.notice_days - 1)
    db.session.flush()
    return round_
