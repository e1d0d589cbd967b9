"""Quizzes of a published course change only through review, and stay as a reviewer approved
them: a draft copy carries the change, and the shared question bank cannot reach past approval."""

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from school.auth.models import User
from school.clock import local_zone
from school.courses.models import Course, Theme
from school.db import db, utcnow
from school.quizzes import attempts, bank, building, changes
from school.quizzes.models import Attempt, Question, Quiz, QuizSlot
from school.quizzes.permissions import can_view_quiz
from school.studio import building as course_building
from school.studio import review
from school.studio.models import Review
from tests.conftest import login, post
from tests.quizzes import factories as f


def _course() -> Course:
    return db.session.scalar(select(Course).where(Course.slug == "rules"))


def _people(world) -> tuple[User, User, User]:
    return (
        db.session.get(User, world.instructor),
        db.session.get(User, world.admin),
        db.session.get(User, world.member),
    )


def _teaching(world) -> Course:
    course = _course()
    course.instructors.append(db.session.get(User, world.instructor))
    db.session.flush()
    return course


def _state(quiz_id: int) -> tuple:
    quiz = db.session.get(Quiz, quiz_id)
    db.session.refresh(quiz)
    slots = [(s.position, s.question_id, s.mark) for s in quiz.slots]
    return (quiz.title, quiz.status, quiz.attempts_allowed, quiz.awaiting_review, slots)


def _questions_of(attempt: Attempt) -> list[str]:
    return [aq.version.text for aq in attempt.questions]


def _settings(**changed) -> dict:
    data = {
        "title": "单元测验",
        "description": "",
        "placement": "",
        "kind": "exam",
        "status": "published",
        "required": True,
        "time_limit_minutes": None,
        "attempts_allowed": 0,
        "pass_percent": 60,
        "open_at": None,
        "close_at": None,
        "review": "after_last",
        "one_per_page": True,
        "shuffle_options": False,
    }
    return {**data, **changed}


def test_a_live_quiz_refuses_every_direct_change_and_nothing_changes(app, world):
    with app.app_context():
        course = _teaching(world)
        quiz = f.make_quiz([f.single(), f.truefalse()], course=course)
        other = bank.add_questions([f.fillin()], category="别处", by=None).questions[0]
        before = _state(quiz.id)
        first, second = quiz.slots
        tries = [
            lambda: building.add_fixed(quiz, [other], None),
            lambda: building.remove_slot(quiz, first),
            lambda: building.move_slot(quiz, second, -1),
            lambda: building.reorder(quiz, [second.id, first.id]),
            lambda: building.set_mark(first, None),
            lambda: building.apply_quiz_settings(
                quiz, _settings(title="改名", placement=f"c:{course.id}"), local_zone()
            ),
        ]
        for attempt_change in tries:
            with pytest.raises(building.ChangeRefused):
                attempt_change()
            assert _state(quiz.id) == before


def test_over_http_a_live_quiz_is_changed_through_a_draft_copy(app, client, world):
    with app.app_context():
        course = _teaching(world)
        quiz = f.make_quiz([f.single(), f.truefalse()], course=course)
        db.session.commit()
        quiz_id, first = quiz.id, quiz.slots[0].id
        before = _state(quiz_id)
    login(client, "instructor")
    base = f"/manage/quizzes/{quiz_id}"
    refused = post(client, f"{base}/slots/{first}/delete")
    assert refused.status_code == 302 and refused.location.endswith(f"{base}/questions")
    page = client.get(f"{base}/questions").get_data(as_text=True)
    assert "学员正在使用这个测验" in page and "建修改稿" in page and "/slots/" not in page
    assert client.get(f"{base}/picker").status_code == 302
    with app.app_context():
        assert _state(quiz_id) == before

    made = post(client, f"{base}/draft-copy")
    with app.app_context():
        copy = db.session.scalar(select(Quiz).where(Quiz.draft_of_id == quiz_id))
        assert made.location.endswith(f"/manage/quizzes/{copy.id}/questions")
        assert (copy.status, copy.course_id) == ("draft", quiz.course_id)
        assert [s.question_id for s in copy.slots] == [s[1] for s in before[4]]
        copy_id, copy_first = copy.id, copy.slots[0].id
    # A second click opens the same copy.
    again = post(client, f"{base}/draft-copy")
    assert again.location.endswith(f"/manage/quizzes/{copy_id}/questions")
    assert post(client, f"/manage/quizzes/{copy_id}/slots/{copy_first}/delete").status_code == 302
    with app.app_context():
        assert len(db.session.get(Quiz, copy_id).slots) == 1
        # Members still take the quiz as approved.
        assert _state(quiz_id) == before
    copy_page = client.get(f"/manage/quizzes/{copy_id}/questions").get_data(as_text=True)
    assert "修改稿" in copy_page and "/slots/" in copy_page


