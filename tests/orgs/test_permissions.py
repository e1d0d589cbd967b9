"""The staff rule (who reads and who manages an organisation) and the staff's member query."""

import pytest
from sqlalchemy import select

from school.auth import services as accounts
from school.auth.models import User
from school.db import db
from school.orgs.permissions import (
    managed_orgs,
    manages,
    manages_any,
    manages_member,
    reads,
    reads_member,
)
from school.orgs.services import close_org, create_org, find_org, members_in_scope


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


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


@pytest.mark.parametrize(
    ("username", "org", "reads_it", "manages_it"),
    [
        ("secretary", "一支部", True, True),  # the grant's own organisation
        ("committee", "驻深圳支部", True, True),  # below the grant
        ("secretary", "二支部", False, False),  # a sibling
        ("secretary", "区委", False, False),  # above the grant
        ("secretary", "市委", False, False),
        ("viewer", "一支部", True, False),  # a viewer reads, never manages
        ("member", "一支部", False, False),  # no grant at all
        ("instructor", "市委", False, False),  # a site role is no staff grant
        ("admin", "一支部", True, True),  # admins, without any grant
        ("admin", "驻深圳支部", True, True),
    ],
)
def test_reads_and_manages_follow_the_grant_down_the_tree(
    app, world, username, org, reads_it, manages_it
):
    with app.app_context():
        user, target = _user(username), find_org(org)
        assert (reads(user, target), manages(user, target)) == (reads_it, manages_it)


def test_organisers_manage_and_a_grant_below_does_not_reach_up(app, world):
    with app.app_context():
        group = create_org("一支部第一党小组", "branch", find_org("一支部"))
        accounts.grant_staff(_user("member"), group, "organiser")
        member = _user("member")
        assert manages(member, group) and reads(member, group)
        assert not reads(member, find_org("一支部"))  # only a grant on a descendant
        assert not manages(member, find_org("一支部"))
        assert manages(_user("secretary"), group)  # the branch secretary, from above


def test_closing_an_organisation_does_not_change_who_reads_or_manages_it(app, world):
    """Closed organisations keep their archives and bulletins: the rule follows the tree only.
    Where closure matters (granting roles), the feature's own permission checks it."""
    with app.app_context():
        group = create_org("旧党小组", "branch", find_org("一支部"))
        close_org(_user("admin"), group)
        assert manages(_user("secretary"), group) and reads(_user("viewer"), group)
        assert not manages(_user("viewer"), group) and not reads(_user("committee"), group)


def test_managed_orgs_and_manages_any(app, world):
    with app.app_context():
        u = _users(app, world)
        assert [o.name for o in managed_orgs(u["secretary"])] == ["一支部"]
        assert managed_orgs(u["viewer"]) == [] and managed_orgs(u["admin"]) == []
        assert manages_any(u["secretary"]) and manages_any(u["admin"])
        assert not manages_any(u["viewer"]) and not manages_any(u["member"])


def test_members_are_read_and_managed_through_their_home_or_host_organisation(app, world):
    with app.app_context():
        u = _users(app, world)
        # 陈流动: home 二支部, host 驻深圳支部 (under 工委).
        assert manages_member(u["committee_secretary"], u["floating"])
        assert not reads_member(u["secretary"], u["floating"])
        assert reads_member(u["viewer"], u["member"])
        assert not manages_member(u["viewer"], u["member"])
        assert manages_member(u["secretary"], u["member"])
        assert not reads_member(u["committee_secretary"], u["member"])
        assert manages_member(u["admin"], u["floating"])
        assert not reads_member(u["instructor"], u["member"])


def test_members_in_scope_lists_home_and_host_members(app, world):
    with app.app_context():
        u = _users(app, world)
        names = lambda viewer: {m.username for m in db.session.scalars(members_in_scope(viewer))}  # noqa: E731
        assert names(u["secretary"]) == {"member", "secretary", "viewer"}
        assert names(u["committee_secretary"]) == {"floating", "committee"}
        assert names(u["member"]) == set()
        assert len(names(u["admin"])) == 8
