"""The lesson page and its heartbeats through the web: the countdown follows the server's count,
completion is refused with a clear message until the time (and the video) is there, and the
position is restored on any device."""

import re
from datetime import timedelta

from sqlalchemy import func, select

from school.archive.models import ArchiveEntry
from school.auth.models import User
from school.courses import activity
from school.courses import services as courses
from school.courses.models import Lesson, LessonCompletion, LessonStudy
from school.db import db, utcnow
from tests.conftest import login, post

_VIEW = re.compile(r'data-view="([^"]+)"')


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(model.id)))


def _view_opened(app, world, seconds_ago: int, slug: str = "one") -> str:
    """A view token as the lesson page would have issued it ``seconds_ago``."""
    with app.app_context():
        member = db.session.get(User, world.member)
        lesson = courses.get_lesson(courses.get_course("rules"), slug)
        return activity.issue_view(member, lesson, utcnow() - timedelta(seconds=seconds_ago))


def test_the_countdown_and_the_refusal_follow_the_servers_count(app, client, world):
    app.config["MIN_STUDY_SECONDS"] = 600
    login(client, "member")
    page = client.get("/courses/rules/one").get_data(as_text=True)
    assert 'data-wait="600"' in page and _VIEW.search(page)
    # The page's own token, at once: too soon to count.
    view = _VIEW.search(page).group(1)
    answer = post(client, "/courses/rules/one/study", {"view": view, "seq": "1"}).get_json()
    assert answer == {
        "accepted": False,
        "reason": "too_soon",
        "active": 0,
        "remaining": 600,
        "watched": 0,
        "ranges_refused": False,
    }
    # A page opened 15 seconds ago earns 15 seconds; the next page view counts down from there.
    view = _view_opened(app, world, 15)
    answer = post(client, "/courses/rules/one/study", {"view": view, "seq": "1"}).get_json()
    assert (answer["accepted"], answer["active"], answer["remaining"]) == (True, 15, 585)
    assert 'data-wait="585"' in client.get("/courses/rules/one").get_data(as_text=True)
    response = post(client, "/courses/rules/one/complete")
    assert response.headers["Location"] == "/courses/rules/one"
    page = client.get("/courses/rules/one").get_data(as_text=True)
    assert "还没有记录到足够的学习时间：请再认真学习 585 秒后再标记为已学" in page
    assert _count(app, LessonCompletion) == 0 and _count(app, ArchiveEntry) == 0


def test_bad_heartbeats_are_refused_in_chinese_and_change_nothing(app, client, world):
    login(client, "member")
    client.get("/courses/rules/one")
    view = _view_opened(app, world, 15)
    for fields in ({}, {"view": view}, {"view": view, "seq": "1", "scroll": "2"}):
        response = post(client, "/courses/rules/one/study", fields)
        assert response.status_code == 400
        assert response.get_json()["message"] == "学习记录的格式不对，本次不计时。"
    # Another lesson's token on this lesson: ignored.
    other = _view_opened(app, world, 15, slug="two")
    answer = post(client, "/courses/rules/one/study", {"view": other, "seq": "1"}).get_json()
    assert (answer["accepted"], answer["reason"]) == (False, "view")
    assert _count(app, LessonStudy) == 0


def test_the_position_is_restored_on_another_device(app, client, world):
    login(client, "member")
    client.get("/courses/rules/one")
    view = _view_opened(app, world, 15)
    post(client, "/courses/rules/one/study", {"view": view, "seq": "1", "scroll": "0.42"})
    other_phone = app.test_client()
    login(other_phone, "member")
    page = other_phone.get("/courses/rules/one").get_data(as_text=True)
    assert 'data-scroll="0.4200"' in page


def test_a_video_lesson_is_refused_until_the_video_was_watched(app, client, world, tmp_path):
    with app.app_context():
        lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "two"))
        lesson.kind, lesson.media_name, lesson.media_type = "video", "clip.webm", "video/webm"
        db.session.commit()
    login(client, "member")
    page = client.get("/courses/rules/two").get_data(as_text=True)
    assert 'data-video-needed="90"' in page and "已观看 0%" in page
    view = _view_opened(app, world, 15, slug="two")
    fields = {"view": view, "seq": "1", "duration": "20", "video_time": "15", "ranges": "0-15"}
    answer = post(client, "/courses/rules/two/study", fields).get_json()
    assert (answer["accepted"], answer["watched"]) == (True, 75)
    post(client, "/courses/rules/two/complete")
    page = client.get("/courses/rules/two").get_data(as_text=True)
    assert "请先看完本课视频再标记为已学：已观看 75%，需要至少 90%" in page
    assert 'data-video-time="15.0"' in page
    assert _count(app, LessonCompletion) == 0


def test_heartbeats_for_a_lesson_the_member_may_not_study_are_not_found(app, client, world):
    with app.app_context():
        member = db.session.get(User, world.member)
        draft = courses.get_lesson(courses.get_course("draft-course"), "one")
        view = activity.issue_view(member, draft, utcnow() - timedelta(seconds=15))
    login(client, "member")
    fields = {"view": view, "seq": "1", "scroll": "0.5"}
    assert post(client, "/courses/draft-course/one/study", fields).status_code == 404
    # An instructor may read the draft but nothing is recorded for anyone.
    instructor = app.test_client()
    login(instructor, "instructor")
    assert post(instructor, "/courses/draft-course/one/study", fields).status_code == 404
    assert _count(app, LessonStudy) == 0
