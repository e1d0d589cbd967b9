"""Getting around on a phone: 继续学习 from the home page, the tab bar, tap targets, reading.

On a 390×844 phone, the demo member resumes a course from the top of the home page with one
tap; the header stays on one row and the bottom tab bar holds 首页 · 学习 · 咨询 · 消息 · 我的;
every link, button and field on the main member pages is at least 44×44 px; the reading size
chosen on 我的 applies to every page; dark mode keeps text readable; a printed lesson is the
lesson without the site around it.
"""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.browser.support import (
    Server,
    check_fits_phone,
    log_in,
    phone,
    screenshot,
    small_targets,
)

COURSE_SLUG = "love-country-hometown"
COURSE_TITLE = "爱国爱乡，反哺桑梓"
VIDEO_LESSON = "/courses/honour-and-shame/video-bottom-line"
PDF_LESSON = "/courses/honour-and-shame/pdf-study-outline"
PRACTICE_TITLE = "党章党规知识练习"

# The contrast ratio (WCAG 2) of an element's text against the first opaque background behind it.
_CONTRAST = """
(el) => {
  const rgb = (text) => text.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => {
    const c = [r, g, b].map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  let back = el;
  while (back) {
    const bg = rgb(getComputedStyle(back).backgroundColor);
    if (bg.length === 3 || bg[3] === 1) break;
    back = back.parentElement;
  }
  const bg = back ? rgb(getComputedStyle(back).backgroundColor) : [255, 255, 255];
  const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(bg)];
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}
"""


def _first_lesson(page: Page) -> str:
    """The path of the course's first lesson, read from its course page."""
    page.goto(f"/courses/{COURSE_SLUG}")
    return page.locator(".lesson-list a").first.get_attribute("href")


def _practice_attempt(page: Page, server: Server) -> tuple[str, str]:
    """The practice quiz's page and a question of a new attempt at it: their paths."""
    page.goto("/quizzes/")
    page.locator("a.course-link", has_text=PRACTICE_TITLE).click()
    expect(page.locator("h1")).to_have_text(PRACTICE_TITLE)
    quiz = page.url.removeprefix(server.url)
    page.get_by_role("button", name="开始练习", exact=True).click()
    expect(page).to_have_url(re.compile(r"/attempts/\d+$"))
    return quiz, page.url.removeprefix(server.url)


def _handed_in(page: Page, server: Server, question: str) -> str:
    """Hand in the attempt whose question page is ``question``; the path of its result."""
    page.goto(f"{question}/summary")
    page.get_by_role("button", name="确认交卷", exact=True).click()
    expect(page).to_have_url(re.compile(r"/attempts/\d+/result$"))
    return page.url.removeprefix(server.url)


def test_resume_from_the_top_of_the_home_page(page: Page, server: Server, backend: str) -> None:
    with server.log_on_failure():
        log_in(page, server)
        # Study the first lesson of a course, then go home with the tab bar.
        page.goto(_first_lesson(page))
        page.locator("#complete-button").click()
        expect(page.locator("p.flash[role=status]")).to_contain_text("已记录")
        second = page.url
        page.get_by_role("navigation", name="底部导航").get_by_role("link", name="首页").click()
        expect(page).to_have_url(f"{server.url}/")

        # 继续学习 is on the first screen, above the tab bar, with the course's progress.
        resume = page.locator("section.resume")
        expect(resume.get_by_role("heading", name="继续学习")).to_be_visible()
        expect(resume).to_contain_text(COURSE_TITLE)
        expect(resume.locator(".ring-text")).to_have_text("已完成 33%")
        box = resume.locator("#resume-link").bounding_box()
        tabbar = page.locator("nav.tabbar").bounding_box()
        assert box is not None and tabbar is not None
        assert box["y"] + box["height"] <= tabbar["y"], "继续学习 is below the first screen"
        screenshot(page, f"navigation-{backend}-home")

        # One tap resumes at the next lesson.
        page.locator("#resume-link").click()
        expect(page).to_have_url(second)


def _check_one_header_row(page: Page, who: str) -> None:
    brand = page.locator(".site-header .brand").bounding_box()
    shown = [link for link in page.locator(".site-header .site-nav a").all() if link.is_visible()]
    assert shown, f"{who}: no header links"
    for link in shown:
        top = link.bounding_box()["y"]
        assert top < brand["y"] + brand["height"], f"{who}: {link.inner_text()} wrapped"
    check_fits_phone(page, f"the home page of {who}")


