"""Daily practice services: the pool, the day's draw, grading once, the streak, the empty bank."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from school.archive.models import ArchiveEntry
from school.auth.models import User
from school.clock import local_today
from school.db import db
from school.practice import services
from school.practice.models import (
    PracticeCategory,
    PracticeCompletion,
    PracticeDraw,
    PracticeItem,
    PracticeStreak,
)
from school.quizzes import bank, building
from school.quizzes.formats.parsed import ParsedAnswer as A
from school.quizzes.formats.parsed import ParsedQuestion as Q
from school.quizzes.models import Category, Question
from tests.practice.factories import all_right, make_bank
from tests.quizzes import factories as f

DAY = date(2026, 5, 20)


def _user(user_id: int) -> User:
    return db.session.get(User, user_id)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _question_ids(draw) -> list[int]:
    return [item.question_id for item in draw.items]


def test_the_draw_is_the_same_for_the_same_member_and_day(app, world):
    with app.app_context():
        make_bank(12)
        member = _user(world.member)
        chosen = services.choose(member, DAY)
        assert [(v.id, layout) for v, layout in chosen] == [
            (v.id, layout) for v, layout in services.choose(member, DAY)
        ]
        draw = services.draw_for(member, DAY)
        assert [item.version_id for item in draw.items] == [v.id for v, _ in chosen]
        assert [item.position for item in draw.items] == [1, 2, 3, 4, 5]
        again = services.draw_for(member, DAY)  # a reload, another tab
        assert again.id == draw.id and _count(PracticeDraw) == 1
        # Another member, or another day, gets another selection or order.
        other = [v.id for v, _ in services.choose(_user(world.other_member), DAY)]
        tomorrow = [v.id for v, _ in services.choose(member, DAY + timedelta(days=1))]
        assert other != [v.id for v, _ in chosen] and tomorrow != [v.id for v, _ in chosen]


def test_questions_not_seen_recently_come_first(app, world):
    with app.app_context():
        make_bank(7)
        member = _user(world.member)
        first = set(_question_ids(services.draw_for(member, DAY)))
        second = set(_question_ids(services.draw_for(member, DAY + timedelta(days=1))))
        all_ids = set(db.session.scalars(select(Question.id)))
        # The two never given yesterday are in today's five; three of yesterday's fill it up.
        assert all_ids - first <= second and len(second & first) == 3
        # The third day: the questions seen longest ago (day one only) come before yesterday's.
        third = set(_question_ids(services.draw_for(member, DAY + timedelta(days=2))))
        assert first - second <= third


def test_only_gradable_active_questions_of_the_chosen_categories_and_below(app, world):
    with app.app_context():
        kept = make_bank(2, category="练习")
        below = make_bank(1, category="练习/党史", choose=False)
        elsewhere = make_bank(2, category="考试", choose=False)
        essay = bank.add_questions([f.essay()], category="练习", by=None).questions[0]
        retired = make_bank(1, category="练习", choose=False)[0]
        retired.retired = True
        # A category whose name merely starts the same is not below it.
        lookalike = make_bank(1, category="练习题", choose=False)
        ids = set(_question_ids(services.draw_for(_user(world.member), DAY)))
        assert ids == {q.id for q in kept + below}
        assert not ids & {q.id for q in [*elsewhere, essay, retired, *lookalike]}


def test_without_a_choice_the_practice_quizzes_questions_are_drawn(app, world):
    with app.app_context():
        fixed = f.make_quiz([f.single(), f.essay()], kind="practice", category="练习一")
        exam = f.make_quiz([f.truefalse()], kind="exam", category="考试")
        draft = f.make_quiz([f.truefalse()], kind="practice", status="draft", category="草稿")
        pool = make_bank(3, category="随机", choose=False)
        random_quiz = f.make_quiz([], kind="practice", title="随机练习")
        building.add_random(random_quiz, pool[0].category, 2, False, None)
        assert not services.configured()
        ids = set(_question_ids(services.draw_for(_user(world.member), DAY)))
        single = fixed.slots[0].question_id
        assert ids == {single, *(q.id for q in pool)}
        assert exam.slots[0].question_id not in ids and draft.slots[0].question_id not in ids


def test_fewer_than_five_questions_draw_what_there_is_and_none_is_an_empty_bank(app, world):
    with app.app_context():
        member = _user(world.member)
        with pytest.raises(services.BankEmpty):
            services.draw_for(member, DAY)
        assert _count(PracticeDraw) == 0
        make_bank(2)
        assert len(services.draw_for(member, DAY).items) == 2
        assert services.pool_size() == 2


def test_every_type_is_graded_by_the_registry(app, world):
    with app.app_context():
        make_bank(6)  # one of each gradable type
        member = _user(world.member)
        draw = services.draw_for(member, DAY)
        assert len({item.version.qtype for item in draw.items}) == 5
        outcome = services.submit(member, draw.id, all_right(draw), DAY)
        assert outcome.first and outcome.completion.correct == outcome.completion.total == 5
        assert all(item.fraction == 1 and item.answer for item in draw.items)


def test_wrong_and_missing_answers_count_as_wrong(app, world):
    with app.app_context():
        make_bank(6)
        member = _user(world.member)
        draw = services.draw_for(member, DAY)
        fields = all_right(draw)
        fields.pop("q1")  # not answered
        fields["q2"] = []  # cleared
        outcome = services.submit(member, draw.id, fields, DAY)
        assert outcome.completion.correct == 3
        assert [item.fraction == 1 for item in draw.items] == [False, False, True, True, True]


def test_a_question_edited_during_the_day_is_graded_as_drawn(app, world):
    with app.app_context():
        question = bank.add_questions(
            [Q("truefalse", "党支部每月开展主题党日。", answers=[A("true", 1), A("false", 0)])],
            category="练习",
            by=None,
        ).questions[0]
        services.choose_categories(_user(world.admin), [question.category_id])
        member = _user(world.member)
        draw = services.draw_for(member, DAY)
        drawn = draw.items[0].version_id
        bank.edit_question(
            question,
            Q("truefalse", "党支部每年开展一次主题党日。", answers=[A("true", 0), A("false", 1)]),
            None,
        )
        assert services.load_draw(member, DAY).items[0].version_id == drawn
        outcome = services.submit(member, draw.id, {"q1": ["true"]}, DAY)
        assert outcome.completion.correct == 1
        # Tomorrow's draw shows the edited question.
        tomorrow = services.draw_for(member, DAY + timedelta(days=1))
        assert tomorrow.items[0].version_id == question.current.id != drawn


def test_the_day_is_completed_once_and_announced_once(app, world):
    with app.app_context():
        make_bank(7)
        member = _user(world.member)
        draw = services.draw_for(member, DAY)
        first = services.submit(member, draw.id, all_right(draw), DAY)
        answers = [item.answer for item in draw.items]
        again = services.submit(member, draw.id, {"q1": []}, DAY)  # replay, other tab
        assert first.first and not again.first
        assert again.completion.draw_id == draw.id and again.completion.correct == 5
        assert [item.answer for item in services.load_draw(member, DAY).items] == answers
        assert _count(PracticeCompletion) == 1
        streak = db.session.get(PracticeStreak, member.id)
        assert (streak.current, streak.days) == (1, 1)


def test_practice_is_not_study_hours(app, world):
    with app.app_context():
        make_bank(5)
        member = _user(world.member)
        draw = services.draw_for(member, DAY)
        services.submit(member, draw.id, all_right(draw), DAY)
        assert _count(ArchiveEntry) == 0


def _complete(member: User, day: date) -> None:
    draw = services.draw_for(member, day)
    services.submit(member, draw.id, {}, day)


def test_the_streak_counts_consecutive_days_and_a_gap_starts_it_again(app, world):
    with app.app_context():
        make_bank(5)
        member = _user(world.member)
        assert services.streak_of(member, DAY) == services.Streak(0, 0, 0, False)
        for offset in (0, 1, 2):
            _complete(member, DAY + timedelta(days=offset))
        third = DAY + timedelta(days=2)
        assert services.streak_of(member, third) == services.Streak(3, 3, 3, True)
        # The next day, not yet done: the streak is still alive until the day is over.
        assert services.streak_of(member, third + timedelta(days=1)) == services.Streak(
            3, 3, 3, False
        )
        # A day missed: the current streak is gone, the longest stays.
        assert services.streak_of(member, third + timedelta(days=2)).current == 0
        _complete(member, third + timedelta(days=2))
        _complete(member, third + timedelta(days=3))
        assert services.streak_of(member, third + timedelta(days=3)) == services.Streak(
            2, 3, 5, True
        )


def test_the_day_is_the_schools_local_day(app, world):
    """23:59 and 00:01 in Beijing are two days though both are the same UTC date."""
    before = datetime(2026, 5, 20, 15, 59, tzinfo=UTC)
    after = datetime(2026, 5, 20, 16, 1, tzinfo=UTC)
    with app.app_context():
        make_bank(5)
        member = _user(world.member)
        late, early = local_today(before), local_today(after)
        assert (late, early) == (date(2026, 5, 20), date(2026, 5, 21))
        yesterday = services.draw_for(member, late, before)
        services.submit(member, yesterday.id, {}, late, before)
        # A page of the 20th left open and sent after midnight is refused: the 21st is a new day.
        with pytest.raises(services.StaleDraw) as stale:
            services.submit(member, yesterday.id, {}, early, after)
        assert stale.value.day == late
        today = services.draw_for(member, early, after)
        assert today.id != yesterday.id
        services.submit(member, today.id, {}, early, after)
        assert services.streak_of(member, early) == services.Streak(2, 2, 2, True)


def _unchanged(member: User, draw_id: int) -> None:
    assert _count(PracticeCompletion) == 0 and _count(PracticeStreak) == 0
    items = db.session.scalars(select(PracticeItem).where(PracticeItem.draw_id == draw_id))
    assert all(item.answer is None and item.fraction is None for item in items)


def _field(draw, qtype: str) -> str:
    """The form field of the draw's question of this type."""
    return next(f"q{i.position}" for i in draw.items if i.version.qtype == qtype)


