"""Democratic appraisal rounds for tests, made through the service as a secretary would."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from school.appraisal import services
from school.appraisal.models import AppraisalRound
from school.auth.models import User
from school.clock import current_year
from school.db import db, utcnow
from school.orgs.services import find_org
from tests.factories import make_user


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def add_members(count: int, org: str = "一支部", prefix: str = "peer") -> list[User]:
    """More members of ``org`` (home side), named 测评人0号 …."""
    branch = find_org(org)
    return [make_user(f"{prefix}{i}", f"测评人{i}号", home_org=branch) for i in range(count)]


def make_round(
    by: str = "secretary",
    org: str = "一支部",
    side: str = "home",
    opens_in: timedelta = timedelta(hours=-1),
    closes_in: timedelta = timedelta(hours=1),
    now: datetime | None = None,
    title: str = "年度民主评议党员",
    min_turnout: int = 50,
) -> AppraisalRound:
    """A round set up by ``by`` with its window relative to now (a start in the past is set
    on the box after saving: a new round opens at "now" at the earliest)."""
    now = now or utcnow()
    data = services.RoundInput(
        org_text=org,
        side=side,
        year=current_year(),
        title=title,
        opens_at=now + max(opens_in, timedelta(0)),
        closes_at=now + closes_in,
        min_turnout=min_turnout,
    )
    appraisal = services.create_round(user(by), data, now)
    if opens_in < timedelta(0):
        appraisal.box.opens_at = now + opens_in
    db.session.flush()
    return appraisal


def close(appraisal_id: int) -> None:
    """Move the round's close into the past (and commit)."""
    appraisal = db.session.get(AppraisalRound, appraisal_id)
    appraisal.box.closes_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
