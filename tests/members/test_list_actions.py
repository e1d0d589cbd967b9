"""The staff list's filters as a form repeats them, and every member they match (all pages),
which actions offered under the list (tests/classes/test_enrol_from_list.py) act on."""

from __future__ import annotations

import pytest

from school.auth.models import User
from school.db import db
from school.members import services
from school.members.services import RegistryError
from school.orgs.services import find_org


def test_read_filter_takes_the_lists_query_and_refuses_an_unknown_organisation(app, world):
    with app.app_context():
        secretary = db.session.get(User, world.secretary)
        filters = services.read_filter(
            secretary, {"q": "张" * 60, "floating": "1", "relation": "nonsense", "org": "一支部"}
        )
        assert filters.q == "张" * 50 and filters.floating_only
        assert filters.relation == "both" and filters.org == find_org("一支部")
        assert services.read_filter(secretary, {}) == services.MemberFilter()
        with pytest.raises(RegistryError):
            services.read_filter(secretary, {"org": "火星支部"})


def test_matching_members_spans_every_page_and_stays_in_the_viewers_scope(app, world):
    with app.app_context():
        branch = find_org("一支部")
        for number in range(services.PAGE_SIZE + 5):
            user = User(username=f"bulk{number:02d}", name=f"批量{number:02d}", password_hash="x")
            user.home_org = branch
            db.session.add(user)
        db.session.commit()
        secretary = db.session.get(User, world.secretary)
        found = services.matching_members(secretary, services.MemberFilter(q="批量"), 500)
        assert [m.name for m in found] == [f"批量{n:02d}" for n in range(services.PAGE_SIZE + 5)]
        assert len(services.matching_members(secretary, services.MemberFilter(q="批量"), 7)) == 7
        everyone = services.matching_members(secretary, services.MemberFilter(), 500)
        assert "李党员" not in {m.name for m in everyone}
        outside = services.MemberFilter(org=find_org("二支部"))
        assert services.matching_members(secretary, outside, 500) == []