def test_the_header_stays_on_one_row_and_the_tab_bar_holds_five_places(
    page: Page, server: Server, browser: Browser
) -> None:
    with server.log_on_failure():
        # An administrator has the most header links (通知 教员 管理 报表): still one row.
        with phone(browser, server) as admin:
            log_in(admin, server, "admin")
            _check_one_header_row(admin, "admin")
        log_in(page, server)
        _check_one_header_row(page, "a member")
        tabs = page.get_by_role("navigation", name="底部导航").get_by_role("link")
        names = ("首页", "学习", "咨询", "消息", "我的")
        expect(tabs).to_have_text([re.compile(name) for name in names])
        # The tab bar takes the member where its names say.
        for name, path in (("学习", "/archive/"), ("咨询", "/forum/"), ("消息", "/notifications/")):
            tabs.filter(has_text=name).click()
            expect(page).to_have_url(f"{server.url}{path}")
            expect(tabs.filter(has_text=name)).to_have_attribute("aria-current", "page")
        # Hidden header links do not count: each place has one link a finger can reach.
        for name in ("我的", re.compile("^消息"), "通知"):
            links = page.locator("nav.site-nav, nav.tabbar").get_by_role("link", name=name)
            expect(links).to_have_count(1)
        tabs.filter(has_text="我的").click()
        expect(page).to_have_url(f"{server.url}/profile/")

    # A wide screen keeps the header's links and has no tab bar.
    context = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 800})
    try:
        wide = context.new_page()
        log_in(wide, server)
        expect(wide.locator("nav.tabbar")).to_be_hidden()
        nav = wide.get_by_role("navigation", name="主导航")
        expect(nav.get_by_role("link", name="我的")).to_be_visible()
        expect(nav.get_by_role("link", name="学习档案")).to_be_visible()
    finally:
        context.close()


def test_tap_targets_on_the_main_member_pages(page: Page, server: Server, backend: str) -> None:
    with server.log_on_failure():
        log_in(page, server)
        lesson = _first_lesson(page)
        # A suggestion of the member's own, for its page with the member's 修改 link.
        page.goto("/forum/suggestion/new")
        page.locator("#title").fill("建议晚上也安排线上学习")
        page.locator("#body").fill("白天要上班，希望晚上也能参加线上学习。")
        page.get_by_role("button", name="提交", exact=True).click()
        expect(page).to_have_url(re.compile(r"/forum/threads/\d+$"))
        thread = page.url.removeprefix(server.url)
        quiz, question = _practice_attempt(page, server)
        page.goto("/notices/")
        notice = page.locator("a.course-link[href^='/notices/']").first.get_attribute("href")
        pages = {
            "home": "/",
            "course": f"/courses/{COURSE_SLUG}",
            "lesson": lesson,
            "video lesson": VIDEO_LESSON,
            "PDF lesson": PDF_LESSON,
            "quizzes": "/quizzes/",
            "quiz": quiz,
            "quiz question": question,
            "archive": "/archive/",
            "boards": "/forum/",
            "forum board": "/forum/qa/",
            "new board item": "/forum/suggestion/new",
            "board item": thread,
            "notifications": "/notifications/",
            "notices": "/notices/",
            "notice": notice,
            "search results": "/search/?q=学习",
            "profile": "/profile/",
            "member card": "/card",
        }
        small = {}

        def measure(name: str, path: str) -> None:
            page.goto(path)
            found = small_targets(page)
            if found:
                small[f"{name} ({path})"] = found

        for name, path in pages.items():
            measure(name, path)
        measure("quiz result", _handed_in(page, server, question))
        assert not small, "tap targets under 44×44 px:\n" + "\n".join(
            f"{where}: {target}" for where, targets in small.items() for target in targets
        )


def test_reading_size_dark_mode_and_print(page: Page, server: Server, backend: str) -> None:
    with server.log_on_failure():
        log_in(page, server)
        size = "getComputedStyle(document.documentElement).fontSize"
        assert page.evaluate(size) == "18px"
        page.goto("/profile/")
        page.locator("label", has_text="特大").click()
        page.locator("#reading").get_by_role("button", name="保存").click()
        expect(page.locator("p.flash[role=status]")).to_have_text("字号已设为“特大”。")
        for path in ("/", f"/courses/{COURSE_SLUG}", "/archive/"):
            page.goto(path)
            assert page.evaluate(size) == "24px", path
        check_fits_phone(page, "the archive in 特大")
        screenshot(page, f"navigation-{backend}-xlarge")
        page.goto("/profile/")
        page.locator("label", has_text="标准").click()
        page.locator("#reading").get_by_role("button", name="保存").click()
        expect(page.locator("p.flash[role=status]")).to_have_text("字号已设为“标准”。")

        # Dark mode follows the phone, and text stays readable on its dark surfaces.
        page.emulate_media(color_scheme="dark")
        texts = ("h2", ".meta", ".progress-text", ".tabbar a", ".site-footer")
        for path, own in (("/", ".course-card a"), (f"/courses/{COURSE_SLUG}", ".lesson-list a")):
            page.goto(path)
            background = page.evaluate("getComputedStyle(document.body).backgroundColor")
            assert background == "rgb(23, 20, 18)", background
            for selector in (*texts, own):
                element = page.locator(selector).first
                ratio = element.evaluate(_CONTRAST)
                assert ratio >= 4.5, f"{selector} on {path}: contrast {ratio:.2f}"
        screenshot(page, f"navigation-{backend}-dark")
        page.emulate_media(color_scheme="light")

        # A printed lesson is its text: no header, tab bar, button or pager around it.
        page.goto(_first_lesson(page))
        page.emulate_media(media="print")
        expect(page.locator("article.lesson h1")).to_be_visible()
        expect(page.locator("article.lesson .prose")).to_be_visible()
        for chrome in (".site-header", "nav.tabbar", ".complete-box", ".pager", ".crumbs"):
            expect(page.locator(chrome)).to_be_hidden()
