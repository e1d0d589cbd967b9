"""Study activity: the active time and the video a member's lesson page reports, and where the
member stopped.

The lesson page gets a signed *view* token when it is opened (no database write). While the page
is visible and the member active (scrolling, touching, typing, a playing video), it posts a
heartbeat every ``INTERVAL`` seconds with the next sequence number of its view. The server keeps
one ``LessonStudy`` row per member and lesson and updates it in place on every accepted heartbeat:

- **Credit**: the time since the previous accepted heartbeat of the view (or since the page was
  opened), at most ``CAP``, and never time the member already earned elsewhere: the member's
  latest accepted heartbeat on any lesson is a watermark that the credited interval starts after.
  So each second of a member's time goes to one lesson at most; with two lessons open in two tabs,
  the tab that beats takes the time since the member's previous heartbeat on either, the two split
  the member's time instead of doubling it, and the time a tab lost to the other is kept as
  overlap for the staff's 提示.
- **Ignored** (nothing changes): a token not issued to this member for this lesson, or older than
  ``VIEW_MAX_AGE``; a sequence number not above the view's last accepted one (a replay, a request
  out of order); a heartbeat sooner than ``MIN_GAP`` after the view's previous one (or after the
  page was opened); an older view of a lesson whose newer view already beat (the latest page view
  of a lesson wins: "superseded"); a lesson already completed.
- **Video**: the ranges played since the previous report, accepted only when together they are no
  longer than the wall time since then plus ``TOLERANCE`` (a seek ahead is not watching), merged
  into the row. The video's length is the one its file states (``video_length``); only when the
  file does not say is it taken from the page's first report, within bounds.
- **Resume**: the scroll fraction of the page and the video's time from the latest accepted
  heartbeat, shown again when the member opens the lesson on any device.

- **Offline**: a lesson page read without a connection (the service worker keeps the lessons a
  member opened, ``school/offline.py``) earns nothing while offline. Its heartbeats fail and are
  not kept for later: the server could only place them in time by the phone's clock, which the
  member controls, and crediting the past would rewrite the watermark that gives each second to
  one lesson. The first heartbeat that arrives when the connection returns is credited by the
  rules above, at most ``CAP``; the page then goes on counting. A "学完了" pressed offline is kept
  by the page and posted when the connection returns, and the completion's own rule (the
  lesson's minimum of credited time) decides; a refusal is shown to the member like any other.

Heartbeats are plain functions of an explicit ``now`` and flush without committing.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import BigInteger, cast, func, or_, select
from sqlalchemy.exc import IntegrityError

from school.auth.models import User
from school.courses import video_length
from school.courses.models import Lesson, LessonCompletion, LessonStudy
from school.db import db, utcnow

INTERVAL = 15  # seconds between heartbeats of an active page
TOLERANCE = 5  # network and timer jitter allowed either way
MIN_GAP = INTERVAL - TOLERANCE  # a heartbeat sooner than this after the previous is ignored
CAP = INTERVAL + TOLERANCE  # the most one heartbeat can credit
VIEW_MAX_AGE = timedelta(hours=12)  # a page left open longer must be reloaded to earn time

VIDEO_SHARE = 0.9  # the share of a video that must be watched before the lesson counts
MIN_DURATION = 1.0
MAX_DURATION = 6 * 3600.0
MAX_RANGES = 8  # ranges in one heartbeat
MAX_STORED_RANGES = 200  # merged ranges kept per member and lesson

IGNORED_REASONS = ("view", "seq", "too_soon", "superseded", "done")


class BadBeat(Exception):
    """A heartbeat whose fields are not numbers in range; nothing is recorded."""


@dataclass(frozen=True)
class View:
    """One opening of a lesson page, as its signed token tells."""

    nonce: str
    opened_at: datetime


@dataclass(frozen=True)
class Beat:
    """What one heartbeat reports."""

    view: str
    seq: int
    scroll: float | None = None
    video_time: float | None = None
    duration: float | None = None
    ranges: tuple[tuple[float, float], ...] = ()


@dataclass(frozen=True)
class BeatResult:
    """The member's study of the lesson after a heartbeat, and whether the heartbeat counted."""

    accepted: bool
    reason: str  # "ok" or one of IGNORED_REASONS
    credited: int
    active_seconds: int
    ranges_refused: bool
    watched_share: float


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="lesson-view")


def issue_view(member: User, lesson: Lesson, now: datetime | None = None) -> str:
    """A signed token for one opening of the lesson page by the member."""
    now = now or utcnow()
    payload = [member.id, lesson.id, secrets.token_hex(8), int(now.timestamp() * 1000)]
    return _serializer().dumps(payload)


