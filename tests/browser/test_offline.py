"""Offline and installable, on a phone-sized page in a real browser.

A member opens a lesson online; without a connection the same lesson still opens, with a banner
saying the study record is synchronised later, and a lesson never opened shows the offline page,
which lists the lessons kept on the phone. "学完了" pressed offline is sent when the connection
returns and the server decides: here it refuses (too little time credited) and says so, then, the
time being there, counts it. Logging out leaves nothing kept for the next person who logs in on
the same phone. The manifest
that makes the site installable is served and names its icons.

The service worker needs a secure origin: the test server's http://127.0.0.1 is one.
"""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select, update

from school.auth.models import User
from school.courses.models import Course, Lesson, LessonCompletion
from tests.browser.support import (
    MEMBER,
    Server,
    check_fits_phone,
    in_database,
    log_in,
    phone,
    screenshot,
)

OPENED = ("love-country-hometown", "home-and-country")
# Another demo member (README), who borrows the phone after the first logs out.
NEXT_PERSON = ("liudong", MEMBER[1])
VIDEO_LESSON = ("honour-and-shame", "video-bottom-line")  # its video is 60 kB
PDF_LESSON = ("honour-and-shame", "pdf-study-outline")  # its PDF is 65 kB
NEVER_OPENED = ("love-country-hometown", "giving-back")
MINIMUM = 60  # seconds of study the lesson asks for, in this module's copy of the database
BANNER = "离线阅读：网络恢复后会自动同步学习记录"

KEPT_LESSONS = """async () => {
  if (!(await caches.has("lessons"))) return [];
  const keys = await (await caches.open("lessons")).keys();
  return keys.map(key => new URL(key.url).pathname);
}"""


def _url(lesson: tuple[str, str]) -> str:
    return f"/courses/{lesson[0]}/{lesson[1]}"


def _lesson_id(connection, lesson: tuple[str, str]) -> int:
    return connection.scalar(
        select(Lesson.id).join(Course).where(Course.slug == lesson[0], Lesson.slug == lesson[1])
    )


def _set_minimum(server: Server, seconds: int) -> None:
    in_database(
        server,
        lambda c: c.execute(
            update(Lesson).where(Lesson.id == _lesson_id(c, OPENED)).values(min_seconds=seconds)
        ),
    )


def _completed(server: Server) -> bool:
    def run(connection):
        member = connection.scalar(select(User.id).where(User.username == MEMBER[0]))
        return connection.scalar(
            select(LessonCompletion.id).where(
                LessonCompletion.lesson_id == _lesson_id(connection, OPENED),
                LessonCompletion.user_id == member,
            )
        )

    return in_database(server, run) is not None


