"""What hometown projects add to the staff workbench (registered from ``create_app``): the
count of interest and referrals nobody has followed up yet."""

from __future__ import annotations

from datetime import date

from flask import url_for

from school.auth.models import User
from school.page_parts import Tally
from school.projects.permissions import can_publish_any
from school.projects.services import waiting_for


def workbench_part(user: User, _today: date) -> dict[str, Tally]:
    """For the managers of publishing organisations: interest and referrals not yet followed
    up on their own projects (one statement)."""
    if not can_publish_any(user):
        return {}
    url = url_for("projects.manage", waiting=1)
    return {"project_interest": Tally("家乡项目待跟进的意向和推荐", waiting_for(user), url)}
