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

import re

from playwright.sync_api import Page, expect

from tests.browser.support import MEMBER, Server, check_fits_phone, screenshot

COURSE_SLUG = "love-country-hometown"  # the shortest demo course: 3 lessons of 1 学时
COURSE_TITLE = "爱国爱乡，反哺桑梓"
LESSON_COUNT = 3


def _screenshot(page: Page, backend: str, name: str) -> None:
    screenshot(page, f"member-journey-{backend}-{name}")


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
        expect(page.locator("section.quota .quota-numbers")).to_have_text("0 / 32 学时")
        check_fits_phone(page, "the catalogue")
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
            check_fits_phone(page, f"lesson {number}")
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

        # The archive, reached the way a member would: from the phone's bottom tab bar.
        navigation = page.get_by_role("navigation", name="底部导航")
        navigation.get_by_role("link", name="学习", exact=True).click()
        expect(page).to_have_url(re.compile(r"/archive/$"))
        ledger = page.locator("table.ledger")
        expect(ledger.locator("tr.kind-lesson")).to_have_count(LESSON_COUNT)
        for title in titles:
            expect(ledger.locator("tr.kind-lesson", has_text=title)).to_have_count(1)
        course_rows = ledger.locator("tr.kind-course")
        expect(course_rows).to_have_count(1)
        expect(course_rows).to_contain_text(f"完成课程《{COURSE_TITLE}》")
        expect(page.locator(".quota-numbers")).to_have_text(f"{LESSON_COUNT} / 32 学时")
        check_fits_phone(page, "the archive")
        _screenshot(page, backend, "archive")
