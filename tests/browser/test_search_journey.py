"""Search through a real browser on a phone-sized screen.

张丽, the demo member, types 流动党员 into the search box in the header, gets results with the
matching words highlighted, narrows them to 课时 with the kind tabs and opens a lesson from a hit.
Then she searches the quoted phrase “流动党员管理” and finds the course of that name. The header
with its search box and the results page must not scroll sideways at 390 px; screenshots go to
``test-artifacts/``.

The server is the real app loaded like ``make run`` (content import, demo data), so the index is
built the way a deployment builds it. SQLite runs with the Whoosh backend, PostgreSQL with the
PostgreSQL full-text backend, so a browser test covers each search backend.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import MEMBER, Server, check_fits_phone, screenshot

QUERY = "流动党员"
PHRASE = "“流动党员管理”"
PHRASE_COURSE = "流动党员管理须知"
LESSON_URL = re.compile(r"/courses/[\w-]+/[\w-]+$")


@pytest.fixture(scope="module", autouse=True)
def served_search(backend: str, tmp_path_factory) -> Iterator[str]:
    """Choose the search backend before the module's server starts: it reads the environment."""
    search = "whoosh" if backend == "sqlite" else "postgres"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SEARCH_BACKEND", search)
        patch.setenv("SEARCH_INDEX_DIR", str(tmp_path_factory.mktemp("search-index")))
        yield search


def _screenshot(page: Page, served_search: str, name: str) -> None:
    screenshot(page, f"search-journey-{served_search}-{name}")


def _search_from_header(page: Page, text: str) -> None:
    box = page.get_by_role("banner").get_by_role("searchbox", name="全站搜索")
    expect(box).to_have_attribute("placeholder", "搜索课程、问答、通知")
    box.tap()
    box.fill(text)
    box.press("Enter")


def _wait_for_index(page: Page) -> None:
    """A fresh deployment builds its index on the first search: the page says so, no error."""
    rebuilding = page.get_by_role("status").filter(has_text="搜索索引正在重建，请稍后再试")
    for _ in range(40):
        if rebuilding.count() == 0:
            return
        page.wait_for_timeout(500)
        page.reload()
    raise AssertionError("the search index was still rebuilding after 20 s")


def _hits(page: Page):
    return page.locator("ol.search-results > li.search-hit")


def test_member_searches_filters_and_opens_a_lesson(
    page: Page, server: Server, served_search: str
) -> None:
    with server.log_on_failure():
        page.goto("/login")
        # No search box for someone who is not logged in.
        expect(page.get_by_role("searchbox")).to_have_count(0)
        page.locator("#username").fill(MEMBER[0])
        page.locator("#password").fill(MEMBER[1])
        page.get_by_role("button", name="登录", exact=True).tap()
        expect(page).to_have_url(f"{server.url}/")
        check_fits_phone(page, "the catalogue with the header search box")
        _screenshot(page, served_search, "header")

        # Search from the header: hits with the query's words highlighted, kind tabs with counts.
        _search_from_header(page, QUERY)
        expect(page).to_have_url(re.compile(r"/search/\?q="))
        _wait_for_index(page)
        expect(page.locator("#site-search-q")).to_have_value(QUERY)
        expect(_hits(page).first).to_be_visible()
        marks = page.locator("ol.search-results mark")
        expect(marks.first).to_be_visible()
        assert set(marks.all_inner_texts()) <= {"流动", "党员", "流动党员"}, marks.all_inner_texts()
        tabs = page.get_by_role("navigation", name="按类别筛选")
        expect(tabs.get_by_role("link", name=re.compile(r"^全部\s*\d+$"))).to_have_attribute(
            "aria-current", "page"
        )
        check_fits_phone(page, "the results page")
        _screenshot(page, served_search, "results")

        # Only lessons: the tab is current and every hit is a lesson.
        lessons_tab = tabs.get_by_role("link", name=re.compile(r"^课时\s*\d+$"))
        lesson_count = int(re.sub(r"\D", "", lessons_tab.inner_text()))
        assert lesson_count > 0
        lessons_tab.tap()
        expect(page).to_have_url(re.compile(r"kind=lesson"))
        expect(tabs.get_by_role("link", name=re.compile(r"^课时"))).to_have_attribute(
            "aria-current", "page"
        )
        expect(_hits(page)).to_have_count(min(lesson_count, 20))
        badges = page.locator("ol.search-results .kind-badge").all_inner_texts()
        assert set(badges) == {"课时"}, badges
        check_fits_phone(page, "the results filtered to lessons")
        _screenshot(page, served_search, "lessons")

        # Open the first hit: the lesson it names.
        first = _hits(page).first.get_by_role("link").first
        title = first.inner_text().strip()
        first.tap()
        expect(page).to_have_url(LESSON_URL)
        expect(page.locator("article.lesson h1")).to_have_text(title)

        # A quoted phrase: the hint says how, and the course of that name is found.
        _search_from_header(page, PHRASE)
        expect(page.locator("#search-hint")).to_have_text("加引号可搜索完整词组，如 “流动党员管理”")
        expect(page.locator("#site-search-q")).to_have_value(PHRASE)
        expect(_hits(page).get_by_role("link", name=PHRASE_COURSE)).to_be_visible()
        check_fits_phone(page, "the phrase results")
        _screenshot(page, served_search, "phrase")

        # Nothing found: said plainly, and the page still fits.
        _search_from_header(page, "火星殖民计划书")
        expect(page.locator("main")).to_contain_text("没有找到与“火星殖民计划书”相关的内容")
        check_fits_phone(page, "the empty result")
        _screenshot(page, served_search, "nothing")
