"""Awards at the same moment, on a committed database: a daily cap is never exceeded, one
event delivered twice awards once, and an award racing a rule change uses one whole version."""

from datetime import UTC, datetime

from sqlalchemy import func, select

from school.auth.models import User
from school.clock import local_today
from school.db import db
from school.points import services
from school.points.models import PointDay, PointEntry, PointRule, PointYear
from tests.factories import build_world
from tests.points.factories import set_rules
from tests.racing import race


def _award(member_id: int, source: str, action: str = "lesson"):
    return lambda: services.award(member_id, action, source, "课时", datetime.now(UTC))


def _totals(app, member_id: int) -> tuple[int, int, int]:
    with app.app_context():
        entries = db.session.scalar(
            select(func.coalesce(func.sum(PointEntry.points), 0)).where(
                PointEntry.member_id == member_id
            )
        )
        day = db.session.scalar(select(func.sum(PointDay.points))) or 0
        year = db.session.scalar(select(func.sum(PointYear.points))) or 0
        return entries, day, year


def test_awards_racing_a_daily_cap_never_exceed_it(committed_app):
    with committed_app.app_context():
        world = build_world()
        set_rules(lesson=(1, 2, None))
        db.session.commit()
    results = race(committed_app, [_award(world.member, f"lesson:{n}") for n in range(4)])
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sum(1 for r in results if r is not None) == 2
    assert _totals(committed_app, world.member) == (2, 2, 2)


def test_one_event_delivered_twice_at_once_awards_once(committed_app):
    with committed_app.app_context():
        world = build_world()
        set_rules()
        db.session.commit()
    results = race(committed_app, [_award(world.member, "course:1", "course") for _ in range(2)])
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sum(1 for r in results if r is not None) == 1
    assert _totals(committed_app, world.member) == (5, 5, 5)


def test_an_award_racing_a_rule_change_uses_one_version(committed_app):
    with committed_app.app_context():
        world = build_world()
        set_rules(course=(5, 5, None))
        db.session.commit()
        today = local_today()

    def change_rule():
        admin = db.session.get(User, world.admin)
        fields = services.RuleFields(points=9, daily_cap=9, yearly_cap=None, effective_from=today)
        return services.set_rule(admin, "course", fields, today=today)

    results = race(committed_app, [change_rule, _award(world.member, "course:1", "course")])
    assert not [r for r in results if isinstance(r, BaseException)], results
    with committed_app.app_context():
        entry = db.session.scalar(select(PointEntry))
        rule = db.session.get(PointRule, entry.rule_id)
        # Either version, but the points and the cap of that one version.
        assert entry.points == rule.points and rule.points in (5, 9)
        assert db.session.scalar(select(func.count(PointRule.id))) == 10
