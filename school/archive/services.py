"""Writing to and reading from the study archive."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from school import events
from school.archive import progress
from school.archive.models import ArchiveAccess, ArchiveEntry
from school.auth.models import User
from school.clock import to_local, year_bounds
from school.db import db, utcnow

# Views of one member's archive by one staff member within this time count as one look.
LOOK_WINDOW = timedelta(minutes=30)
REASON_MAX = 200


class CorrectionRefused(ValueError):
    """An entry that cannot be corrected; str(exc) is a message in Chinese."""


@dataclass(frozen=True)
class YearSummary:
    year: int
    hours: Decimal
    quota: int

    @property
    def percent(self) -> int:
        return min(100, int(self.hours * 100 / self.quota)) if self.quota else 100

    @property
    def remaining(self) -> Decimal:
        return max(Decimal(0), Decimal(self.quota) - self.hours)

    @property
    def met(self) -> bool:
        return self.hours >= self.quota


def quota_hours(cadre: bool) -> int:
    """Yearly 学时: 56 for branch secretaries and committee members, 32 for other members.

    The one quota rule: the archive page, cards, bulletins and the SQL of every report use it.
    """
    return int(current_app.config["CADRE_QUOTA_HOURS" if cadre else "ANNUAL_QUOTA_HOURS"])


def quota_for(member: User) -> int:
    """The member's yearly 学时 quota."""
    return quota_hours(member.is_cadre)


def append_online(
    member: User,
    *,
    kind: str,
    title: str,
    course_title: str | None,
    hours: Decimal,
    completed_at: datetime,
    dedupe_key: str,
    course_id: int | None = None,
    lesson_id: int | None = None,
    score: Decimal | None = None,
    max_score: Decimal | None = None,
    passed: bool | None = None,
    quiz_id: int | None = None,
    attempt_number: int | None = None,
) -> ArchiveEntry | None:
    """Append an online study event once; returns None when the same event is already there."""
    if _recorded(member, dedupe_key):
        return None
    entry = ArchiveEntry(
        member_id=member.id,
        kind=kind,
        source="online",
        title=title,
        course_title=course_title,
        hours=hours,
        completed_at=completed_at,
        dedupe_key=dedupe_key,
        course_id=course_id,
        lesson_id=lesson_id,
        score=score,
        max_score=max_score,
        passed=passed,
        quiz_id=quiz_id,
        attempt_number=attempt_number,
    )
    return _append(entry)


def _recorded(member: User, dedupe_key: str) -> bool:
    return (
        db.session.scalar(
            select(ArchiveEntry.id).where(
                ArchiveEntry.member_id == member.id, ArchiveEntry.dedupe_key == dedupe_key
            )
        )
        is not None
    )


def _append(entry: ArchiveEntry) -> ArchiveEntry | None:
    """Add the entry and count it in the running totals, or None if the same key just landed."""
    try:
        with db.session.begin_nested():
            db.session.add(entry)
    except IntegrityError:  # another request recorded the same event a moment ago
        return None
    progress.record_entry(entry)
    return entry


def entries(member: User, year: int) -> list[ArchiveEntry]:
    """The member's entries in a local calendar year, newest first, with who recorded each."""
    start, end = year_bounds(year)
    return list(
        db.session.scalars(
            select(ArchiveEntry)
            .where(
                ArchiveEntry.member_id == member.id,
                ArchiveEntry.completed_at >= start,
                ArchiveEntry.completed_at < end,
            )
            # In the same statement: the page names who credited each offline study.
            .options(joinedload(ArchiveEntry.recorded_by))
            .order_by(ArchiveEntry.completed_at.desc(), ArchiveEntry.id.desc())
        )
    )


@dataclass(frozen=True)
class LedgerLine:
    """One line of the archive page: an entry and, for a quiz, the member's other attempts;
    for a corrected entry, the correction that took its 学时 back."""

    entry: ArchiveEntry
    others: tuple[ArchiveEntry, ...] = ()
    correction: ArchiveEntry | None = None


def _best(attempts: list[ArchiveEntry]) -> ArchiveEntry:
    # Passed before failed, then the higher score, then the later attempt.
    return max(
        attempts,
        key=lambda e: (e.passed is True, e.percent or Decimal(-1), e.completed_at, e.id),
    )


