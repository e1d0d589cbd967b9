"""Study hints (提示) for staff on the member list: parallel tabs, lesson after lesson at just the
minimum, bulk study at night. Hints, not accusations: the page says so."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from school.auth.models import User
from school.clock import current_year, local_zone
from school.courses import services as courses
from school.courses.models import Lesson, LessonStudy
from school.db import db
from school.orgs.models import Organisation
from school.reports import anomalies
from tests.conftest import login
from tests.factories import make_course


def _member(username: str = "member") -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _studied(member: User, lesson: Lesson, at: datetime, active: int, overlap: int = 0) -> None:
    """What the lesson page reported, then the completion at ``at``."""
    db.session.add(
        LessonStudy(
            user_id=member.id,
            lesson_id=lesson.id,
            active_seconds=active,
            overlap_seconds=overlap,
            view="test",
            view_opened_at=at - timedelta(seconds=active),
            seq=1,
            started_at=at - timedelta(seconds=active),
            beat_at=at,
            watched=[],
            watched_seconds=0.0,
        )
    )
    db.session.flush()
    courses.complete_lesson(member, lesson, now=at)


def _lessons(count: int = 6) -> list[Lesson]:
    course = make_course("many", lessons=[(f"l{n}", 1, True) for n in range(count)], min_seconds=60)
    return list(course.lessons)


def _at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(current_year(), month, day, hour, minute, tzinfo=local_zone())


def _kinds(member: User) -> list[str]:
    return [h.kind for h in anomalies.hints([member.id], current_year()).get(member.id, [])]


def test_ordinary_study_gives_no_hint(app, world):
    with app.app_context():
        member = _member()
        for n, lesson in enumerate(_lessons()):
            # One lesson an evening, each well past its minimum.
            _studied(member, lesson, _at(3, 1 + n, 20), active=400)
        assert anomalies.hints([member.id], current_year()) == {}


def test_lessons_in_parallel_tabs_are_hinted(app, world):
    with app.app_context():
        member = _member()
        first, second, *_ = _lessons()
        _studied(member, first, _at(3, 1, 20), active=200, overlap=150)
        _studied(member, second, _at(3, 1, 20, 1), active=200, overlap=30)  # a moment only
        [hint] = anomalies.hints([member.id], current_year())[member.id]
        assert (hint.kind, hint.label) == ("parallel", "多页面同时学习 1 课")


def test_lesson_after_lesson_at_just_the_minimum_is_hinted(app, world):
    with app.app_context():
        member = _member()
        lessons = _lessons()
        start = _at(3, 1, 20)
        for n, lesson in enumerate(lessons[: anomalies.RUN]):
            _studied(member, lesson, start + timedelta(seconds=70 * n), active=61)
        [hint] = anomalies.hints([member.id], current_year())[member.id]
        assert (hint.kind, hint.label) == ("minimum", f"连续 {anomalies.RUN} 课刚满最短时间")
        # One run shorter, or with a break between lessons, is ordinary.
        other = _member("other")
        for n, lesson in enumerate(lessons[: anomalies.RUN]):
            pause = timedelta(hours=1) if n == 2 else timedelta(0)
            _studied(other, lesson, start + timedelta(seconds=70 * n) + pause, active=61)
        assert _kinds(other) == []


def test_several_lessons_between_one_and_five_at_night_are_hinted(app, world):
    with app.app_context():
        member = _member()
        lessons = _lessons()
        for n, lesson in enumerate(lessons[: anomalies.NIGHT_LESSONS]):
            _studied(member, lesson, _at(4, 2, 2, 20 * n), active=600)
        [hint] = anomalies.hints([member.id], current_year())[member.id]
        assert hint.kind == "night" and hint.text.startswith("4 月 2 日凌晨")
        # Two at night and one at 05:30 are not a hint.
        other = _member("other")
        for n, lesson in enumerate(lessons[: anomalies.NIGHT_LESSONS]):
            _studied(other, lesson, _at(4, 2, 3 if n < 2 else 5, 30), active=600)
        assert _kinds(other) == []


def test_the_member_list_shows_hints_as_hints(app, world, client):
    with app.app_context():
        member = _member()
        for n, lesson in enumerate(_lessons()[: anomalies.NIGHT_LESSONS]):
            _studied(member, lesson, _at(4, 2, 2, 20 * n), active=600)
        db.session.commit()
        branch = db.session.scalar(select(Organisation).where(Organisation.name == "一支部"))
        url = f"/reports/{branch.id}/members?year={current_year()}"
    login(client, "secretary")
    page = client.get(url).get_data(as_text=True)
    assert "提示：凌晨集中学完 3 课" in page
    assert "不是违规认定" in page
