"""Catalogue, progress and lesson completion."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from flask import current_app
from sqlalchemy import (
    CompoundSelect,
    Select,
    and_,
    bindparam,
    case,
    func,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, defer, joinedload, selectinload

from school import events
from school.archive import services as archive
from school.auth.models import User
from school.courses import activity, requirements
from school.courses.models import Course, CourseCompletion, Lesson, LessonCompletion, Theme
from school.db import db, utcnow


class StudyTimeTooShort(Exception):
    """The member asked to mark a lesson studied before its minimum study time."""

    def __init__(self, remaining_seconds: int) -> None:
        super().__init__(remaining_seconds)
        self.remaining_seconds = remaining_seconds


class VideoNotWatched(Exception):
    """The member asked to mark a video lesson studied before watching enough of the video."""

    def __init__(self, percent: int) -> None:
        super().__init__(percent)
        self.percent = percent


class NotStudiable(Exception):
    """The lesson cannot be completed (draft course or retired lesson)."""


@dataclass(frozen=True)
class Progress:
    """Required items (lessons and what features add, such as exams) done and in total, the
    course's active lessons (required or not) and when the member last studied one of them."""

    done: int
    total: int
    lessons: int = 0
    last_studied: datetime | None = None

    @property
    def percent(self) -> int:
        return 100 if self.total == 0 else self.done * 100 // self.total

    @property
    def complete(self) -> bool:
        return self.done >= self.total


@dataclass(frozen=True)
class CompletionResult:
    newly_done: bool
    course_completed: bool


def catalogue(user: User) -> list[tuple[Theme, list[Course]]]:
    """Themes in order with the courses the user may see, empty themes left out."""
    # Each course's theme comes with it from the join; course bodies are for the course page.
    query = (
        select(Course)
        .join(Course.theme)
        .options(contains_eager(Course.theme), defer(Course.body_md))
        .order_by(Theme.position, Course.position, Course.id)
    )
    if not user.is_instructor:
        query = query.where(Course.status == "published")
    grouped: dict[int, tuple[Theme, list[Course]]] = {}
    for course in db.session.scalars(query):
        grouped.setdefault(course.theme_id, (course.theme, []))[1].append(course)
    return list(grouped.values())


def get_course(slug: str) -> Course | None:
    """A course by slug, whatever its state (callers check permissions)."""
    return db.session.scalar(select(Course).where(Course.slug == slug))


def get_course_page(slug: str) -> Course | None:
    """A course by slug with what its page shows besides the lessons: its theme (same statement)
    and its modules (one more)."""
    return db.session.scalar(
        select(Course)
        .where(Course.slug == slug)
        .options(joinedload(Course.theme), selectinload(Course.modules))
    )


def get_lesson(course: Course, slug: str) -> Lesson | None:
    """An active lesson of the course by slug."""
    return next((les for les in course.active_lessons if les.slug == slug), None)


def find_lesson(course_slug: str, slug: str) -> Lesson | None:
    """An active lesson by its course's slug and its own, with its course and module loaded in
    the same statement (the lesson page shows all three; callers check permissions)."""
    return db.session.scalar(
        select(Lesson)
        .join(Lesson.course)
        .join(Lesson.module)
        .where(Course.slug == course_slug, Lesson.slug == slug, Lesson.retired.is_(False))
        .options(contains_eager(Lesson.course), contains_eager(Lesson.module))
    )


def outline(user: User, course: Course, *, retired: bool = False) -> list[tuple[Lesson, bool]]:
    """The course's active lessons (and retired ones if asked) in order, each with whether the
    user studied it, in one statement. Bodies are not loaded: outlines show titles, and a lesson
    already loaded in full (the one on the lesson page) keeps its body."""
    studied = and_(LessonCompletion.lesson_id == Lesson.id, LessonCompletion.user_id == user.id)
    query = (
        select(Lesson, LessonCompletion.id.is_not(None))
        .outerjoin(LessonCompletion, studied)
        .where(Lesson.course_id == course.id)
        .order_by(Lesson.position, Lesson.id)
        .options(defer(Lesson.body_md))
    )
    if not retired:
        query = query.where(Lesson.retired.is_(False))
    return [(lesson, bool(done)) for lesson, done in db.session.execute(query)]


def _as_counts(query: Select, *, done: bool) -> Select:
    """A requirement's (course_id, count) rows as (course_id, total, done, lessons, last)."""
    course_id, count = list(query.subquery().c)
    total, finished = (literal_column("0"), count) if done else (count, literal_column("0"))
    return select(course_id, total, finished, literal_column("0"), null())


def progress(user: User, courses: list[Course]) -> dict[int, Progress]:
    """Required lessons (and what features add, such as exams) done and in total per course,
    with each course's number of lessons and the member's latest study in it.

    One statement however many courses and requirements: the grouped counts are put together
    with UNION ALL as (course_id, total, done, lessons, last) rows and added up here.
    """
    ids = [c.id for c in courses]
    if not ids:
        return {}
    statement = _progress_statement(tuple(requirements.registered()))
    totals: Counter[int] = Counter()
    done: Counter[int] = Counter()
    lessons: Counter[int] = Counter()
    last: dict[int, datetime] = {}
    rows = db.session.execute(statement, {"user": user.id, "ids": ids})
    for course_id, total, finished, count, studied in rows:
        totals[course_id] += total
        done[course_id] += finished
        lessons[course_id] += count
        if studied is not None:
            last[course_id] = studied
    return {
        cid: Progress(
            done=done[cid], total=totals[cid], lessons=lessons[cid], last_studied=last.get(cid)
        )
        for cid in ids
    }


