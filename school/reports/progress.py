"""Keeping the precomputed progress in step with the archive and the completions.

Every function here runs inside the transaction that records the completion, so a report can
never disagree with the ledger it summarises. Increments are single UPDATE statements, so two
requests adding 学时 for the same member at once both count.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import case, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from school.archive.models import ArchiveEntry
from school.clock import to_local
from school.courses.models import CourseCompletion, Lesson, LessonCompletion
from school.db import db
from school.reports.models import CourseProgress, YearProgress


def _upsert(model, key: dict, values: dict) -> None:
    """Apply ``values`` (column expressions) to the row at ``key``, creating it first if needed."""
    where = [getattr(model, name) == value for name, value in key.items()]
    if db.session.execute(update(model).where(*where).values(values)).rowcount:
        return
    try:
        with db.session.begin_nested():
            db.session.execute(insert(model).values(**key))
    except IntegrityError:  # created by a concurrent request: it is there now either way
        pass
    db.session.execute(update(model).where(*where).values(values))


def record_entry(entry: ArchiveEntry) -> None:
    """Count one new archive entry in its member's year: 学时, month, courses, last activity."""
    local = to_local(entry.completed_at)
    month = getattr(YearProgress, f"m{local.month}")
    values = {
        YearProgress.hours: YearProgress.hours + Decimal(entry.hours),
        month: month + Decimal(entry.hours),
        YearProgress.last_activity_at: case(
            (
                or_(
                    YearProgress.last_activity_at.is_(None),
                    YearProgress.last_activity_at < entry.completed_at,
                ),
                entry.completed_at,
            ),
            else_=YearProgress.last_activity_at,
        ),
    }
    if entry.kind == "course":
        values[YearProgress.courses_completed] = YearProgress.courses_completed + 1
    _upsert(YearProgress, {"member_id": entry.member_id, "year": local.year}, values)


def lesson_done(member_id: int, course_id: int) -> None:
    """One more lesson of the course studied."""
    _upsert(
        CourseProgress,
        {"member_id": member_id, "course_id": course_id},
        {CourseProgress.lessons_done: CourseProgress.lessons_done + 1},
    )


def course_done(member_id: int, course_id: int, when: datetime) -> None:
    """The course is complete."""
    _upsert(
        CourseProgress,
        {"member_id": member_id, "course_id": course_id},
        {CourseProgress.completed_at: when},
    )


def rebuild() -> tuple[int, int]:
    """Recompute every progress row from the ledger and the completions (repair and upgrades).

    Returns the number of course and year rows written.
    """
    db.session.execute(delete(CourseProgress))
    db.session.execute(delete(YearProgress))
    lessons = (
        select(
            LessonCompletion.user_id,
            Lesson.course_id,
            func.count().label("done"),
            func.min(LessonCompletion.completed_at).label("started"),
        )
        .join(Lesson, Lesson.id == LessonCompletion.lesson_id)
        .group_by(LessonCompletion.user_id, Lesson.course_id)
    )
    rows = {(r.user_id, r.course_id): r for r in db.session.execute(lessons)}
    completed = {
        (c.user_id, c.course_id): c.completed_at
        for c in db.session.execute(
            select(
                CourseCompletion.user_id, CourseCompletion.course_id, CourseCompletion.completed_at
            )
        )
    }
    for key in rows.keys() | completed.keys():
        row = rows.get(key)
        db.session.add(
            CourseProgress(
                member_id=key[0],
                course_id=key[1],
                lessons_done=row.done if row else 0,
                started_at=row.started if row else completed[key],
                completed_at=completed.get(key),
            )
        )
    db.session.flush()
    years: dict[tuple[int, int], YearProgress] = {}
    for entry in db.session.scalars(select(ArchiveEntry).order_by(ArchiveEntry.id)):
        local = to_local(entry.completed_at)
        year = years.get((entry.member_id, local.year))
        if year is None:
            year = years[(entry.member_id, local.year)] = YearProgress(
                member_id=entry.member_id,
                year=local.year,
                courses_completed=0,
                hours=0,
                **{f"m{m}": Decimal(0) for m in range(1, 13)},
            )
        year.hours += entry.hours
        month = f"m{local.month}"
        setattr(year, month, getattr(year, month) + entry.hours)
        year.courses_completed += entry.kind == "course"
        if year.last_activity_at is None or entry.completed_at > year.last_activity_at:
            year.last_activity_at = entry.completed_at
    db.session.add_all(years.values())
    db.session.flush()
    return len(rows.keys() | completed.keys()), len(years)
