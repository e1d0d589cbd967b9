"""The home page's campaign to-dos (registered on ``courses.home.home_page`` in create_app)."""

from __future__ import annotations

from datetime import date

from school.auth.models import User
from school.campaigns.progress import open_for


def home_part(user: User, today: date) -> dict[str, object]:
    """Open campaigns that reach the member and are not finished, with progress and days left
    (one statement when none reaches them)."""
    return {"campaign_todos": open_for(user, today)}