def _controlled(page: Page) -> None:
    """Wait until the service worker, registered by the page, controls it."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    if not page.evaluate("navigator.serviceWorker.controller !== null"):
        # The worker's clients.claim() can miss a page whose load was under way as it
        # activated; such a page stays uncontrolled, and the next load of it is controlled.
        page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")


def test_a_lesson_opened_online_reads_offline_and_logout_forgets_it(
    browser: Browser, server: Server, backend: str
) -> None:
    _set_minimum(server, MINIMUM)
    with server.log_on_failure(), phone(browser, server) as page:
        context = page.context
        log_in(page, server)
        page.clock.install()
        _controlled(page)
        page.goto(_url(OPENED))
        title = page.locator("#lesson h1").inner_text()
        page.wait_for_function(f"() => ({KEPT_LESSONS})().then(k => k.length === 1)")
        assert page.evaluate(KEPT_LESSONS) == [_url(OPENED)]
        # What is kept holds no CSRF token and not the member's name.
        kept = page.evaluate(
            "async u => (await (await caches.open('lessons')).match(u)).text()", _url(OPENED)
        )
        assert 'name="csrf_token" value=""' in kept and "site-footer" not in kept

        context.set_offline(True)
        page.goto(_url(OPENED))
        expect(page.locator("#offline-banner")).to_have_text(BANNER)
        expect(page.locator("#lesson h1")).to_have_text(title)
        check_fits_phone(page, "a lesson read offline")
        screenshot(page, f"offline-{backend}-lesson")

        # Read offline until the page's own countdown ends: "学完了" may be pressed; it is kept
        # on the phone and, back online, sent; the server credited nothing offline and refuses.
        expect(page.locator("#complete-button")).to_be_disabled()
        for _ in range(MINIMUM // 20 + 1):
            page.evaluate("window.dispatchEvent(new Event('pointerdown'))")
            page.clock.run_for(20_000)
        page.locator("#complete-button").click()
        expect(page.locator("#study-status")).to_contain_text("网络恢复后自动提交")
        with page.expect_navigation():
            context.set_offline(False)
        expect(page.locator(".flash-warning")).to_contain_text("还没有记录到足够的学习时间")
        assert not _completed(server)
        # Nothing lost: the lesson is open again, online, with the member's countdown.
        expect(page.locator("#offline-banner")).to_have_count(0)
        expect(page.locator("#complete-button")).to_be_disabled()

        # The time is there now (here: no minimum); pressed offline again, it counts.
        _set_minimum(server, 0)
        page.reload()
        # The service worker keeps the reloaded copy after the page has come: wait for it.
        page.wait_for_function(
            "async u => (await (await (await caches.open('lessons')).match(u)).text())"
            ".includes('data-wait=\"0\"')",
            arg=_url(OPENED),
        )
        context.set_offline(True)
        page.goto(_url(OPENED))
        expect(page.locator("#offline-banner")).to_be_visible()
        page.locator("#complete-button").click()
        with page.expect_navigation():
            context.set_offline(False)
        expect(page.locator(".flash-success")).to_contain_text(f"已记录：《{title}》")
        assert _completed(server)
        # The next lesson, where the completion led, is kept too.
        following = page.locator("#lesson h1").inner_text()

        # A lesson never opened: the offline page, listing what can be read, newest first.
        context.set_offline(True)
        page.goto(_url(NEVER_OPENED))
        expect(page.get_by_role("heading", name="当前没有网络连接")).to_be_visible()
        expect(page.locator("#offline-lessons a")).to_have_text([following, title])
        check_fits_phone(page, "the offline page")
        screenshot(page, f"offline-{backend}-page")
        page.locator("#offline-lessons a").last.click()
        expect(page.locator("#offline-banner")).to_be_visible()

        # Logging out forgets every kept lesson: the next person sees none of them.
        context.set_offline(False)
        page.goto("/")
        page.get_by_role("button", name="退出登录").click()
        expect(page).to_have_url(f"{server.url}/login")
        assert page.evaluate(KEPT_LESSONS) == []
        context.set_offline(True)
        page.goto(_url(OPENED))
        expect(page.get_by_role("heading", name="当前没有网络连接")).to_be_visible()
        expect(page.locator("#offline-empty")).to_be_visible()
        expect(page.locator("#offline-lessons a")).to_have_count(0)

        # The next person logs in on the same phone: nothing of the first member is shown.
        context.set_offline(False)
        log_in(page, server, NEXT_PERSON[0])
        context.set_offline(True)
        page.goto(_url(OPENED))
        expect(page.get_by_role("heading", name="当前没有网络连接")).to_be_visible()
        expect(page.locator("#offline-lessons a")).to_have_count(0)
        assert page.evaluate("Object.keys(localStorage)") == []


def test_the_manifest_is_linked_and_names_its_icons(page: Page, server: Server) -> None:
    with server.log_on_failure():
        page.goto("/login")
        href = page.locator("link[rel=manifest]").get_attribute("href")
        manifest = page.request.get(href)
        assert manifest.headers["content-type"].startswith("application/manifest+json")
        body = manifest.json()
        assert body["name"] == "网上党校" and body["display"] == "standalone"
        for icon in body["icons"]:
            assert page.request.get(icon["src"]).headers["content-type"] == "image/png"
        assert {icon["purpose"] for icon in body["icons"]} == {"any", "maskable"}


def test_a_small_video_is_kept_and_an_ended_session_forgets_it(
    browser: Browser, server: Server
) -> None:
    with server.log_on_failure(), phone(browser, server) as page:
        context = page.context
        log_in(page, server)
        _controlled(page)
        page.goto(_url(VIDEO_LESSON))
        video = page.locator("#lesson-video").get_attribute("src")
        page.wait_for_function(f"() => ({KEPT_LESSONS})().then(k => k.length === 2)")
        assert sorted(page.evaluate(KEPT_LESSONS)) == sorted([_url(VIDEO_LESSON), video])

        # Not the browser's own cache, which keeps course media for an hour: the kept copy.
        context.new_cdp_session(page).send("Network.clearBrowserCache")
        context.set_offline(True)
        page.goto(_url(VIDEO_LESSON))
        expect(page.locator("#offline-banner")).to_be_visible()
        # The video plays from the phone: its length is known without the network.
        # (A function, not an expression: the page's policy forbids eval.)
        page.wait_for_function(
            "() => { const video = document.getElementById('lesson-video');"
            " return video.readyState >= 1 && isFinite(video.duration); }"
        )
        # The offline page lists the lesson, not its video.
        page.goto(_url(NEVER_OPENED))
        expect(page.locator("#offline-lessons a")).to_have_count(1)

        # The session ends without a logout on this phone (expired, or ended from another
        # device): the next page online is the login form, and nothing kept stays.
        context.clear_cookies()
        context.set_offline(False)
        page.goto(_url(VIDEO_LESSON))
        expect(page.locator("#username")).to_be_visible()
        page.wait_for_function(f"() => ({KEPT_LESSONS})().then(k => k.length === 0)")


def _published_lessons(server: Server) -> list[str]:
    def run(connection):
        rows = connection.execute(
            select(Course.slug, Lesson.slug)
            .join(Course)
            .where(Course.status == "published", Lesson.retired.is_(False))
            .order_by(Course.slug, Lesson.slug)
        )
        return [_url(tuple(row)) for row in rows]

    return in_database(server, run)


def test_only_the_last_twenty_lessons_are_kept(browser: Browser, server: Server) -> None:
    # Lessons with a file keep the file beside the page: counted here are pages alone.
    with_files = {_url(VIDEO_LESSON), _url(PDF_LESSON)}
    lessons = [url for url in _published_lessons(server) if url not in with_files][:21]
    assert len(lessons) == 21, "the demo school has fewer lessons than this test needs"
    with server.log_on_failure(), phone(browser, server) as page:
        log_in(page, server)
        _controlled(page)
        for url in lessons:
            page.goto(url)
            page.wait_for_function(f"url => ({KEPT_LESSONS})().then(k => k.includes(url))", arg=url)
        # The oldest went first; the other twenty stay, in the order they were opened.
        assert page.evaluate(KEPT_LESSONS) == lessons[1:]
