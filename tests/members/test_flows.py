"""The flow transition table and the event it appends."""

from datetime import date

from sqlalchemy import select

from school.auth.models import User
from school.db import db
from school.members import flows
from school.members.models import FLOW_KINDS, FlowEvent
from school.orgs.services import find_org


def test_every_flow_kind_has_one_transition():
    assert list(flows.FLOWS) == list(FLOW_KINDS)


def test_a_full_journey_away_and_back(app, world):
    with app.app_context():
        admin = db.session.get(User, world.admin)
        member = db.session.get(User, world.member)
        home, host, other = find_org("一支部"), find_org("驻深圳支部"), find_org("工委")
        steps = [
            ("flow_out", None, "深圳"),
            ("arrive", host, None),
            ("change_host", other, None),
            ("return", None, None),
        ]
        for kind, org, city in steps:
            flows.record_flow(admin, member, kind, date(2024, 3, 1), org, city=city)
        assert (member.home_org, member.host_org, member.is_floating) == (home, None, False)
        events = db.session.scalars(
            select(FlowEvent).where(FlowEvent.member_id == member.id).order_by(FlowEvent.id)
        ).all()
        assert [(e.kind, e.from_org, e.to_org, e.city) for e in events] == [
            ("flow_out", home, None, "深圳"),
            ("arrive", None, host, "深圳"),
            ("change_host", host, other, "深圳"),
            ("return", other, home, None),
        ]


def test_an_event_can_be_appended_without_a_transition(app, world):
    with app.app_context():
        admin = db.session.get(User, world.admin)
        member = db.session.get(User, world.member)
        old, new = find_org("一支部"), find_org("二支部")
        event = flows.append_event(
            admin, member.id, "transfer", date(2024, 3, 1), old, new, "杭州", "组织合并"
        )
        assert event in db.session.new and member.home_org == old
        db.session.flush()
        assert (event.from_org_id, event.to_org_id, event.recorded_by_id) == (
            old.id,
            new.id,
            admin.id,
        )
