"""Two tabs at the same moment, on a database whose commits are real: one draw for the day,
and one completion (the other submission gets the first result), one streak day."""

from sqlalchemy import func, select

from school.auth.models import User
from school.clock import local_today
from school.db import db
from school.practice import services
from school.practice.models import PracticeCompletion, PracticeDraw, PracticeStreak
from tests.factories import build_world
from tests.practice.factories import all_right, make_bank
from tests.racing import race


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _open(member_id: int):
    def action():
        return services.draw_for(db.session.get(User, member_id), local_today()).id

    return action


def _submit(member_id: int, draw_id: int, fields: dict):
    def action():
        member = db.session.get(User, member_id)
        return services.submit(member, draw_id, fields, local_today()).first

    return action


def test_two_tabs_open_and_submit_todays_practice_at_the_same_moment(committed_app):
    with committed_app.app_context():
        world = build_world()
        make_bank(7)
        db.session.commit()
    opened = race(committed_app, [_open(world.member), _open(world.member)])
    assert opened[0] == opened[1] and isinstance(opened[0], int), opened
    with committed_app.app_context():
        assert _count(PracticeDraw) == 1
        draw = services.load_draw(db.session.get(User, world.member), local_today())
        right = all_right(draw)
    results = race(
        committed_app,
        [_submit(world.member, opened[0], right), _submit(world.member, opened[0], {})],
    )
    assert sorted(results) == [False, True], results
    with committed_app.app_context():
        assert _count(PracticeCompletion) == 1
        completion = db.session.get(PracticeCompletion, opened[0])
        # Whichever came first counts whole: its answers and its score, never a mix.
        assert completion.correct == (5 if results[0] else 0)
        streak = db.session.get(PracticeStreak, world.member)
        assert (streak.current, streak.days) == (1, 1)