def test_approving_a_copy_replaces_the_live_quiz_and_keeps_its_history(app, world):
    with app.app_context():
        instructor, admin, member = _people(world)
        course = _teaching(world)
        quiz = f.make_quiz([f.single(), f.truefalse()], course=course, attempts_allowed=3)
        earlier = attempts.start_attempt(member, quiz)
        attempts.finish_attempt(earlier)
        copy = changes.make_copy(quiz, instructor)
        building.remove_slot(copy, copy.slots[0])
        building.apply_quiz_settings(
            copy,
            _settings(title="新版测验", attempts_allowed=2, placement=f"c:{course.id}"),
            local_zone(),
        )
        assert (copy.status, copy.awaiting_review) == ("draft", False)
        [item] = review.pending_quizzes(course)
        assert item is copy

        request = review.submit(course, instructor)
        [part] = request.quiz_parts
        assert part["quiz"] == copy.id and part["live"] == quiz.id
        assert "名称：新版测验" in part["lines"]
        # Until a reviewer decides, members take the old quiz.
        assert _state(quiz.id)[0:3] == ("单元测验", "published", 3)

        review.approve(request, course, admin)
        live = db.session.get(Quiz, quiz.id)
        assert (live.title, live.status, live.attempts_allowed) == ("新版测验", "published", 2)
        assert [s.question_id for s in live.slots] == [quiz.slots[0].question_id]
        assert live.bank_as_of is not None
        assert db.session.scalar(select(Quiz).where(Quiz.draft_of_id == quiz.id)) is None
        # The member's earlier attempt is the quiz's still, and counts against the new limit.
        assert db.session.get(Attempt, earlier.id).quiz_id == quiz.id
        assert attempts.used_attempts(member, live) == 1
        fresh = attempts.start_attempt(member, live)
        assert _questions_of(fresh) == [f.truefalse().text]


def test_changing_a_quiz_a_request_carries_withdraws_the_request(app, world):
    with app.app_context():
        instructor, admin, _ = _people(world)
        course = _teaching(world)
        quiz = f.make_quiz([f.single(), f.truefalse()], course=course)
        copy = changes.make_copy(quiz, instructor)
        request = review.submit(course, instructor)
        building.set_mark(copy.slots[0], f.D(5))
        assert request.state == "withdrawn"
        with pytest.raises(review.ReviewClosed):
            review.approve(request, course, admin)
        assert db.session.get(Quiz, quiz.id).slots[0].mark is None


def test_a_question_edited_in_the_bank_after_sending_cannot_be_approved(app, client, world):
    with app.app_context():
        instructor, _, _ = _people(world)
        course = _teaching(world)
        quiz = f.make_quiz([f.single(), f.truefalse()], course=course)
        copy = changes.make_copy(quiz, instructor)
        building.remove_slot(copy, copy.slots[1])
        request = review.submit(course, instructor)
        question = copy.slots[0].question
        bank.edit_question(question, replace(f.single(), text="改过的题干"), None)
        db.session.commit()
        request_id, quiz_id = request.id, quiz.id
        before = _state(quiz_id)
    login(client, "admin")
    page = client.get(f"/studio/reviews/{request_id}").get_data(as_text=True)
    assert "测验：单元测验" in page and "在送审后有了变化" in page
    decided = post(
        client, f"/studio/reviews/{request_id}/decide", {"decision": "approve", "comment": ""}
    )
    assert decided.status_code == 302
    with app.app_context():
        assert db.session.get(Review, request_id).state == "pending"
        assert _state(quiz_id) == before
        assert db.session.scalar(select(Quiz.id).where(Quiz.draft_of_id == quiz_id)) is not None


def test_the_bank_cannot_reach_past_approval(app, world):
    with app.app_context():
        instructor, admin, member = _people(world)
        course = _teaching(world)
        quiz = f.make_quiz([f.single()], course=course, category="党章")
        category = quiz.slots[0].question.category
        extra = bank.add_questions([f.truefalse()], category="党章", by=None).questions[0]
        copy = changes.make_copy(quiz, instructor)
        building.add_random(copy, category, 1, False, None)
        review.approve(review.submit(course, instructor), course, admin)
        live = db.session.get(Quiz, quiz.id)
        assert live.slots[1].frozen_ids == [extra.id]

        # Later, in the shared bank: the fixed question is edited and a new question is filed
        # in the category the random slot draws from.
        fixed = live.slots[0].question
        later = utcnow() + timedelta(seconds=1)
        edited = bank.edit_question(fixed, replace(f.single(), text="改过的题干"), None)
        edited.created_at = later
        added = bank.add_questions([f.fillin()], category="党章", by=None).questions[0]
        added.created_at = later
        db.session.flush()

        for _ in range(5):
            attempt = attempts.start_attempt(member, live, preview=True)
            assert _questions_of(attempt) == [f.single().text, f.truefalse().text]
            db.session.delete(attempt)
            db.session.flush()
        # The instructor's builder shows what members take, too.
        assert building.builder(live).rows[0].version.text == f.single().text


