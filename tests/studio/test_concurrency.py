"""Two instructors, or an instructor and a reviewer, acting on one course at the same moment."""

from sqlalchemy import select

from school.auth.models import User
from school.courses import services as courses
from school.db import db
from school.studio import review, revisions
from school.studio.models import ContentRevision, Review
from tests.factories import build_world
from tests.racing import race


def _setup(app) -> tuple[int, int, int]:
    with app.app_context():
        world = build_world()
        course = courses.get_course("rules")
        instructor = db.session.get(User, world.instructor)
        course.instructors.append(instructor)
        lesson = courses.get_lesson(course, "one")
        db.session.commit()
        return world.instructor, world.admin, lesson.id


def _save(user_id: int, body: str, base: int):
    def action():
        course = courses.get_course("rules")
        lesson = courses.get_lesson(course, "one")
        user = db.session.get(User, user_id)
        return revisions.save(course, lesson, user, {"body_md": body}, base=base).number

    return action


def test_two_saves_from_the_same_version_at_once_keep_one_and_refuse_the_other(committed_app):
    instructor, admin, lesson_id = _setup(committed_app)
    results = race(committed_app, [_save(instructor, "甲", 1), _save(admin, "乙", 1)])
    conflicts = [r for r in results if isinstance(r, revisions.EditConflict)]
    assert len(conflicts) == 1, results
    assert [r for r in results if not isinstance(r, BaseException)] == [2]
    with committed_app.app_context():
        rows = db.session.scalars(
            select(ContentRevision).where(ContentRevision.lesson_id == lesson_id)
        ).all()
        assert sorted(r.number for r in rows) == [1, 2]


def test_an_approval_and_a_save_at_once_never_publish_what_was_not_read(committed_app):
    instructor, admin, _ = _setup(committed_app)
    with committed_app.app_context():
        _save(instructor, "送审的版本", 1)()
        course = courses.get_course("rules")
        review_id = review.submit(course, db.session.get(User, instructor)).id
        db.session.commit()

    def approve():
        course = courses.get_course("rules")
        request = db.session.get(Review, review_id)
        review.approve(request, course, db.session.get(User, admin))

    results = race(committed_app, [approve, _save(instructor, "送审后又改", 2)])
    with committed_app.app_context():
        state = db.session.get(Review, review_id).state
        lesson = courses.get_lesson(courses.get_course("rules"), "one")
        if state == "approved":
            # The approval went first: members read the version sent, the later save waits.
            assert results[1] == 3
            assert lesson.body_md == "送审的版本"
        else:
            # The save went first: the request was withdrawn and the approval refused.
            assert state == "withdrawn" and isinstance(results[0], review.ReviewClosed)
            assert lesson.body_md == "正文 one"