def ledger_lines(year_entries: list[ArchiveEntry]) -> list[LedgerLine]:
    """The year's entries (newest first) as the page lists them: a quiz's attempts as one line
    showing the best of them, the others behind it, where the latest attempt falls.

    Only entries that snapshot their quiz are grouped; older quiz entries do not say which
    quiz they were (two quizzes of a course may share a title), so each stays a line of its own.
    A correction is shown with the entry it corrects (same moment, so the same year), not as a
    line of its own; the year's total still counts it.
    """
    attempts: dict[int, list[ArchiveEntry]] = {}
    present = {entry.id for entry in year_entries}
    corrections: dict[int, ArchiveEntry] = {}
    for entry in year_entries:
        if entry.kind == "quiz" and entry.quiz_id is not None:
            attempts.setdefault(entry.quiz_id, []).append(entry)
        if entry.kind == "correction" and entry.corrects_id in present:
            corrections[entry.corrects_id] = entry
    lines = []
    for entry in year_entries:
        group = attempts.get(entry.quiz_id) if entry.kind == "quiz" else None
        if entry.kind == "correction" and entry.corrects_id in corrections:
            continue
        if not group:
            lines.append(LedgerLine(entry, correction=corrections.get(entry.id)))
        elif entry is group[0]:
            best = _best(group)
            lines.append(LedgerLine(best, tuple(e for e in group if e is not best)))
    return lines


def year_summary(member: User, year: int) -> YearSummary:
    """学时 credited in a local calendar year, against the member's quota."""
    start, end = year_bounds(year)
    total = db.session.scalar(
        select(func.coalesce(func.sum(ArchiveEntry.hours), 0)).where(
            ArchiveEntry.member_id == member.id,
            ArchiveEntry.completed_at >= start,
            ArchiveEntry.completed_at < end,
        )
    )
    return YearSummary(year=year, hours=Decimal(total or 0), quota=quota_for(member))


def summary_of(member: User, year: int, year_entries: list[ArchiveEntry]) -> YearSummary:
    """``year_summary`` from the year's entries already loaded (the archive page lists them),
    without asking the database again. Added up in tenths like the column, so the total is the
    same Decimal the SQL sum gives (3, not 3.0)."""
    tenths = sum(int(entry.hours * 10) for entry in year_entries)
    return YearSummary(year=year, hours=Decimal(tenths) / 10, quota=quota_for(member))


def years_with_entries(member: User) -> list[int]:
    """Local calendar years in which the member has entries, newest first."""
    moments = db.session.scalars(
        select(ArchiveEntry.completed_at).where(ArchiveEntry.member_id == member.id)
    )
    return sorted({to_local(m).year for m in moments}, reverse=True)


def log_access(viewer: User, member: User, now: datetime | None = None) -> None:
    """Record that someone other than the member opened the member's archive, once a visit.

    A card scan, the record added after it and the full archive opened from it are one look
    for the member reading "who looked at my archive", not three lines.
    """
    if viewer.id == member.id:
        return
    now = now or utcnow()
    recent = db.session.scalar(
        select(ArchiveAccess.id)
        .where(
            ArchiveAccess.viewer_id == viewer.id,
            ArchiveAccess.member_id == member.id,
            ArchiveAccess.viewed_at > now - LOOK_WINDOW,
        )
        .limit(1)
    )
    if recent is None:
        db.session.add(ArchiveAccess(viewer_id=viewer.id, member_id=member.id, viewed_at=now))
        db.session.flush()


def offline_key(title: str, day: date) -> str:
    """The dedupe key of an offline study: the same title on the same local day is one study."""
    digest = hashlib.sha256(f"{day.isoformat()}\n{title}".encode()).hexdigest()
    return f"offline:{digest[:56]}"


def append_offline(
    member: User,
    *,
    title: str,
    hours: Decimal,
    completed_at: datetime,
    recorded_by: User,
    dedupe_key: str | None = None,
) -> ArchiveEntry | None:
    """Record offline study (a lecture, a training day) in the member's archive, once.

    ``dedupe_key`` names the study; by default the same title on the same local day is the same
    study. A second record with the same key returns None and credits nothing, like a repeated
    online event (a double-submitted form, a secretary and an organiser recording one lecture).
    """
    dedupe_key = dedupe_key or offline_key(title, to_local(completed_at).date())
    if _recorded(member, dedupe_key):
        return None
    entry = ArchiveEntry(
        member_id=member.id,
        kind="offline",
        source="offline",
        title=title,
        hours=hours,
        completed_at=completed_at,
        dedupe_key=dedupe_key,
        recorded_by_id=recorded_by.id,
    )
    if _append(entry) is None:
        return None
    events.offline_study_recorded.send(member, entry=entry, by=recorded_by)
    return entry


