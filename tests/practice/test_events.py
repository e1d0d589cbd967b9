"""The day's practice completed is announced once, on the member's first completion that day."""

from datetime import date, timedelta

from school import events
from school.auth.models import User
from school.db import db
from school.practice import services
from tests.practice.factories import all_right, make_bank
from tests.test_events import recording

DAY = date(2026, 5, 20)


def test_the_first_completion_of_each_day_is_announced_once(app, world):
    with app.app_context():
        make_bank(7)
        member = db.session.get(User, world.member)
        with recording(events.daily_practice_completed) as completed:
            draw = services.draw_for(member, DAY)
            services.submit(member, draw.id, all_right(draw), DAY)
            services.submit(member, draw.id, {}, DAY)  # a second submission is not news
            tomorrow = DAY + timedelta(days=1)
            next_draw = services.draw_for(member, tomorrow)
            services.submit(member, next_draw.id, {"q1": []}, tomorrow)
        assert completed == [
            (member, {"day": DAY, "correct": 5, "total": 5}),
            (member, {"day": tomorrow, "correct": 0, "total": 5}),
        ]
