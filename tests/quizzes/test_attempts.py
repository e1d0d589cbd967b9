"""The attempt state machine: one open attempt, saved answers, deadlines, idempotent submit."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from school.archive.models import ArchiveEntry
from school.auth.models import User
from school.courses import services as courses
from school.db import db, utcnow
from school.quizzes import attempts as svc
from school.quizzes.models import Attempt, Quiz
from tests.quizzes import factories as f


def _member(world) -> User:
    return db.session.get(User, world.member)


def _all_types_quiz(**settings) -> Quiz:
    return f.make_quiz(
        [f.single(), f.multiple(), f.truefalse(), f.fillin(), f.numerical(), f.matching()],
        **settings,
    )


def test_starting_twice_returns_the_same_attempt(app, world):
    with app.app_context():
        quiz = _all_types_quiz()
        first = svc.start_attempt(_member(world), quiz)
        again = svc.start_attempt(_member(world), quiz)
        assert first.id == again.id and first.number == 1
        assert [aq.position for aq in first.questions] == [1, 2, 3, 4, 5, 6]
        assert first.max_score == 6


def test_full_marks_pass_and_land_in_the_archive(app, world):
    with app.app_context():
        quiz = _all_types_quiz(pass_percent=80)
        attempt = svc.start_attempt(_member(world), quiz)
        rights = attempt.questions[5].layout["rights"]
        svc.save_answers(
            attempt,
            {
                1: ["0"],
                2: ["0", "1", "2"],
                3: ["true"],
                4: ["党章"],
                5: ["32"],
                6: [f"0:{rights.index('每月')}", f"1:{rights.index('每季度')}"],
            },
        )
        svc.finish_attempt(attempt)
        db.session.commit()
        assert (attempt.state, attempt.score, attempt.passed) == ("finished", 6, True)
        [entry] = db.session.scalars(select(ArchiveEntry)).all()
        assert (entry.kind, entry.title, entry.score, entry.max_score, entry.passed) == (
            "quiz",
            "单元测验",
            6,
            6,
            True,
        )


def test_submitting_twice_grades_once(app, world):
    with app.app_context():
        quiz = _all_types_quiz()
        attempt = svc.start_attempt(_member(world), quiz)
        svc.save_answers(attempt, {1: ["0"]})
        svc.finish_attempt(attempt)
        finished_at = attempt.finished_at
        svc.finish_attempt(attempt, utcnow() + timedelta(minutes=5))
        assert attempt.finished_at == finished_at and attempt.score == 1
        assert db.session.scalar(select(func.count(ArchiveEntry.id))) == 1


def test_answers_are_refused_after_submit_and_kept_as_they_were(app, world):
    with app.app_context():
        attempt = svc.start_attempt(_member(world), _all_types_quiz())
        svc.save_answers(attempt, {1: ["1"]})
        svc.finish_attempt(attempt)
        with pytest.raises(svc.AttemptClosed):
            svc.save_answers(attempt, {1: ["0"]})
        assert attempt.questions[0].answer == {"choices": [1]} and attempt.score == 0


def test_saving_again_replaces_the_answer(app, world):
    with app.app_context():
        attempt = svc.start_attempt(_member(world), _all_types_quiz())
        svc.save_answers(attempt, {4: ["党规"]})
        svc.save_answers(attempt, {4: ["党章"], 99: ["ignored"]})
        assert attempt.questions[3].answer == {"text": "党章"}


def test_time_limit_is_enforced_by_the_server(app, world):
    with app.app_context():
        quiz = _all_types_quiz(time_limit_seconds=600)
        start = utcnow()
        attempt = svc.start_attempt(_member(world), quiz, start)
        assert attempt.deadline_at == start + timedelta(seconds=600)
        svc.save_answers(attempt, {1: ["0"]}, start + timedelta(seconds=599))
        # Within the grace period an answer already on its way still counts.
        svc.save_answers(attempt, {3: ["true"]}, start + timedelta(seconds=605))
        with pytest.raises(svc.AttemptClosed):
            svc.save_answers(attempt, {2: ["0", "1", "2"]}, start + timedelta(seconds=700))
        # The late save finished the attempt with what had been saved before the deadline.
        assert attempt.state == "finished" and attempt.score == 2
        assert attempt.finished_at == attempt.deadline_at


def test_an_abandoned_attempt_is_finished_when_the_member_returns(app, world):
    with app.app_context():
        quiz = _all_types_quiz(time_limit_seconds=60, attempts_allowed=2)
        start = utcnow() - timedelta(hours=2)
        old = svc.start_attempt(_member(world), quiz, start)
        svc.save_answers(old, {1: ["0"]}, start + timedelta(seconds=10))
        new = svc.start_attempt(_member(world), quiz)
        assert old.state == "finished" and old.score == 1
        assert new.id != old.id and new.number == 2


def test_attempt_limit(app, world):
    with app.app_context():
        quiz = _all_types_quiz(attempts_allowed=1)
        svc.finish_attempt(svc.start_attempt(_member(world), quiz))
        with pytest.raises(svc.AttemptLimitReached):
            svc.start_attempt(_member(world), quiz)
        # Previews by staff never use up a member's attempts.
        svc.finish_attempt(
            svc.start_attempt(db.session.get(User, world.instructor), quiz, preview=True)
        )


@pytest.mark.parametrize(
    "settings",
    [
        {"status": "draft"},
        {"open_at": utcnow() + timedelta(days=1)},
        {"close_at": utcnow() - timedelta(days=1)},
    ],
)
def test_closed_quizzes_cannot_be_started(app, world, settings):
    with app.app_context():
        quiz = _all_types_quiz(**settings)
        with pytest.raises(svc.QuizUnavailable):
            svc.start_attempt(_member(world), quiz)
        assert db.session.scalar(select(func.count(Attempt.id))) == 0


def test_editing_a_question_does_not_change_a_past_attempt(app, world):
    from school.quizzes import bank

    with app.app_context():
        quiz = f.make_quiz([f.single()])
        attempt = svc.start_attempt(_member(world), quiz)
        svc.save_answers(attempt, {1: ["0"]})
        svc.finish_attempt(attempt)
        changed = f.single()
        changed.text = "改过的题干"
        changed.answers[0].fraction, changed.answers[1].fraction = Decimal(0), Decimal(1)
        bank.edit_question(quiz.slots[0].question, changed, by=None)
        db.session.commit()
        db.session.refresh(attempt)
        assert attempt.questions[0].version.text == "党员的组织关系一般应当转到哪里？"
        assert attempt.score == 1
        assert quiz.slots[0].question.current.text == "改过的题干"


def test_essays_wait_for_grading_then_settle_and_archive(app, world):
    with app.app_context():
        quiz = f.make_quiz([f.single(), f.essay()], pass_percent=50)
        attempt = svc.start_attempt(_member(world), quiz)
        svc.save_answers(attempt, {1: ["0"], 2: ["在外地也坚持参加支部的线上会议。"]})
        svc.finish_attempt(attempt)
        assert attempt.score is None and attempt.passed is None
        assert db.session.scalar(select(func.count(ArchiveEntry.id))) == 0
        svc.grade_essay(
            attempt.questions[1], Decimal("0.5"), "不错", db.session.get(User, world.instructor)
        )
        assert attempt.score == Decimal("1.5") and attempt.passed is True
        assert db.session.scalar(select(func.count(ArchiveEntry.id))) == 1
        with pytest.raises(svc.AlreadyGraded):
            svc.grade_essay(
                attempt.questions[1], Decimal(1), "", db.session.get(User, world.instructor)
            )


def test_practice_feedback_locks_the_checked_answer(app, world):
    with app.app_context():
        quiz = f.make_quiz([f.single(), f.truefalse()], kind="practice")
        attempt = svc.start_attempt(_member(world), quiz)
        svc.save_answers(attempt, {1: ["1"]})
        aq = svc.check_answer(attempt, 1)
        assert aq.checked and aq.fraction == 0
        svc.save_answers(attempt, {1: ["0"]})  # too late to change it after seeing feedback
        assert attempt.questions[0].answer == {"choices": [1]}


def test_passing_a_required_exam_completes_the_course(app, world):
    with app.app_context():
        course = courses.get_course("rules")
        member = _member(world)
        quiz = f.make_quiz([f.truefalse()], course=course, pass_percent=100, attempts_allowed=0)
        for slug in ("one", "two"):
            courses.complete_lesson(member, courses.get_lesson(course, slug))
        assert courses.course_completion(member, course) is None
        assert courses.progress(member, [course])[course.id].total == 3
        failed = svc.start_attempt(member, quiz)
        svc.save_answers(failed, {1: ["false"]})
        svc.finish_attempt(failed)
        assert courses.course_completion(member, course) is None
        passed = svc.start_attempt(member, quiz)
        svc.save_answers(passed, {1: ["true"]})
        svc.finish_attempt(passed)
        assert courses.course_completion(member, course) is not None


def test_random_slots_draw_distinct_questions_from_the_category(app, world):
    from school.quizzes.bank import add_questions, get_or_create_category
    from school.quizzes.models import QuizSlot

    with app.app_context():
        add_questions([f.single(), f.truefalse(), f.fillin()], category="题库/党章", by=None)
        add_questions([f.numerical()], category="题库/党章/细则", by=None)
        quiz = Quiz(title="随机", status="published")
        quiz.slots = [
            QuizSlot(
                position=1,
                category=get_or_create_category("题库/党章"),
                draw_count=4,
                include_subcategories=True,
            )
        ]
        db.session.add(quiz)
        attempt = svc.start_attempt(_member(world), quiz)
        assert len({aq.version.question_id for aq in attempt.questions}) == 4
        quiz.slots[0].draw_count = 5
        with pytest.raises(svc.NotEnoughQuestions):
            svc.start_attempt(db.session.get(User, world.other_member), quiz)


def test_review_policy_follows_the_quiz_setting(app, world):
    with app.app_context():
        quiz = _all_types_quiz(review="after_close", close_at=utcnow() + timedelta(hours=1))
        attempt = svc.start_attempt(_member(world), quiz)
        assert svc.review_policy(attempt) == svc.ReviewPolicy(answers=False, score=False)
        svc.finish_attempt(attempt)
        assert svc.review_policy(attempt).answers is False
        assert svc.review_policy(attempt, utcnow() + timedelta(hours=2)).answers is True
        quiz.review = "never"
        assert svc.review_policy(attempt, utcnow() + timedelta(hours=2)).answers is False


def test_close_overdue_finishes_abandoned_attempts_from_the_command_line(app, world):
    with app.app_context():
        quiz = _all_types_quiz(time_limit_seconds=60)
        start = utcnow() - timedelta(hours=1)
        old = svc.start_attempt(_member(world), quiz, start)
        svc.save_answers(old, {1: ["0"]}, start + timedelta(seconds=5))
        fresh = svc.start_attempt(db.session.get(User, world.other_member), quiz)
        db.session.commit()
        old_id, fresh_id = old.id, fresh.id
    result = app.test_cli_runner().invoke(args=["quiz", "close-overdue"])
    assert result.exit_code == 0 and "1 份" in result.output
    with app.app_context():
        old, fresh = db.session.get(Attempt, old_id), db.session.get(Attempt, fresh_id)
        assert (old.state, old.score) == ("finished", 1) and fresh.state == "open"