def test_a_new_quiz_in_a_published_course_is_published_by_review(app, client, world):
    with app.app_context():
        course = _teaching(world)
        course_id = course.id
        question = bank.add_questions([f.single()], category="测试", by=None).questions[0]
        db.session.commit()
    login(client, "instructor")
    created = post(
        client,
        "/manage/quizzes/new",
        {**_settings(title="新测验", placement=f"c:{course_id}", status="draft"), "required": ""},
    )
    quiz_id = int(created.location.split("/")[-2])
    post(client, f"/manage/quizzes/{quiz_id}/slots/fixed", {"question_ids": str(question.id)})
    published = post(
        client,
        f"/manage/quizzes/{quiz_id}/edit",
        {**_settings(title="新测验", placement=f"c:{course_id}"), "required": ""},
    )
    assert published.status_code == 302
    page = client.get(f"/manage/quizzes/{quiz_id}/edit").get_data(as_text=True)
    assert "待审核发布" in page
    with app.app_context():
        quiz = db.session.get(Quiz, quiz_id)
        member = db.session.get(User, world.member)
        assert (quiz.status, quiz.awaiting_review) == ("draft", True)
        assert not can_view_quiz(member, quiz)
        course = db.session.get(Course, course_id)
        request = review.submit(course, db.session.get(User, world.instructor))
        assert [p["quiz"] for p in request.quiz_parts] == [quiz_id]
        review.approve(request, course, db.session.get(User, world.admin))
        assert (quiz.status, quiz.awaiting_review) == ("published", False)
        assert quiz.bank_as_of is not None and can_view_quiz(member, quiz)


def test_first_publication_carries_the_courses_quizzes(app, world):
    with app.app_context():
        instructor, admin, _ = _people(world)
        theme = db.session.scalars(select(Theme)).first()
        course = course_building.create_course(instructor, title="新课程", theme=theme)
        course_building.new_lesson(
            course, course.modules[0], instructor, title="第一课", kind="text", hours=f.D(1)
        )
        exam = f.make_quiz([f.single()], course=course)
        draft = f.make_quiz([f.truefalse()], course=course, status="draft", title="没写完")
        request = review.submit(course, instructor)
        assert [p["quiz"] for p in request.quiz_parts] == [exam.id]
        review.approve(request, course, admin)
        assert exam.bank_as_of is not None and draft.bank_as_of is None
        assert draft.status == "draft"


def test_a_published_quiz_cannot_be_moved_into_a_published_course(app, world):
    with app.app_context():
        _teaching(world)
        quiz = f.make_quiz([f.single()], created_by=world.instructor)
        before = _state(quiz.id)
        with pytest.raises(building.ChangeRefused):
            building.apply_quiz_settings(
                quiz, _settings(placement=f"c:{_course().id}"), local_zone()
            )
        assert _state(quiz.id) == before and db.session.get(Quiz, quiz.id).course_id is None


def test_a_copy_with_no_questions_cannot_be_sent(app, world):
    with app.app_context():
        instructor, _, _ = _people(world)
        course = _teaching(world)
        quiz = f.make_quiz([f.single()], course=course)
        copy = changes.make_copy(quiz, instructor)
        building.remove_slot(copy, copy.slots[0])
        with pytest.raises(review.NothingToReview, match="还没有题目"):
            review.submit(course, instructor)
        assert db.session.scalar(select(func.count(Review.id))) == 0
        assert db.session.scalar(select(func.count(QuizSlot.id)).where(QuizSlot.quiz_id == quiz.id))
        assert db.session.get(Question, quiz.slots[0].question_id) is not None


def test_the_question_editor_says_which_quizzes_keep_the_approved_version(app, client, world):
    with app.app_context():
        instructor, admin, _ = _people(world)
        course = _teaching(world)
        quiz = f.make_quiz([f.single()], course=course, title="结业考试")
        loose = f.make_quiz([f.single()], title="专项答题")
        loose.slots[0].question_id = quiz.slots[0].question_id
        copy = changes.make_copy(quiz, instructor)
        building.set_mark(copy.slots[0], f.D(2))
        review.approve(review.submit(course, instructor), course, admin)
        db.session.commit()
        question_id = quiz.slots[0].question_id
    login(client, "instructor")
    page = client.get(f"/manage/bank/{question_id}/edit").get_data(as_text=True)
    assert "已审核发布的《结业考试》仍用审核时的版本" in page
    assert "未经审核固定的测验之后开始的作答会用新版本" in page


def test_a_quiz_published_while_a_course_waits_for_its_first_review_withdraws_it(app, world):
    with app.app_context():
        instructor, admin, _ = _people(world)
        theme = db.session.scalars(select(Theme)).first()
        course = course_building.create_course(instructor, title="新课程", theme=theme)
        course_building.new_lesson(
            course, course.modules[0], instructor, title="第一课", kind="text", hours=f.D(1)
        )
        late = f.make_quiz([f.single()], course=course, status="draft", title="后来的测验")
        request = review.submit(course, instructor)
        assert request.quiz_parts == []
        building.apply_quiz_settings(
            late, _settings(title="后来的测验", placement=f"c:{course.id}"), local_zone()
        )
        # Approving the old request would publish a quiz the reviewer never read.
        assert (request.state, course.status) == ("withdrawn", "draft")
        with pytest.raises(review.ReviewClosed):
            review.approve(request, course, admin)
