"""Yearly 学时 status against the quota, as SQL so pages filter, sort and count in the database.

The share of the year gone by comes from the rollups (``archive.rollups.due_permille``), which
keep the same statuses per organisation.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Integer, case, func, type_coerce

from school.archive.models import YearProgress
from school.archive.rollups import due_permille
from school.archive.services import quota_hours
from school.auth.models import User

STATUSES = {
    "met": "已达标",
    "on_track": "进度正常",
    "behind": "进度落后",
    "not_started": "未开始",
}


def quota_tenths(cadre=None):
    """The member's yearly quota in tenths of a 学时 (56 for cadres, 32 for other members);
    ``cadre``: the column saying whether they are a cadre, ``User.is_cadre`` unless given."""
    return case(
        ((User.is_cadre if cadre is None else cadre).is_(True), quota_hours(cadre=True) * 10),
        else_=quota_hours(cadre=False) * 10,
    )


def hours_tenths():
    """The year's 学时 in tenths, 0 for members with no progress row (use with an outer join)."""
    return func.coalesce(type_coerce(YearProgress.hours, Integer), 0)


def status_expr(year: int, today: date, cadre=None):
    """met / on_track / behind / not_started for each member row of a report query."""
    return status_at(due_permille(year, today), cadre)


def status_at(due: int, cadre=None):
    """The status against a share of the year gone by, ``due`` per mille (``rollups.status_of``
    in SQL)."""
    hours = hours_tenths()
    quota = quota_tenths(cadre)
    # Integer arithmetic in per-mille, identical on both databases.
    return case(
        (hours <= 0, "not_started"),
        (hours >= quota, "met"),
        (hours * 1000 >= quota * due, "on_track"),
        else_="behind",
    )
