"""A member's whole journey through a real browser on a phone-sized screen.

The demo member logs in through the form, finds a course in the catalogue by its title, studies
every lesson with the "学完了，记入档案" button, sees the course marked complete and finds the
lessons, the course completion and the year's hours in her archive. On the catalogue, on every
lesson and on the archive the page must not scroll sideways at 390 px, the width of a common
phone. Screenshots go to ``test-artifacts/`` for a person to look at.

The app runs as a separate ``flask run`` process on a freshly migrated database loaded the way
``make run`` loads it (the real ``content/`` folder and ``flask demo load``), so the test sees what
a member would see, on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.databases import drop_database, new_database

PROJECT = Path(__file__).resolve().parents[2]
ARTIFACTS = PROJECT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
# Switches that stop Chromium from calling home: the CI machines and sandboxes have no network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

MEMBER = ("dangyuan", "dangxiao2026")  # made by `flask demo load`, published in the README
COURSE_SLUG = "love-country-hometown"  # the shortest demo course: 3 lessons of 1 学时
COURSE_TITLE = "爱国爱乡，反哺桑梓"
LESSON_COUNT = 3
PHONE_WIDTH = 390
STARTUP_SECONDS = 20


@dataclass
class Server:
    url: str
    log: Path

    @contextmanager
    def log_on_failure(self) -> Iterator[None]:
        """Print the server's log when the block fails: a 500 only explains itself there."""
        try:
            yield
        except BaseException:
            print(f"--- server log ({self.log}) ---\n{self.log.read_text(errors='replace')}")
            raise


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _flask(env: dict[str, str], *args: str) -> None:
    """Run one `flask` command the way `make run` does; fail with its output if it fails."""
    result = subprocess.run(
        [sys.executable, "-m", "flask", *args],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(
            f"flask {' '.join(args)} exited with {result.returncode}\n"
            f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        )


def _wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/login", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    pytest.fail(f"the server did not answer /login within {STARTUP_SECONDS} s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def server(backend: str, tmp_path_factory) -> Iterator[Server]:
    """`make run` on a fresh database of this backend, served on a free local port."""
    tmp = tmp_path_factory.mktemp(f"server-{backend}")
    database_url = new_database(backend, tmp)
    env = {
        **os.environ,
        "FLASK_APP": "wsgi.py",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "browser-test-secret",
        # The browser clicks faster than a member reads; the wait itself is tested elsewhere.
        "MIN_STUDY_SECONDS": "0",
        "RATELIMIT_ENABLED": "false",
        "MEDIA_DIR": str(tmp / "media"),
        # Set explicitly so a CONTENT_DIR in the caller's environment cannot swap the courses.
        "CONTENT_DIR": str(PROJECT / "content"),
    }
    # A debugger or reloader would fork a second process that terminate() does not stop.
    env.pop("FLASK_DEBUG", None)
    log = tmp / "server.log"
    process = None
    try:
        _flask(env, "db", "upgrade")
        _flask(env, "content", "import")
        _flask(env, "demo", "load")
        url = f"http://127.0.0.1:{_free_port()}"
        port = url.rsplit(":", 1)[1]
        with log.open("w") as log_file:
            process = subprocess.Popen(
                [sys.executable, "-m", "flask", "run", "--host", "127.0.0.1", "--port", port],
                cwd=PROJECT,
                env=env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        _wait_until_up(url, process, log)
        yield Server(url=url, log=log)
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        drop_database(database_url)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        # Not a skip: a browser test that silently does not run is worse than a red build.
        pytest.fail(f"{CHROMIUM} is missing; install Debian's chromium package to run this test")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, server: Server) -> Iterator[Page]:
    context = browser.new_context(
        base_url=server.url,
        viewport={"width": PHONE_WIDTH, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
    )
    # Every page is local and small: a missing element should fail in seconds, not 30.
    # (Playwright's expect() already gives up after 5 s.)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def _check_fits_phone(page: Page, what: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{what} scrolls sideways: {width} px wide at {PHONE_WIDTH} px"


def _screenshot(page: Page, backend: str, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"member-journey-{backend}-{name}.png", full_page=True)


def test_member_studies_a_course_and_finds_it_in_the_archive(
    page: Page, server: Server, backend: str
) -> None:
    with server.log_on_failure():
        # Log in through the form, as a member does.
        page.goto("/login")
        page.locator("#username").fill(MEMBER[0])
        page.locator("#password").fill(MEMBER[1])
        page.get_by_role("button", name="登录", exact=True).click()
        expect(page).to_have_url(f"{server.url}/")

        # The catalogue: nothing studied yet this year (the whole text, so "10 / 32" would fail);
        # then find the course by its visible title.
        expect(page.locator(".quota-numbers")).to_have_text("0 / 32 学时")
        _check_fits_phone(page, "the catalogue")
        _screenshot(page, backend, "catalogue")
        page.locator("a.course-link", has_text=COURSE_TITLE).click()
        expect(page).to_have_url(f"{server.url}/courses/{COURSE_SLUG}")
        expect(page.locator("h1")).to_have_text(COURSE_TITLE)

        titles = page.locator(".lesson-list .lesson-title").all_inner_texts()
        assert len(titles) == LESSON_COUNT, titles
        page.locator("a.button", has_text=f"开始学习：{titles[0]}").click()

        # Study each lesson in turn; the app moves on to the next one after every click.
        for number, title in enumerate(titles, start=1):
            expect(page.locator("article.lesson h1")).to_have_text(title)
            expect(page.locator("article.lesson .meta")).to_contain_text(
                f"第 {number}/{LESSON_COUNT} 课"
            )
            _check_fits_phone(page, f"lesson {number}")
            if number == 1:
                _screenshot(page, backend, "lesson")
            page.locator("#complete-button").click()
            flash = page.locator("p.flash[role=status]")  # not the course page's completion note
            if number < LESSON_COUNT:
                expect(flash).to_have_text(f"已记录：《{title}》，1 学时。")
            else:
                # The last lesson completes the course: back to the course page, congratulated.
                expect(page).to_have_url(f"{server.url}/courses/{COURSE_SLUG}")
                expect(flash).to_contain_text("恭喜")
                expect(flash).to_contain_text(f"已完成课程《{COURSE_TITLE}》")

        # The course page now shows the course as done, and nothing left to start.
        expect(page.locator("article .flash-success", has_text="完成本课程")).to_be_visible()
        expect(page.locator(".lesson-list li.is-done")).to_have_count(LESSON_COUNT)
        expect(page.get_by_role("link", name=re.compile("开始学习|继续学习"))).to_have_count(0)

        # The archive, reached the way a member would: from the main navigation.
        navigation = page.get_by_role("navigation", name="主导航")
        navigation.get_by_role("link", name="学习档案", exact=True).click()
        expect(page).to_have_url(re.compile(r"/archive/$"))
        ledger = page.locator("table.ledger")
        expect(ledger.locator("tr.kind-lesson")).to_have_count(LESSON_COUNT)
        for title in titles:
            expect(ledger.locator("tr.kind-lesson", has_text=title)).to_have_count(1)
        course_rows = ledger.locator("tr.kind-course")
        expect(course_rows).to_have_count(1)
        expect(course_rows).to_contain_text(f"完成课程《{COURSE_TITLE}》")
        expect(page.locator(".quota-numbers")).to_have_text(f"{LESSON_COUNT} / 32 学时")
        _check_fits_phone(page, "the archive")
        _screenshot(page, backend, "archive")
