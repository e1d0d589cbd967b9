"""Precomputed progress moves with every completion, in the same transaction, and never drifts."""

import threading
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select

from school.archive import progress
from school.archive import services as archive
from school.archive.models import ArchiveEntry, CourseProgress, YearProgress
from school.auth.models import User
from school.courses import services as courses
from school.db import db, utcnow
from tests.factories import build_world


def _year(member_id: int, year: int) -> YearProgress | None:
    return db.session.get(YearProgress, (member_id, year))


def _snapshot() -> tuple[list, list]:
    years = db.session.execute(
        select(
            YearProgress.member_id,
            YearProgress.year,
            YearProgress.hours,
            *(getattr(YearProgress, f"m{m}") for m in range(1, 13)),
            YearProgress.courses_completed,
            YearProgress.last_activity_at,
        ).order_by(YearProgress.member_id, YearProgress.year)
    ).all()
    course_rows = db.session.execute(
        select(
            CourseProgress.member_id,
            CourseProgress.course_id,
            CourseProgress.lessons_done,
            CourseProgress.completed_at,
        ).order_by(CourseProgress.member_id, CourseProgress.course_id)
    ).all()
    return years, course_rows


def test_completing_a_course_updates_course_and_year_progress(app, world):
    when = datetime(2026, 5, 20, 3, 0, tzinfo=UTC)
    with app.app_context():
        member = db.session.get(User, world.member)
        course = courses.get_course("rules")
        for slug in ("one", "two"):
            courses.complete_lesson(member, courses.get_lesson(course, slug), now=when)
        db.session.commit()
        row = db.session.get(CourseProgress, (member.id, course.id))
        assert (row.lessons_done, row.completed_at) == (2, when)
        year = _year(member.id, 2026)
        assert year.hours == Decimal(2) and year.m5 == Decimal(2) and year.m4 == 0
        assert year.courses_completed == 1
        assert year.last_activity_at == when


def test_offline_hours_count_in_the_local_month_and_year(app, world):
    # 2026-03-31 17:00 UTC is already 1 April in China.
    when = datetime(2026, 3, 31, 17, 0, tzinfo=UTC)
    with app.app_context():
        member = db.session.get(User, world.member)
        secretary = db.session.get(User, world.secretary)
        archive.append_offline(
            member,
            title="春节返乡培训",
            hours=Decimal("4.5"),
            completed_at=when,
            recorded_by=secretary,
        )
        archive.append_offline(
            member,
            title="党课",
            hours=Decimal("0.5"),
            completed_at=datetime(2025, 6, 1, tzinfo=UTC),
            recorded_by=secretary,
        )
        year = _year(member.id, 2026)
        assert (year.hours, year.m4, year.m3) == (Decimal("4.5"), Decimal("4.5"), 0)
        assert _year(member.id, 2025).hours == Decimal("0.5")


def test_a_repeated_completion_counts_once(app, world):
    with app.app_context():
        member = db.session.get(User, world.member)
        lesson = courses.get_lesson(courses.get_course("rules"), "one")
        for _ in range(3):
            courses.complete_lesson(member, lesson)
        assert db.session.get(CourseProgress, (member.id, lesson.course_id)).lessons_done == 1
        assert sum(
            db.session.scalars(
                select(YearProgress.hours).where(YearProgress.member_id == member.id)
            )
        ) == Decimal(1)


def test_a_rolled_back_completion_leaves_no_progress(app, world):
    with app.app_context():
        member = db.session.get(User, world.member)
        lesson = courses.get_lesson(courses.get_course("rules"), "one")
        courses.complete_lesson(member, lesson)
        db.session.rollback()
        assert db.session.scalars(select(CourseProgress)).all() == []
        assert db.session.scalars(select(YearProgress)).all() == []


def test_rebuild_gives_exactly_what_the_increments_gave(app, world):
    with app.app_context():
        member = db.session.get(User, world.member)
        other = db.session.get(User, world.other_member)
        course = courses.get_course("rules")
        for who in (member, other):
            for slug in ("one", "two", "extra"):
                courses.complete_lesson(who, courses.get_lesson(course, slug))
        archive.append_offline(
            member,
            title="线下",
            hours=Decimal("3"),
            completed_at=datetime(2025, 12, 31, 16, 30, tzinfo=UTC),
            recorded_by=db.session.get(User, world.secretary),
        )
        db.session.flush()
        incremental = _snapshot()
        progress.rebuild()
        assert _snapshot() == incremental


def test_a_batch_and_a_correction_give_what_a_rebuild_gives(app, world):
    """The set-based path for many members and a compensating entry keep the same year rows as
    recomputing from the ledger: the correction takes the 学时 back in the entry's month."""
    when = datetime(2025, 12, 31, 16, 30, tzinfo=UTC)  # 1 January 2026 in China
    with app.app_context():
        secretary = db.session.get(User, world.secretary)
        member = db.session.get(User, world.member)
        archive.append_offline(
            member, title="早先", hours=Decimal("2"), completed_at=when, recorded_by=secretary
        )
        ids = [world.member, world.other_member, world.floating]
        credited = archive.append_offline_many(
            ids,
            title="党课",
            hours=Decimal("1.5"),
            completed_at=when,
            recorded_by=secretary,
            dedupe_key="group:test",
        )
        assert sorted(credited) == sorted(ids)
        # Again: everyone already has it, nothing is added.
        assert (
            archive.append_offline_many(
                ids,
                title="党课",
                hours=Decimal("1.5"),
                completed_at=when,
                recorded_by=secretary,
                dedupe_key="group:test",
            )
            == {}
        )
        wrong = db.session.get(ArchiveEntry, credited[world.other_member])
        archive.append_correction(wrong, reason="未参加", recorded_by=secretary)
        db.session.flush()
        assert _year(world.member, 2026).hours == Decimal("3.5")
        assert _year(world.member, 2026).m1 == Decimal("3.5")
        assert _year(world.other_member, 2026).hours == 0
        assert archive.year_summary(db.session.get(User, world.other_member), 2026).hours == 0
        incremental = _snapshot()
        progress.rebuild()
        assert _snapshot() == incremental


def test_rebuild_command_reports_what_it_wrote(app, world):
    with app.app_context():
        member = db.session.get(User, world.member)
        courses.complete_lesson(
            member, courses.get_lesson(courses.get_course("rules"), "one"), utcnow()
        )
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["reports", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "课程进度 1 条" in result.output and "年度学时 1 条" in result.output


def test_concurrent_offline_records_for_one_member_both_count(committed_app):
    """Two staff recording two studies for one member at the same moment: both hours count."""
    with committed_app.app_context():
        world = build_world()
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []
    when = datetime(2026, 2, 1, tzinfo=UTC)

    def record(by: int) -> None:
        try:
            barrier.wait(timeout=10)
            with committed_app.app_context():
                archive.append_offline(
                    db.session.get(User, world.member),
                    title=f"讲座 {by}",
                    hours=Decimal(4),
                    completed_at=when,
                    recorded_by=db.session.get(User, by),
                )
                db.session.commit()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=record, args=(by,)) for by in (world.secretary, world.admin)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with committed_app.app_context():
        assert _year(world.member, 2026).hours == Decimal(8)
