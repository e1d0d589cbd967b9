from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from school.archive.models import ArchiveEntry
from school.auth.models import User
from school.courses import services
from school.courses.models import Course, CourseCompletion, LessonCompletion
from school.db import db


def _complete(user_id: int, course_slug: str, lesson_slug: str, **kwargs):
    member = db.session.get(User, user_id)
    lesson = services.get_lesson(services.get_course(course_slug), lesson_slug)
    result = services.complete_lesson(member, lesson, **kwargs)
    db.session.commit()
    return result


def _entries(user_id: int) -> list[ArchiveEntry]:
    return list(
        db.session.scalars(
            select(ArchiveEntry).where(ArchiveEntry.member_id == user_id).order_by(ArchiveEntry.id)
        )
    )


def test_completing_a_lesson_records_it_once_with_a_snapshot(app, world):
    with app.app_context():
        first = _complete(world.member, "rules", "one")
        again = _complete(world.member, "rules", "one")
        assert first.newly_done and not again.newly_done
        assert db.session.scalar(select(func.count(LessonCompletion.id))) == 1
        [entry] = _entries(world.member)
        assert (entry.kind, entry.source, entry.title, entry.course_title, entry.hours) == (
            "lesson",
            "online",
            "课时 one",
            "课程 rules",
            Decimal(1),
        )


def test_course_completes_when_every_required_lesson_is_done(app, world):
    with app.app_context():
        assert not _complete(world.member, "rules", "one").course_completed
        # "extra" is optional: it neither blocks completion nor counts toward progress.
        assert _complete(world.member, "rules", "two").course_completed
        course = services.get_course("rules")
        member = db.session.get(User, world.member)
        assert services.progress(member, [course])[course.id].percent == 100
        kinds = [(e.kind, e.hours) for e in _entries(world.member)]
        assert kinds == [("lesson", 1), ("lesson", 1), ("course", 0)]
        assert not _complete(world.member, "rules", "extra").course_completed
        assert db.session.scalar(select(func.count(CourseCompletion.id))) == 1


def test_draft_course_lessons_cannot_be_completed(app, world):
    with app.app_context():
        with pytest.raises(services.NotStudiable):
            _complete(world.instructor, "draft-course", "one")
        assert _entries(world.instructor) == []


def test_renaming_or_deleting_a_course_never_rewrites_the_archive(app, world):
    with app.app_context():
        _complete(world.member, "rules", "one")
        _complete(world.member, "rules", "two")
        course = services.get_course("rules")
        course.title = "改名后的课程"
        course.lessons[0].title = "改名后的课时"
        db.session.commit()
        db.session.delete(db.session.get(Course, course.id))
        db.session.commit()
        titles = [(e.title, e.course_title) for e in _entries(world.member)]
        assert titles == [
            ("课时 one", "课程 rules"),
            ("课时 two", "课程 rules"),
            ("课程 rules", "课程 rules"),
        ]


def test_the_database_refuses_to_change_or_remove_archive_entries(app, world):
    with app.app_context():
        _complete(world.member, "rules", "one")
        with pytest.raises(Exception, match="append-only"), db.session.begin_nested():
            db.session.execute(update(ArchiveEntry).values(hours=99))
        with pytest.raises(Exception, match="append-only"), db.session.begin_nested():
            db.session.execute(ArchiveEntry.__table__.delete())
        [entry] = _entries(world.member)
        assert entry.hours == 1


def test_catalogue_hides_drafts_from_members_only(app, world):
    with app.app_context():
        member = db.session.get(User, world.member)
        instructor = db.session.get(User, world.instructor)
        slugs = lambda user: [c.slug for _, cs in services.catalogue(user) for c in cs]  # noqa: E731
        assert slugs(member) == ["rules"]
        assert sorted(slugs(instructor)) == ["draft-course", "rules"]
