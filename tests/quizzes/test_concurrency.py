"""Parallel requests against a real, committed database: exactly one result, nothing lost."""

import contextlib
import threading

from sqlalchemy import func, select

from school.archive.models import ArchiveEntry
from school.auth.models import User
from school.db import db
from school.quizzes import attempts as svc
from school.quizzes import bank, building
from school.quizzes.models import Attempt, Question, Quiz
from tests.factories import build_world
from tests.quizzes import factories as f


def _parallel(app, count: int, work) -> list[BaseException]:
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            with app.app_context():
                work(index)
                db.session.commit()
        except BaseException as exc:  # reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def _setup(app, **settings) -> tuple[int, int]:
    with app.app_context():
        world = build_world()
        quiz = f.make_quiz([f.single(), f.truefalse()], **settings)
        db.session.commit()
        return world.member, quiz.id


def _load(member_id: int, quiz_id: int) -> tuple[User, Quiz]:
    return db.session.get(User, member_id), db.session.get(Quiz, quiz_id)


def test_parallel_starts_give_one_open_attempt(committed_app):
    member_id, quiz_id = _setup(committed_app)
    started: list[int] = []
    errors = _parallel(
        committed_app, 4, lambda i: started.append(svc.start_attempt(*_load(member_id, quiz_id)).id)
    )
    assert errors == [] and len(set(started)) == 1
    with committed_app.app_context():
        assert db.session.scalar(select(func.count(Attempt.id))) == 1


def test_parallel_submits_grade_once_and_archive_once(committed_app):
    member_id, quiz_id = _setup(committed_app)
    with committed_app.app_context():
        attempt = svc.start_attempt(*_load(member_id, quiz_id))
        svc.save_answers(attempt, {1: ["0"], 2: ["true"]})
        db.session.commit()
        attempt_id = attempt.id
    errors = _parallel(
        committed_app, 4, lambda i: svc.finish_attempt(db.session.get(Attempt, attempt_id))
    )
    assert errors == []
    with committed_app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert (attempt.state, attempt.score) == ("finished", 2)
        assert db.session.scalar(select(func.count(ArchiveEntry.id))) == 1


def test_attempt_limit_holds_under_parallel_requests(committed_app):
    member_id, quiz_id = _setup(committed_app, attempts_allowed=1)

    def start_and_finish(_):
        with contextlib.suppress(svc.AttemptLimitReached):
            svc.finish_attempt(svc.start_attempt(*_load(member_id, quiz_id)))

    assert _parallel(committed_app, 4, start_and_finish) == []
    with committed_app.app_context():
        assert db.session.scalar(select(func.count(Attempt.id))) == 1


def test_a_save_racing_the_submit_is_either_graded_or_refused_never_lost(committed_app):
    member_id, quiz_id = _setup(committed_app)
    with committed_app.app_context():
        attempt = svc.start_attempt(*_load(member_id, quiz_id))
        db.session.commit()
        attempt_id = attempt.id
    outcome: dict[str, bool] = {}

    def work(index: int) -> None:
        attempt = db.session.get(Attempt, attempt_id)
        if index == 0:
            svc.finish_attempt(attempt)
            return
        try:
            svc.save_answers(attempt, {1: ["0"]})
            outcome["saved"] = True
        except svc.AttemptClosed:
            outcome["saved"] = False

    assert _parallel(committed_app, 2, work) == []
    with committed_app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        # Saved before the submit: graded (1 point). Refused after it: the member was told.
        assert attempt.score == (1 if outcome["saved"] else 0)


def test_instructors_adding_at_once_keep_positions_unique_and_questions_single(committed_app):
    _, quiz_id = _setup(committed_app)
    with committed_app.app_context():
        added = bank.add_questions(
            [f.fillin(), f.numerical(), f.matching()], category="并发", by=None
        )
        db.session.commit()
        ids = [q.id for q in added.questions]

    def add(index: int) -> None:
        # The second and third instructors add the same question.
        question = db.session.get(Question, ids[[0, 1, 1, 2][index]])
        building.add_fixed(building.lock_quiz(quiz_id), [question], None)

    assert _parallel(committed_app, 4, add) == []
    with committed_app.app_context():
        slots = db.session.get(Quiz, quiz_id).slots
        assert [s.position for s in slots] == [1, 2, 3, 4, 5]
        assert sorted(s.question_id for s in slots[2:]) == sorted(ids)