def append_offline_many(
    member_ids: Sequence[int],
    *,
    title: str,
    hours: Decimal,
    completed_at: datetime,
    recorded_by: User,
    dedupe_key: str,
) -> dict[int, int]:
    """Record one offline study (a branch meeting, a lecture) for many members in a few
    statements; returns {member id: entry id} of the members credited now.

    Members who already have an entry with ``dedupe_key`` are left out and credited nothing,
    also when a concurrent request recorded it a moment ago (the insert skips the conflict
    and waits for that request on PostgreSQL). The running totals and the rollups are kept in
    the same transaction, as ``append_offline`` keeps them one entry at a time.
    """
    if not member_ids:
        return {}
    now = utcnow()
    table = ArchiveEntry.__table__
    make = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = (
        make(table)
        .on_conflict_do_nothing(index_elements=["member_id", "dedupe_key"])
        .returning(table.c.member_id, table.c.id)
    )
    rows = [
        {
            "member_id": member_id,
            "kind": "offline",
            "source": "offline",
            "title": title,
            "hours": hours,
            "completed_at": completed_at,
            "dedupe_key": dedupe_key,
            "recorded_at": now,
            "recorded_by_id": recorded_by.id,
        }
        # In id order, so two batches over the same members wait for each other, not deadlock.
        for member_id in sorted(set(member_ids))
    ]
    credited = dict(db.session.execute(stmt, rows).all())
    progress.record_offline_many(list(credited), completed_at, hours)
    if credited:
        # One event for the batch: a subscriber answers for 500 members in a few statements,
        # where 500 events would each cost their own.
        events.group_study_recorded.send(recorded_by, member_ids=sorted(credited))
    return credited


def recorded_with(member_ids: Sequence[int], dedupe_key: str) -> dict[int, ArchiveEntry]:
    """The members among these who already have an entry with ``dedupe_key``, with it (and
    who recorded it)."""
    found: dict[int, ArchiveEntry] = {}
    ids = sorted(set(member_ids))
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        for entry in db.session.scalars(
            select(ArchiveEntry)
            .where(ArchiveEntry.dedupe_key == dedupe_key, ArchiveEntry.member_id.in_(chunk))
            .options(joinedload(ArchiveEntry.recorded_by))
        ):
            found[entry.member_id] = entry
    return found


def correction_of(entry: ArchiveEntry) -> ArchiveEntry | None:
    """The entry that corrected this one, if any."""
    return db.session.scalar(select(ArchiveEntry).where(ArchiveEntry.corrects_id == entry.id))


def append_correction(
    entry: ArchiveEntry, *, reason: str, recorded_by: User, now: datetime | None = None
) -> ArchiveEntry:
    """Take back a wrong offline entry with a compensating entry: the same moment and minus its
    学时, with the reason. The entry itself stays as it was (the ledger is never edited), and
    every total that counted it counts the correction too. Raises CorrectionRefused."""
    reason = " ".join(reason.split())
    if entry.kind != "offline":
        raise CorrectionRefused("只能更正线下学习记录；线上学习由系统记录，不能更正。")
    if not reason:
        raise CorrectionRefused("请填写更正原因。")
    if len(reason) > REASON_MAX:
        raise CorrectionRefused(f"更正原因不能超过 {REASON_MAX} 个字。")
    if correction_of(entry) is not None:
        raise CorrectionRefused("这条记录已经更正过，不能再次更正。")
    correction = ArchiveEntry(
        member_id=entry.member_id,
        kind="correction",
        source=entry.source,
        title=entry.title,
        hours=-entry.hours,
        completed_at=entry.completed_at,
        dedupe_key=f"correction:{entry.id}",
        corrects_id=entry.id,
        reason=reason,
        recorded_at=now or utcnow(),
        recorded_by_id=recorded_by.id,
    )
    if _append(correction) is None:
        raise CorrectionRefused("这条记录刚刚已被他人更正。")
    return correction


def append_quiz(
    member: User,
    *,
    attempt_id: int,
    title: str,
    course_title: str | None,
    course_id: int | None,
    score: Decimal,
    max_score: Decimal,
    passed: bool,
    completed_at: datetime,
    quiz_id: int,
    attempt_number: int,
) -> ArchiveEntry | None:
    """Record a graded quiz attempt (score, pass/fail and which attempt; no 学时).

    The dedupe key names the attempt, so the entry leads back to it.
    """
    return append_online(
        member,
        kind="quiz",
        title=title,
        course_title=course_title,
        hours=Decimal(0),
        completed_at=completed_at,
        dedupe_key=f"attempt:{attempt_id}",
        course_id=course_id,
        score=score,
        max_score=max_score,
        passed=passed,
        quiz_id=quiz_id,
        attempt_number=attempt_number,
    )
