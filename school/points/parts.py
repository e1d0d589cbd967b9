"""What points add to other features' pages (registered in ``create_app``)."""

from __future__ import annotations

from school.auth.models import User
from school.points.services import shows_name


def profile_part(viewer: User, member: User) -> dict[str, object]:
    """The ranking setting on the member's own profile page."""
    return {"points_show_name": shows_name(member.id)}
