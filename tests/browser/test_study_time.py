"""Credit for real study, on a phone-sized page in a real browser.

A lesson page in the background, or left alone, sends no heartbeat and earns nothing; in use, it
earns what the server counts and the "学完了" button counts down from the server's number. A video
skipped ahead earns no credit, and forcing the form is refused; watched through, it counts. A
lesson read half way on one phone opens half way on another, and a video watched for a few
seconds goes on from there.

The browser's timers run on Playwright's clock so a minute passes in an instant. The server
counts a heartbeat only MIN_GAP seconds after the previous one; instead of waiting that out, the
tests move the study rules' clock in this module's server (it runs in a thread of this process)
ahead by the gap, and only ahead, so every rule still sees time pass in order. The rules
themselves, with their refusals, are tested on explicit times in tests/courses/test_activity.py.
The demo school's lessons need no minimum in the browser tests (MIN_STUDY_SECONDS=0); the text
lesson here gets one in this module's own copy of the database.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select, update

from school.auth.models import User
from school.courses import activity
from school.courses.activity import CAP, MIN_GAP
from school.courses.models import Course, Lesson, LessonCompletion, LessonStudy
from tests.browser.support import (
    MEMBER,
    Server,
    check_fits_phone,
    in_database,
    log_in,
    phone,
    screenshot,
)

TEXT_LESSON = ("party-member-rights-duties", "eight-duties")
VIDEO_LESSON = ("honour-and-shame", "video-bottom-line")
LONG_LESSON = ("party-member-rights-duties", "duties-away-from-home")
MINIMUM = 30
# Another demo member (README), for the video resumed: the first member completes that lesson.
FLOATING = ("liudong", MEMBER[1])

# The page's visibility as the test says: a phone cannot put a headless page in the background.
VISIBILITY = """
Object.defineProperty(Document.prototype, "visibilityState", {
  configurable: true, get: function () { return window.__hidden ? "hidden" : "visible"; }
});
Object.defineProperty(Document.prototype, "hidden", {
  configurable: true, get: function () { return !!window.__hidden; }
});
"""


def _lesson_id(connection, course: str, lesson: str) -> int:
    return connection.scalar(
        select(Lesson.id).join(Course).where(Course.slug == course, Lesson.slug == lesson)
    )


def _set_minimum(server: Server, seconds: int) -> None:
    def run(connection):
        lesson_id = _lesson_id(connection, *TEXT_LESSON)
        connection.execute(update(Lesson).where(Lesson.id == lesson_id).values(min_seconds=seconds))

    in_database(server, run)


def _study(server: Server, course_lesson: tuple[str, str]):
    """(active seconds, completed) of the demo member on the lesson, as the server has them."""

    def run(connection):
        lesson_id = _lesson_id(connection, *course_lesson)
        member = connection.scalar(select(User.id).where(User.username == MEMBER[0]))
        active = connection.scalar(
            select(LessonStudy.active_seconds).where(
                LessonStudy.lesson_id == lesson_id, LessonStudy.user_id == member
            )
        )
        done = connection.scalar(
            select(LessonCompletion.id).where(
                LessonCompletion.lesson_id == lesson_id, LessonCompletion.user_id == member
            )
        )
        return active, done is not None

    return in_database(server, run)


def _set_hidden(page: Page, hidden: bool) -> None:
    page.evaluate(
        "hidden => { window.__hidden = hidden;"
        " document.dispatchEvent(new Event('visibilitychange')); }",
        hidden,
    )


class StudyClock:
    """The study rules' clock in this module's server: real time plus the gaps skipped so far."""

    def __init__(self, real) -> None:
        self._real = real
        self._skipped = timedelta(0)

    def __call__(self) -> datetime:
        return self._real() + self._skipped

    def skip_gap(self) -> None:
        """As if the member had used the page for the gap a heartbeat needs to count."""
        self._skipped += timedelta(seconds=MIN_GAP + 1)


@pytest.fixture(scope="module")
def clock(server: Server) -> Iterator[StudyClock]:
    """The study rules (school.courses.activity) read this clock; the rest keeps real time."""
    study_clock = StudyClock(activity.utcnow)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(activity, "utcnow", study_clock)
        yield study_clock


def _force_the_form(page: Page) -> None:
    """Submit "学完了" although the page keeps the button disabled, as a forged client would,
    and wait for the page the server answers with (a busy machine may take seconds)."""
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.evaluate("document.getElementById('complete-form').submit()")


def _is_heartbeat(response) -> bool:
    return response.url.endswith("/study") and response.request.method == "POST"


def _play_to_the_end(page: Page, video, start: str, clock: StudyClock) -> dict:
    """Play the (muted) video from ``start`` (a JavaScript expression) to its end, touch the page
    once the server's gap has passed, and return the next heartbeat's answer."""
    video.evaluate(
        f"v => {{ v.muted = true; v.currentTime = {start};"
        " return new Promise(r => { v.onended = r; v.play(); }); }"
    )
    clock.skip_gap()
    page.touchscreen.tap(195, 200)
    with page.expect_response(_is_heartbeat) as answer:
        page.clock.run_for(16_000)
    return answer.value.json()


def test_a_hidden_or_idle_page_earns_no_time(
    page: Page, server: Server, clock: StudyClock, backend: str
) -> None:
    _set_minimum(server, MINIMUM)
    with server.log_on_failure():
        log_in(page, server)
        page.add_init_script(VISIBILITY)
        page.clock.install()
        heartbeats = []
        page.on("request", lambda r: heartbeats.append(r) if r.url.endswith("/study") else None)
        page.goto(f"/courses/{TEXT_LESSON[0]}/{TEXT_LESSON[1]}")
        button = page.locator("#complete-button")
        expect(button).to_be_disabled()
        expect(button).to_contain_text(f"（{MINIMUM} 秒）")
        expect(page.locator("#study-status")).to_contain_text(
            "页面在后台、锁屏或长时间没有操作时不计时"
        )
        check_fits_phone(page, "a lesson with its countdown")
        screenshot(page, f"study-time-{backend}-countdown")

        # In the background (another app or tab in front) for a minute: the member touches the
        # page, but nothing is sent, nothing counted and the countdown stands still.
        _set_hidden(page, True)
        page.touchscreen.tap(195, 300)
        page.clock.run_for(60_000)
        assert heartbeats == []
        expect(button).to_contain_text(f"（{MINIMUM} 秒）")

        # In front but left alone for two minutes: still nothing.
        _set_hidden(page, False)
        page.clock.run_for(120_000)
        assert heartbeats == []
        assert _study(server, TEXT_LESSON) == (None, False)

        # In use: after INTERVAL seconds of use one heartbeat counts, at most CAP seconds, and
        # the countdown follows the server's count.
        clock.skip_gap()
        page.touchscreen.tap(195, 300)
        with page.expect_response(_is_heartbeat) as answer:
            page.clock.run_for(16_000)
        data = answer.value.json()
        assert data["accepted"], data
        assert 0 < data["active"] <= CAP and data["remaining"] == MINIMUM - data["active"]
        label = button.inner_text()
        shown = int(re.search(r"（(\d+) 秒）", label).group(1))
        assert shown <= data["remaining"], label
        assert _study(server, TEXT_LESSON) == (data["active"], False)

        # Forcing the form before the minimum is refused with the reason, and nothing recorded.
        _force_the_form(page)
        expect(page.locator("p.flash[role=status]")).to_contain_text("还没有记录到足够的学习时间")
        assert _study(server, TEXT_LESSON)[1] is False


def test_a_video_skipped_ahead_earns_no_credit(
    page: Page, server: Server, clock: StudyClock, backend: str
) -> None:
    with server.log_on_failure():
        log_in(page, server)
        page.clock.install()
        page.goto(f"/courses/{VIDEO_LESSON[0]}/{VIDEO_LESSON[1]}")
        video = page.locator("#lesson-video")
        video.evaluate("v => v.readyState >= 1 || new Promise(r => v.onloadedmetadata = r)")
        button = page.locator("#complete-button")
        status = page.locator("#study-status")
        expect(button).to_be_disabled()
        expect(status).to_contain_text("已观看 0%")
        check_fits_phone(page, "a video lesson")
        screenshot(page, f"study-time-{backend}-video")

        # Skip to the last second and play only that.
        data = _play_to_the_end(page, video, "v.duration - 1", clock)
        assert data["accepted"] and data["watched"] < 90, data
        expect(status).to_contain_text(f"已观看 {data['watched']}%")
        expect(button).to_be_disabled()

        # Forcing the form anyway is refused with the reason; nothing is recorded.
        _force_the_form(page)
        expect(page.locator("p.flash[role=status]")).to_contain_text("请先看完本课视频再标记为已学")
        assert _study(server, VIDEO_LESSON)[1] is False

        # Watched through from the start, it counts.
        video.evaluate("v => v.readyState >= 1 || new Promise(r => v.onloadedmetadata = r)")
        data = _play_to_the_end(page, video, "0", clock)
        assert data["accepted"] and data["watched"] >= 90, data
        expect(button).to_be_enabled()
        button.click()
        flash = page.locator("p.flash[role=status]")
        expect(flash).to_have_text("已记录：《视频：守住底线》，0.5 学时。")
        assert _study(server, VIDEO_LESSON)[1] is True


def test_a_lesson_opens_where_the_member_stopped_on_another_phone(
    browser: Browser, page: Page, server: Server, clock: StudyClock
) -> None:
    url = f"/courses/{LONG_LESSON[0]}/{LONG_LESSON[1]}"
    fraction = "scrollY / (document.documentElement.scrollHeight - innerHeight)"
    with server.log_on_failure():
        log_in(page, server)
        page.clock.install()
        page.goto(url)
        # Read half of the lesson; the next heartbeat takes the position to the server.
        page.evaluate("scrollTo(0, (document.documentElement.scrollHeight - innerHeight) / 2)")
        left_at = page.evaluate(fraction)
        assert 0.4 < left_at < 0.6
        clock.skip_gap()
        page.keyboard.press("Shift")
        with page.expect_response(_is_heartbeat) as answer:
            page.clock.run_for(16_000)
        assert answer.value.json()["accepted"]

        with phone(browser, server) as other:
            log_in(other, server)
            other.goto(url)
            other.wait_for_function("scrollY > 0")
            assert abs(other.evaluate(fraction) - left_at) < 0.01


def test_a_video_goes_on_where_the_member_stopped_on_another_phone(
    browser: Browser, page: Page, server: Server, clock: StudyClock
) -> None:
    url = f"/courses/{VIDEO_LESSON[0]}/{VIDEO_LESSON[1]}"
    with server.log_on_failure():
        log_in(page, server, FLOATING[0])
        page.clock.install()
        page.goto(url)
        video = page.locator("#lesson-video")
        video.evaluate("v => v.readyState >= 1 || new Promise(r => v.onloadedmetadata = r)")
        # Watch three seconds, then pause; the next heartbeat takes the position along.
        video.evaluate(
            "v => { v.muted = true; v.play();"
            " return new Promise(r => { v.ontimeupdate = () => {"
            " if (v.currentTime >= 3) { v.pause(); r(); } }; }); }"
        )
        stopped_at = video.evaluate("v => v.currentTime")
        clock.skip_gap()
        page.keyboard.press("Shift")
        with page.expect_response(_is_heartbeat) as answer:
            page.clock.run_for(16_000)
        assert answer.value.json()["accepted"]

        with phone(browser, server) as other:
            log_in(other, server, FLOATING[0])
            other.goto(url)
            other.wait_for_function("document.getElementById('lesson-video').currentTime > 0")
            at = other.locator("#lesson-video").evaluate("v => v.currentTime")
            assert abs(at - stopped_at) < 0.2, (at, stopped_at)
