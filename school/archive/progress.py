"""The ledger's running totals: course and year progress, kept in step with every entry.

``record_entry`` runs inside the transaction that appends the entry (only the archive's own
services call it), so a report can never disagree with the ledger it summarises. Increments are
single UPDATE statements, so two requests adding 学时 for the same member at once both count.
Reports only read these rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Integer, case, delete, func, insert, or_, select, type_coerce, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from school.archive import rollups
from school.archive.models import MONTHS, ArchiveEntry, CourseProgress, YearProgress
from school.clock import to_local
from school.db import db


def _upsert(model, key: dict, values: dict) -> bool:
    """Apply ``values`` (column expressions) to the row at ``key``, creating it first if needed.

    True when this call created the row.
    """
    where = [getattr(model, name) == value for name, value in key.items()]
    if db.session.execute(update(model).where(*where).values(values)).rowcount:
        return False
    created = True
    try:
        with db.session.begin_nested():
            db.session.execute(insert(model).values(**key))
    except IntegrityError:  # created by a concurrent request: it is there now either way
        created = False
    db.session.execute(update(model).where(*where).values(values))
    return created


def record_entry(entry: ArchiveEntry) -> None:
    """Count one new archive entry: its member's year (学时, month, courses, last activity) and,
    for a lesson or a course, the member's progress in that course."""
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
    year = {"member_id": entry.member_id, "year": local.year}
    _upsert(YearProgress, year, values)
    course = {"member_id": entry.member_id, "course_id": entry.course_id}
    first_completion = False
    if entry.kind == "lesson":
        _upsert(
            CourseProgress, course, {CourseProgress.lessons_done: CourseProgress.lessons_done + 1}
        )
    elif entry.kind == "course":
        # The course counts once in the rollups, however often it is recorded as completed.
        first_completion = bool(
            db.session.execute(
                update(CourseProgress)
                .where(
                    CourseProgress.member_id == entry.member_id,
                    CourseProgress.course_id == entry.course_id,
                    CourseProgress.completed_at.is_(None),
                )
                .values(completed_at=entry.completed_at)
            ).rowcount
        ) or _upsert(CourseProgress, course, {CourseProgress.completed_at: entry.completed_at})
    # The year's 学时 after this entry (the row is locked by the update above).
    hours = db.session.scalar(
        select(type_coerce(YearProgress.hours, Integer)).where(
            YearProgress.member_id == entry.member_id, YearProgress.year == local.year
        )
    )
    rollups.record(
        entry.member_id,
        local.year,
        local.month,
        int(Decimal(entry.hours) * 10),
        hours or 0,
        entry.course_id if first_completion else None,
    )


def record_offline_many(member_ids: Sequence[int], completed_at: datetime, hours: Decimal) -> None:
    """Count one offline study (the same moment and 学时) for many members: what
    ``record_entry`` does for each, in one upsert of their year rows, one read of the new
    totals and one rollup write."""
    if not member_ids:
        return
    ids = sorted(set(member_ids))
    local = to_local(completed_at)
    month = f"m{local.month}"
    table = YearProgress.__table__
    make = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = make(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=["member_id", "year"],
        set_={
            "hours": table.c.hours + stmt.excluded.hours,
            month: table.c[month] + stmt.excluded[month],
            "last_activity_at": case(
                (
                    or_(
                        table.c.last_activity_at.is_(None),
                        table.c.last_activity_at < stmt.excluded.last_activity_at,
                    ),
                    stmt.excluded.last_activity_at,
                ),
                else_=table.c.last_activity_at,
            ),
        },
    )
    base = {"year": local.year, "courses_completed": 0, **dict.fromkeys(MONTHS, Decimal(0))}
    rows = [
        {**base, "member_id": i, "hours": hours, month: hours, "last_activity_at": completed_at}
        for i in ids
    ]
    # In member order: two batches over the same members lock their rows in the same order.
    db.session.execute(stmt, rows)
    totals: dict[int, int] = {}
    for start in range(0, len(ids), rollups.BATCH):
        chunk = ids[start : start + rollups.BATCH]
        totals.update(
            db.session.execute(
                select(YearProgress.member_id, type_coerce(YearProgress.hours, Integer)).where(
                    YearProgress.year == local.year, YearProgress.member_id.in_(chunk)
                )
            ).all()
        )
    rollups.record_many(local.year, local.month, int(Decimal(hours) * 10), totals)


def rebuild() -> tuple[int, int]:
    """Recompute every progress row from the ledger (repair and upgrades).

    Lesson entries give each course's lessons done and its start, course entries its completion,
    every entry its year: exactly what ``record_entry`` added up one entry at a time.
    Returns the number of course and year rows written.
    """
    db.session.execute(delete(CourseProgress))
    db.session.execute(delete(YearProgress))
    lessons = (
        select(
            ArchiveEntry.member_id,
            ArchiveEntry.course_id,
            func.count().label("done"),
            func.min(ArchiveEntry.completed_at).label("started"),
        )
        .where(ArchiveEntry.kind == "lesson")
        .group_by(ArchiveEntry.member_id, ArchiveEntry.course_id)
    )
    rows = {(r.member_id, r.course_id): r for r in db.session.execute(lessons)}
    completed = {
        (c.member_id, c.course_id): c.completed_at
        for c in db.session.execute(
            select(ArchiveEntry.member_id, ArchiveEntry.course_id, ArchiveEntry.completed_at).where(
                ArchiveEntry.kind == "course"
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
                **dict.fromkeys(MONTHS, Decimal(0)),
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
