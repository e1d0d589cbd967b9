"""Study patterns worth a word with the member (提示) on the staff's member list.

Read from what the lesson pages reported (``courses.activity``) next to the completions of the
year. They are hints for a friendly follow-up, never proof: a member may read two lessons side by
side on a large screen, read quickly, or study on a night shift. Three patterns:

- **parallel**: lessons whose page beat while another lesson's page held the member's time, for
  at least ``PARALLEL_SECONDS`` (two tabs earning together, see ``activity``);
- **at the minimum**: ``RUN`` or more lessons in a row, each marked studied with no more than its
  minimum (plus one heartbeat) of active time and right after the one before;
- **at night**: ``NIGHT_LESSONS`` or more lessons completed between 01:00 and 05:00 local time in
  one night.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, func, select

from school.clock import to_local, year_bounds
from school.courses.activity import CAP
from school.courses.models import Lesson, LessonCompletion, LessonStudy
from school.db import db

PARALLEL_SECONDS = 60
RUN = 5
# "Right after": the next lesson was completed within its minimum plus this much.
RUN_GAP = timedelta(minutes=3)
NIGHT = range(1, 5)  # local hours 01:00 to 04:59
NIGHT_LESSONS = 3


@dataclass(frozen=True)
class Hint:
    """One pattern seen in a member's study this year: a short label and what it means."""

    kind: str  # "parallel", "minimum", "night"
    label: str
    text: str


@dataclass(frozen=True)
class _Done:
    at: datetime
    active: int | None
    overlap: int
    minimum: int


def hints(member_ids: list[int], year: int) -> dict[int, list[Hint]]:
    """The hints for each of the members (one page of the member list) in a local year; members
    without any are left out. One statement however many members and lessons."""
    if not member_ids:
        return {}
    start, end = year_bounds(year)
    minimum = func.coalesce(Lesson.min_seconds, int(current_app.config["MIN_STUDY_SECONDS"]))
    study = and_(
        LessonStudy.user_id == LessonCompletion.user_id,
        LessonStudy.lesson_id == LessonCompletion.lesson_id,
    )
    rows = db.session.execute(
        select(
            LessonCompletion.user_id,
            LessonCompletion.completed_at,
            LessonStudy.active_seconds,
            LessonStudy.overlap_seconds,
            minimum,
        )
        .join(Lesson, Lesson.id == LessonCompletion.lesson_id)
        .outerjoin(LessonStudy, study)
        .where(
            LessonCompletion.user_id.in_(member_ids),
            LessonCompletion.completed_at >= start,
            LessonCompletion.completed_at < end,
        )
        .order_by(LessonCompletion.user_id, LessonCompletion.completed_at)
    )
    by_member: dict[int, list[_Done]] = {}
    for user_id, at, active, overlap, least in rows:
        by_member.setdefault(user_id, []).append(_Done(at, active, overlap or 0, least))
    every = {member: _hints(done) for member, done in by_member.items()}
    return {member: found for member, found in every.items() if found}


def _hints(done: list[_Done]) -> list[Hint]:
    found = []
    parallel = sum(1 for d in done if d.overlap >= PARALLEL_SECONDS)
    if parallel:
        found.append(
            Hint(
                "parallel",
                f"多页面同时学习 {parallel} 课",
                f"有 {parallel} 节课学习时，另一个课程页面也在计时（同时打开了多个课程页面）。",
            )
        )
    run = _longest_run_at_minimum(done)
    if run >= RUN:
        found.append(
            Hint(
                "minimum",
                f"连续 {run} 课刚满最短时间",
                f"曾连续 {run} 节课一满最短学习时间就标记学完，一课接一课。",
            )
        )
    nights: dict[object, int] = {}
    for d in done:
        local = to_local(d.at)
        if local.hour in NIGHT:
            nights[local.date()] = nights.get(local.date(), 0) + 1
    busiest = max(nights.items(), key=lambda item: item[1], default=None)
    if busiest and busiest[1] >= NIGHT_LESSONS:
        day, count = busiest
        found.append(
            Hint(
                "night",
                f"凌晨集中学完 {count} 课",
                f"{day.month} 月 {day.day} 日凌晨 1 点到 5 点之间学完了 {count} 节课。",
            )
        )
    return found


def _at_minimum(d: _Done) -> bool:
    return d.minimum > 0 and d.active is not None and d.active <= d.minimum + CAP


def _longest_run_at_minimum(done: list[_Done]) -> int:
    longest = run = 0
    previous: _Done | None = None
    for d in done:
        follows = previous is not None and d.at - previous.at <= (
            timedelta(seconds=d.minimum) + RUN_GAP
        )
        if _at_minimum(d):
            run = run + 1 if follows and previous is not None and _at_minimum(previous) else 1
            longest = max(longest, run)
        else:
            run = 0
        previous = d
    return longest
