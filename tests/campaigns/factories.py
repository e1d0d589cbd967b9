"""Campaigns for tests, built through the services (call inside an app context)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from school.auth.models import User
from school.campaigns import services
from school.campaigns.models import Campaign
from school.clock import local_today
from school.db import db
from school.quizzes.models import Attempt


def make_campaign(
    launcher: User,
    org: str,
    targets: str,
    *,
    courses=(),
    quizzes=(),
    start: date | None = None,
    deadline: date | None = None,
    hours: Decimal | None = None,
    launch: bool = True,
    title: str = "学习党章专题活动",
    remind_days: str = "14,7,1",
    certificate: bool = False,
) -> Campaign:
    """``courses``/``quizzes``: (object, required) pairs; ``targets``: the editor's lines."""
    today = local_today()
    items = [(c.id, None, r) for c, r in courses] + [(None, q.id, r) for q, r in quizzes]
    data = services.CampaignInput(
        title=title,
        org_text=org,
        start_on=start or today - timedelta(days=3),
        deadline=deadline or today + timedelta(days=20),
        hours_target=hours,
        remind_days=remind_days,
        certificate=certificate,
        items=items,
        targets_text=targets,
    )
    campaign = services.save_draft(launcher, data)
    if launch:
        services.launch(launcher, campaign, f"/campaigns/{campaign.id}")
    db.session.flush()
    return campaign


def pass_quiz(member: User, quiz, passed: bool = True, number: int = 1) -> None:
    db.session.add(
        Attempt(
            quiz_id=quiz.id,
            user_id=member.id,
            number=number,
            state="finished",
            passed=passed,
            score=Decimal(1) if passed else Decimal(0),
            max_score=Decimal(1),
        )
    )
    db.session.flush()
