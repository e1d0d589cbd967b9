"""Who may change which account, checked on its own."""

from school.auth.models import User
from school.db import db
from school.members.permissions import can_reset_password


def test_password_resets_need_a_managing_role_and_never_touch_admins(app, world):
    with app.app_context():
        u = lambda name: db.session.get(User, getattr(world, name))  # noqa: E731
        assert can_reset_password(u("secretary"), u("member"))
        assert not can_reset_password(u("viewer"), u("member"))
        assert not can_reset_password(u("secretary"), u("secretary"))
        assert not can_reset_password(u("secretary"), u("admin"))
        assert can_reset_password(u("admin"), u("member"))