@cache
def _progress_statement(registered: tuple[requirements.Requirement, ...]) -> CompoundSelect:
    # Built once per worker (and set of requirements) with bound parameters: putting the union
    # together costs several times what running it does on the catalogue.
    user_id = bindparam("user")
    ids = bindparam("ids", expanding=True)
    studied = and_(LessonCompletion.lesson_id == Lesson.id, LessonCompletion.user_id == user_id)
    # A member studies a lesson at most once (a unique constraint), so counting completions
    # over the outer join counts lessons done. Optional lessons count among the course's
    # lessons ("4 课时") and its latest study, not towards completion.
    required = Lesson.required.is_(True)
    lessons = (
        select(
            Lesson.course_id,
            func.count(case((required, Lesson.id))),
            func.count(case((required, LessonCompletion.id))),
            func.count(Lesson.id),
            func.max(LessonCompletion.completed_at),
        )
        .outerjoin(LessonCompletion, studied)
        .where(Lesson.course_id.in_(ids), Lesson.retired.is_(False))
        .group_by(Lesson.course_id)
    )
    parts = [lessons]
    for requirement in registered:
        parts.append(_as_counts(requirement.totals(ids), done=False))
        parts.append(_as_counts(requirement.done(user_id, ids), done=True))
    return union_all(*parts)


def course_completion(user: User, course: Course) -> CourseCompletion | None:
    """The user's completion of the course, if any."""
    return db.session.scalar(
        select(CourseCompletion).where(
            CourseCompletion.user_id == user.id, CourseCompletion.course_id == course.id
        )
    )


def min_seconds(lesson: Lesson) -> int:
    """How many seconds of active study the lesson needs before it can be marked studied."""
    if lesson.min_seconds is not None:
        return lesson.min_seconds
    return int(current_app.config["MIN_STUDY_SECONDS"])


def complete_lesson(member: User, lesson: Lesson, now: datetime | None = None) -> CompletionResult:
    """Record that the member studied the lesson, once, and complete the course when it is due.

    The lesson counts once the server has credited its minimum of active time and, for a video
    lesson, watched ranges covering ``activity.VIDEO_SHARE`` of the video. Double
    clicks, two tabs and replays give one completion and one archive entry.
    """
    now = now or utcnow()
    course = lesson.course
    if not course.is_published or lesson.retired:
        raise NotStudiable()
    # Serialise one member's completions: two tabs finishing the last two lessons at the same
    # moment must still see each other's work and complete the course exactly once.
    db.session.execute(select(User.id).where(User.id == member.id).with_for_update())

    if activity.is_completed(member, lesson):
        return CompletionResult(newly_done=False, course_completed=False)
    _check_study(member, lesson)

    try:
        with db.session.begin_nested():
            db.session.add(
                LessonCompletion(user_id=member.id, lesson_id=lesson.id, completed_at=now)
            )
    except IntegrityError:  # a concurrent request got there first
        return CompletionResult(newly_done=False, course_completed=False)
    archive.append_online(
        member,
        kind="lesson",
        title=lesson.title,
        course_title=course.title,
        hours=lesson.hours,
        completed_at=now,
        dedupe_key=f"lesson:{lesson.id}",
        course_id=course.id,
        lesson_id=lesson.id,
    )
    events.lesson_completed.send(member, lesson=lesson, at=now)
    return CompletionResult(
        newly_done=True, course_completed=complete_course_if_due(member, course, now)
    )


def _check_study(member: User, lesson: Lesson) -> None:
    """Raise unless the heartbeats earned the lesson's minimum time (and its video watched)."""
    study = activity.study_of(member, lesson)
    active = study.active_seconds if study is not None else 0
    if active < min_seconds(lesson):
        raise StudyTimeTooShort(min_seconds(lesson) - active)
    if activity.needs_video(lesson):
        share = activity.watched_share(study, lesson)
        if share < activity.VIDEO_SHARE:
            raise VideoNotWatched(int(share * 100))


def complete_course_if_due(member: User, course: Course, now: datetime) -> bool:
    """Record the course as completed when every required lesson and exam is done (once)."""
    if not progress(member, [course])[course.id].complete:
        return False
    if course_completion(member, course) is not None:
        return False
    db.session.add(CourseCompletion(user_id=member.id, course_id=course.id, completed_at=now))
    db.session.flush()
    # Lesson entries already credit the 学时; the course entry marks the milestone (0 学时) so
    # the year total counts every hour exactly once.
    archive.append_online(
        member,
        kind="course",
        title=course.title,
        course_title=course.title,
        hours=0,
        completed_at=now,
        dedupe_key=f"course:{course.id}",
        course_id=course.id,
    )
    events.course_completed.send(member, course=course, at=now)
    return True
