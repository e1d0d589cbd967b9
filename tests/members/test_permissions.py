"""Who may see which members, checked on its own."""

from school.auth.models import User
from school.db import db
from school.members.permissions import can_view_member


def test_scope_follows_the_organisation_tree(app, world):
    with app.app_context():
        u = lambda name: db.session.get(User, getattr(world, name))  # noqa: E731
        assert can_view_member(u("secretary"), u("member"))
        assert not can_view_member(u("secretary"), u("other_member"))
        # Host side: the work committee sees the floating member living in its outbound branch.
        assert can_view_member(u("committee_secretary"), u("floating"))
        assert not can_view_member(u("committee_secretary"), u("member"))
        assert not can_view_member(u("instructor"), u("member"))
        assert can_view_member(u("admin"), u("floating"))
