"""What recommendation ballots add to the staff workbench: the rounds under way they may audit."""

from __future__ import annotations

from datetime import date

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from school.auth.models import User
from school.ballots.models import BallotBox, Recommendation
from school.ballots.permissions import can_audit
from school.db import db, utcnow
from school.page_parts import Tally


def workbench_part(user: User, _today: date) -> dict[str, Tally]:
    """Recommendation ballots open now that the user audits (one statement, two loads)."""
    now = utcnow()
    running = db.session.scalars(
        select(Recommendation)
        .join(BallotBox, BallotBox.id == Recommendation.box_id)
        .where(
            Recommendation.status == "active", BallotBox.opens_at <= now, BallotBox.closes_at > now
        )
        .options(selectinload(Recommendation.org))
    )
    count = sum(1 for r in running if can_audit(user, r))
    if not count:
        return {}
    return {"ballots": Tally("进行中的推荐投票", count, url_for("ballots.index"))}