FORGERIES = {
    "a question not in today's five": lambda d: {"q6": ["0"]},
    "position zero": lambda d: {"q0": ["0"]},
    "a field that names no question": lambda d: {"question": ["1"]},
    "a choice that does not exist": lambda d: {_field(d, "single"): ["7"]},
    "a negative choice": lambda d: {_field(d, "single"): ["-1"]},
    "a choice that is no number": lambda d: {_field(d, "multiple"): ["0", "x"]},
    "two answers to a single choice": lambda d: {_field(d, "single"): ["0", "1"]},
    "neither true nor false": lambda d: {_field(d, "truefalse"): ["maybe"]},
    "two typed answers": lambda d: {_field(d, "fillin"): ["党章", "章程"]},
}


@pytest.mark.parametrize("forge", FORGERIES.values(), ids=FORGERIES.keys())
def test_a_forged_answer_is_refused_and_changes_nothing(app, world, forge):
    with app.app_context():
        make_bank(5)  # single, multiple, truefalse, fillin, numerical
        member = _user(world.member)
        draw = services.draw_for(member, DAY)
        fields = {**all_right(draw), **forge(draw)}
        with pytest.raises(services.ForgedAnswer):
            services.submit(member, draw.id, fields, DAY)
        _unchanged(member, draw.id)


