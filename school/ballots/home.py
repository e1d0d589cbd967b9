"""The home page's open recommendation ballots (registered on ``courses.home.home_page``)."""

from __future__ import annotations

from datetime import date

from school.auth.models import User
from school.ballots.services import for_member
from school.db import utcnow


def home_part(user: User, _today: date) -> dict[str, object]:
    """Open recommendation ballots the member may vote in and has not voted in yet."""
    return {
        "ballot_todos": [
            b.recommendation for b in for_member(user, utcnow(), open_only=True) if not b.voted_at
        ]
    }
