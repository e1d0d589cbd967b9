"""Real concurrency on a committed database: two requests at the same moment, one record."""

import threading
from datetime import timedelta

from sqlalchemy import func, select

from school.archive.models import ArchiveEntry
from school.auth.models import User
from school.courses import activity, services
from school.courses.models import CourseCompletion, LessonCompletion, LessonStudy
from school.db import db, utcnow
from tests.factories import build_world


def _race(app, member_id: int, lesson_slugs: list[str]) -> list[BaseException]:
    barrier = threading.Barrier(len(lesson_slugs))
    errors: list[BaseException] = []

    def complete(slug: str) -> None:
        try:
            barrier.wait(timeout=10)
            with app.app_context():
                member = db.session.get(User, member_id)
                lesson = services.get_lesson(services.get_course("rules"), slug)
                services.complete_lesson(member, lesson)
                db.session.commit()
        except BaseException as exc:  # reported to the test below
            errors.append(exc)

    threads = [threading.Thread(target=complete, args=(slug,)) for slug in lesson_slugs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(model.id)))


def test_same_lesson_completed_twice_at_once_gives_one_record(committed_app):
    with committed_app.app_context():
        world = build_world()
    assert _race(committed_app, world.member, ["one"] * 4) == []
    assert _count(committed_app, LessonCompletion) == 1
    assert _count(committed_app, ArchiveEntry) == 1


def test_last_two_lessons_in_two_tabs_complete_the_course_once(committed_app):
    with committed_app.app_context():
        world = build_world()
    assert _race(committed_app, world.member, ["one", "two"]) == []
    assert _count(committed_app, LessonCompletion) == 2
    assert _count(committed_app, CourseCompletion) == 1
    with committed_app.app_context():
        kinds = sorted(db.session.scalars(select(ArchiveEntry.kind)))
    assert kinds == ["course", "lesson", "lesson"]


def test_two_tabs_beating_at_the_same_moment_take_the_members_time_once(committed_app):
    """Two lessons' pages of one member send their first heartbeats at the same instant: the
    heartbeats take turns, so the seconds go to one lesson, not to both."""
    with committed_app.app_context():
        world = build_world()
    now = utcnow()
    with committed_app.app_context():
        member = db.session.get(User, world.member)
        course = services.get_course("rules")
        opened = now - timedelta(seconds=15)
        views = {
            slug: activity.issue_view(member, services.get_lesson(course, slug), opened)
            for slug in ("one", "two")
        }
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def beat(slug: str) -> None:
        try:
            barrier.wait(timeout=10)
            with committed_app.app_context():
                member = db.session.get(User, world.member)
                lesson = services.get_lesson(services.get_course("rules"), slug)
                beat = activity.Beat(view=views[slug], seq=1)
                activity.heartbeat(member, lesson, beat, now=now)
                db.session.commit()
        except BaseException as exc:  # reported to the test below
            errors.append(exc)

    threads = [threading.Thread(target=beat, args=(slug,)) for slug in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with committed_app.app_context():
        credited = sorted(db.session.scalars(select(LessonStudy.active_seconds)))
    assert credited == [0, 15]