def test_a_forged_matching_pair_is_refused(app, world):
    with app.app_context():
        questions = bank.add_questions([f.matching()], category="练习", by=None).questions
        services.choose_categories(_user(world.admin), [questions[0].category_id])
        member = _user(world.member)
        draw = services.draw_for(member, DAY)
        for value in ("9:0", "0:9", "2:0", "0-1"):  # 2 is the pair without a left side
            with pytest.raises(services.ForgedAnswer):
                services.submit(member, draw.id, {"q1": [value]}, DAY)
        _unchanged(member, draw.id)


def test_another_members_draw_or_another_day_is_refused(app, world):
    with app.app_context():
        make_bank(5)
        member, other = _user(world.member), _user(world.other_member)
        theirs = services.draw_for(other, DAY)
        mine_yesterday = services.draw_for(member, DAY - timedelta(days=1))
        mine = services.draw_for(member, DAY)
        with pytest.raises(services.NotYourDraw):
            services.submit(member, theirs.id, all_right(theirs), DAY)
        with pytest.raises(services.NotYourDraw):
            services.submit(member, 999999, {}, DAY)
        with pytest.raises(services.StaleDraw):
            services.submit(member, mine_yesterday.id, all_right(mine_yesterday), DAY)
        for draw in (theirs, mine_yesterday, mine):
            _unchanged(member, draw.id)


def test_categories_are_chosen_and_an_unknown_one_is_refused(app, world):
    with app.app_context():
        admin = _user(world.admin)
        first = bank.get_or_create_category("练习/一")
        second = bank.get_or_create_category("练习/二")
        services.choose_categories(admin, [first.id, second.id])
        services.choose_categories(admin, [second.id])
        chosen = set(db.session.scalars(select(PracticeCategory.category_id)))
        assert chosen == {second.id}
        with pytest.raises(services.UnknownCategory):
            services.choose_categories(admin, [first.id, 999999])
        assert set(db.session.scalars(select(PracticeCategory.category_id))) == {second.id}
        rows = {row.category.path: row.chosen for row in services.categories()}
        assert rows == {"练习": False, "练习/一": False, "练习/二": True}
        services.choose_categories(admin, [])
        assert not services.configured()
        assert db.session.get(Category, first.id) is not None
