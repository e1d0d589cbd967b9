"""Recommendation ballots for tests, made through the services as a secretary would."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from school.auth.models import User
from school.ballots import services
from school.ballots.models import Recommendation
from school.db import db, utcnow


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def make_recommendation(
    by: str = "secretary",
    org: str = "一支部",
    targets: str = "一支部",
    candidates: str = "候选甲 | 一支部党员\n候选乙 | 二支部党员\n候选丙",
    max_choices: int = 2,
    opens_in: timedelta = timedelta(hours=-1),
    closes_in: timedelta = timedelta(hours=1),
    now: datetime | None = None,
    title: str = "推荐党代表候选人",
) -> Recommendation:
    """A recommendation saved by ``by`` with its window relative to now; a window already begun
    is opened by moving the box's start back after saving (a save opens at "now" at the
    earliest)."""
    now = now or utcnow()
    data = services.RecommendationInput(
        title=title,
        kind="party_congress",
        org_text=org,
        opens_at=now + max(opens_in, timedelta(minutes=1)),
        closes_at=now + closes_in,
        max_choices=max_choices,
        candidates_text=candidates,
        targets_text=targets,
    )
    recommendation = services.save(user(by), data, now)
    if opens_in < timedelta(minutes=1):
        recommendation.box.opens_at = now + opens_in
    db.session.flush()
    return recommendation
