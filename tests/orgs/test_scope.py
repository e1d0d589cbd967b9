"""Which members a report over an organisation covers: both plans of the query agree."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from school.auth.models import User
from school.db import db
from school.orgs import scope
from school.orgs.models import Organisation


def org(name: str) -> Organisation:
    return db.session.scalar(select(Organisation).where(Organisation.name == name))


@pytest.mark.parametrize("relation", ["both", "home", "host"])
@pytest.mark.parametrize("floating_only", [False, True])
def test_both_plans_of_the_scope_select_the_same_members(
    app, world, monkeypatch, relation, floating_only
):
    """Small subtrees send their ids as a list, large ones a subquery: the members are the same,
    and they are exactly the members whose home or host organisation lies in the subtree."""
    with app.app_context():
        db.session.get(User, world.floating).is_floating = True
        db.session.flush()
        members = db.session.scalars(select(User).where(User.role != "admin")).all()
        for name in ("市委", "区委", "一支部", "二支部", "工委", "驻深圳支部"):
            target = org(name)
            sides = {"home": ["home_org"], "host": ["host_org"]}.get(
                relation, ["home_org", "host_org"]
            )
            want = {
                m.id
                for m in members
                if any(target.contains(getattr(m, side)) for side in sides)
                and (m.is_floating or not floating_only)
            }
            for small in (0, 100):
                monkeypatch.setattr(scope, "SMALL_SUBTREE", small)
                clause = scope.covers(target, relation, floating_only)
                assert set(db.session.scalars(select(User.id).where(clause))) == want, (name, small)