def read_view(token: str, member: User, lesson: Lesson, now: datetime | None = None) -> View | None:
    """The view a token stands for, if it was issued to this member for this lesson and is recent
    enough; None for anything else."""
    now = now or utcnow()
    try:
        user_id, lesson_id, nonce, opened = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if user_id != member.id or lesson_id != lesson.id:
        return None
    opened_at = datetime.fromtimestamp(opened / 1000, UTC)
    if not opened_at - timedelta(seconds=TOLERANCE) <= now <= opened_at + VIEW_MAX_AGE:
        return None
    return View(nonce=nonce, opened_at=opened_at)


def _number(fields: Mapping[str, str], name: str, low: float, high: float) -> float | None:
    text = (fields.get(name) or "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise BadBeat(name) from None
    if not low <= value <= high:  # also refuses nan
        raise BadBeat(name)
    return value


def _ranges(text: str) -> tuple[tuple[float, float], ...]:
    """ "12.0-27.5,40-41" as ((12.0, 27.5), (40.0, 41.0))."""
    text = text.strip()
    if not text:
        return ()
    parts = text.split(",")
    if len(parts) > MAX_RANGES:
        raise BadBeat("ranges")
    ranges = []
    for part in parts:
        start, _, end = part.partition("-")
        try:
            pair = (float(start), float(end))
        except ValueError:
            raise BadBeat("ranges") from None
        if not 0 <= pair[0] <= pair[1] <= MAX_DURATION:
            raise BadBeat("ranges")
        ranges.append(pair)
    return tuple(ranges)


def parse_beat(fields: Mapping[str, str]) -> Beat:
    """A heartbeat from the lesson page's form fields; BadBeat when a field is malformed."""
    seq = _number(fields, "seq", 1, 1_000_000)
    if seq is None or seq != int(seq) or not fields.get("view"):
        raise BadBeat("seq")
    return Beat(
        view=fields["view"][:200],
        seq=int(seq),
        scroll=_number(fields, "scroll", 0, 1),
        video_time=_number(fields, "video_time", 0, MAX_DURATION),
        duration=_number(fields, "duration", 0, 1e9),
        ranges=_ranges(fields.get("ranges", "")),
    )


def study_of(member: User, lesson: Lesson) -> LessonStudy | None:
    """The member's study row for the lesson, if the lesson page ever reported any."""
    return db.session.scalar(
        select(LessonStudy).where(
            LessonStudy.user_id == member.id, LessonStudy.lesson_id == lesson.id
        )
    )


def file_length(lesson: Lesson) -> float | None:
    """The length in seconds of the lesson's video as its file states it, within bounds; None
    when the lesson has no video or its file does not say."""
    if lesson.kind != "video" or not lesson.media_name:
        return None
    seconds = video_length.seconds(Path(current_app.config["MEDIA_DIR"]) / lesson.media_name)
    return seconds if seconds is not None and MIN_DURATION <= seconds <= MAX_DURATION else None


def watched_share(study: LessonStudy | None, lesson: Lesson) -> float:
    """The share (0 to 1) of the lesson's video the member watched in continuous playback,
    against the length the file states (the page's report only when the file does not say)."""
    length = file_length(lesson) or (study.video_duration if study is not None else None)
    if study is None or not length:
        return 0.0
    return min(1.0, study.watched_seconds / length)


def needs_video(lesson: Lesson) -> bool:
    """Whether completing the lesson requires watching its video."""
    return lesson.kind == "video" and bool(lesson.media_name)


def merge(ranges: list[list[float]] | list[tuple[float, float]]) -> list[list[float]]:
    """Ranges sorted and merged where they overlap or touch (within half a second)."""
    merged: list[list[float]] = []
    for start, end in sorted((float(a), float(b)) for a, b in ranges):
        if merged and start <= merged[-1][1] + 0.5:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [[round(a, 1), round(b, 1)] for a, b in merged]


def heartbeat(member: User, lesson: Lesson, beat: Beat, now: datetime | None = None) -> BeatResult:
    """Credit the member's active time (and watched video) on the lesson for one heartbeat, or
    ignore it; keep where the member stopped."""
    now = now or utcnow()
    _take_turns(member)
    # The member's row for this lesson and those that beat within the last CAP seconds: the
    # watermark and the overlap are read from them.
    rows = list(
        db.session.scalars(
            select(LessonStudy).where(
                LessonStudy.user_id == member.id,
                or_(LessonStudy.lesson_id == lesson.id, LessonStudy.beat_at > now - _cap()),
            )
        )
    )
    row = next((r for r in rows if r.lesson_id == lesson.id), None)

    def ignored(reason: str) -> BeatResult:
        return BeatResult(
            accepted=False,
            reason=reason,
            credited=0,
            active_seconds=row.active_seconds if row else 0,
            ranges_refused=False,
            watched_share=watched_share(row, lesson),
        )

    if is_completed(member, lesson):
        return ignored("done")
    view = read_view(beat.view, member, lesson, now)
    if view is None:
        return ignored("view")
    if row is not None and row.view == view.nonce:
        if beat.seq <= row.seq:
            return ignored("seq")
        anchor = row.beat_at
    elif row is not None and view.opened_at < row.view_opened_at:
        return ignored("superseded")
    else:
        anchor = view.opened_at
    gap = (now - anchor).total_seconds()
    if gap < MIN_GAP:
        return ignored("too_soon")

    start = max(anchor, now - _cap())
    watermark = max((r.beat_at for r in rows), default=start)
    credited = max(0, round((now - max(start, watermark)).total_seconds()))
    # Time this page beat while another lesson's page held the member's time.
    others = any(r.lesson_id != lesson.id and r.beat_at > start for r in rows)
    overlap = round((now - start).total_seconds()) - credited if others else 0

    if row is None:
        row = LessonStudy(
            user_id=member.id,
            lesson_id=lesson.id,
            active_seconds=0,
            overlap_seconds=0,
            started_at=now,
            watched=[],
            watched_seconds=0.0,
        )
        _apply(row, view, beat, now, credited, overlap)
        refused = _watch(row, lesson, beat, gap)
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:  # the member's other tab created the row a moment ago
            row = None
            return ignored("seq")
    else:
        _apply(row, view, beat, now, credited, overlap)
        refused = _watch(row, lesson, beat, gap)
        db.session.flush()
    return BeatResult(
        accepted=True,
        reason="ok",
        credited=credited,
        active_seconds=row.active_seconds,
        ranges_refused=refused,
        watched_share=watched_share(row, lesson),
    )


def _take_turns(member: User) -> None:
    """Make the member's heartbeats take turns, so two tabs beating at the same moment cannot
    both take the same seconds.

    On PostgreSQL a transaction-level advisory lock on the member: held in memory until the
    commit, no row written (locking the member's row or study rows would write each tuple, and
    rows not yet created cannot be locked at all). SQLite needs nothing: every transaction takes
    the database's write lock at BEGIN (``school.db``).
    """
    if db.session.get_bind().dialect.name == "postgresql":
        key = cast(_LOCK_SPACE << 32 | member.id, BigInteger)
        db.session.execute(select(func.pg_advisory_xact_lock(key)))


# The high half of the advisory lock's key: heartbeats, not anything else locking by member id.
_LOCK_SPACE = 16_001


def _cap() -> timedelta:
    return timedelta(seconds=CAP)


def is_completed(member: User, lesson: Lesson) -> bool:
    """Whether the member has completed the lesson (study and completion both ask)."""
    return (
        db.session.scalar(
            select(LessonCompletion.id).where(
                LessonCompletion.user_id == member.id, LessonCompletion.lesson_id == lesson.id
            )
        )
        is not None
    )


def _apply(
    row: LessonStudy, view: View, beat: Beat, now: datetime, credited: int, overlap: int
) -> None:
    row.view = view.nonce
    row.view_opened_at = view.opened_at
    row.seq = beat.seq
    row.beat_at = now
    row.active_seconds += credited
    row.overlap_seconds += max(0, overlap)
    if beat.scroll is not None:
        row.scroll = beat.scroll


def _watch(row: LessonStudy, lesson: Lesson, beat: Beat, gap: float) -> bool:
    """Take the video's duration, time and watched ranges from the heartbeat; True when the
    ranges were refused (longer than the time that passed, or outside the video)."""
    if lesson.kind != "video":
        return bool(beat.ranges)
    # The file's own length when it states one, whatever the page reports. Otherwise the first
    # reported duration within bounds is kept, and no later one can shrink what the member owes.
    known = file_length(lesson)
    duration_ok = beat.duration is not None and MIN_DURATION <= beat.duration <= MAX_DURATION
    if known is not None:
        row.video_duration = known
    elif row.video_duration is None and duration_ok:
        row.video_duration = beat.duration
    duration = row.video_duration
    if beat.video_time is not None and duration is not None:
        row.video_time = min(beat.video_time, duration)
    if not beat.ranges:
        return False
    played = sum(end - start for start, end in beat.ranges)
    if (
        duration is None
        or played > gap + TOLERANCE
        or any(end > duration + TOLERANCE for _, end in beat.ranges)
    ):
        return True
    merged = merge([*row.watched, *beat.ranges])
    if len(merged) > MAX_STORED_RANGES:
        return True
    row.watched = [[min(a, duration), min(b, duration)] for a, b in merged]
    row.watched_seconds = sum(b - a for a, b in row.watched)
    return False
