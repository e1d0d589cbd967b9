"""Who may read which study archive, checked on its own."""

from school.archive.permissions import can_view_archive
from school.auth.models import User
from school.db import db


def test_archive_is_visible_to_the_member_and_their_staff_only(app, world):
    with app.app_context():
        u = lambda name: db.session.get(User, getattr(world, name))  # noqa: E731
        assert can_view_archive(u("member"), u("member"))
        assert not can_view_archive(u("other_member"), u("member"))
        assert not can_view_archive(u("floating"), u("member"))
        assert can_view_archive(u("viewer"), u("member"))
