"""Scope rules, checked on their own."""

from school.auth.models import User
from school.db import db
from school.orgs.permissions import can_reset_password, can_view_archive, can_view_member
from school.orgs.services import members_in_scope


def _users(app, world):
    return {
        name: db.session.get(User, getattr(world, name))
        for name in (
            "member",
            "other_member",
            "floating",
            "instructor",
            "secretary",
            "committee_secretary",
            "viewer",
            "admin",
        )
    }


def test_scope_follows_the_organisation_tree(app, world):
    with app.app_context():
        u = _users(app, world)
        assert can_view_member(u["secretary"], u["member"])
        assert not can_view_member(u["secretary"], u["other_member"])
        # Host side: the work committee sees the floating member living in its outbound branch.
        assert can_view_member(u["committee_secretary"], u["floating"])
        assert not can_view_member(u["committee_secretary"], u["member"])
        assert not can_view_member(u["instructor"], u["member"])
        assert can_view_member(u["admin"], u["floating"])


def test_archive_is_visible_to_the_member_and_their_staff_only(app, world):
    with app.app_context():
        u = _users(app, world)
        assert can_view_archive(u["member"], u["member"])
        assert not can_view_archive(u["other_member"], u["member"])
        assert not can_view_archive(u["floating"], u["member"])
        assert can_view_archive(u["viewer"], u["member"])


def test_password_resets_need_a_managing_role_and_never_touch_admins(app, world):
    with app.app_context():
        u = _users(app, world)
        assert can_reset_password(u["secretary"], u["member"])
        assert not can_reset_password(u["viewer"], u["member"])
        assert not can_reset_password(u["secretary"], u["secretary"])
        assert not can_reset_password(u["secretary"], u["admin"])
        assert can_reset_password(u["admin"], u["member"])


def test_members_in_scope_lists_home_and_host_members(app, world):
    with app.app_context():
        u = _users(app, world)
        names = lambda viewer: {m.username for m in db.session.scalars(members_in_scope(viewer))}  # noqa: E731
        assert names(u["secretary"]) == {"member", "secretary", "viewer"}
        assert names(u["committee_secretary"]) == {"floating", "committee"}
        assert names(u["member"]) == set()
        assert len(names(u["admin"])) == 8
