"""An accessibility scan of the main member pages with axe-core, in light and dark mode.

On a 390×844 phone, the demo member's main pages (home, a course, a text, a video and a PDF
lesson, the quizzes, a quiz, one of its questions and its result, the archive, the boards, a
board and its new-item form, notifications, notices, search results, 我的, the member card) and
the login page seen anonymously are scanned with axe-core's WCAG 2.0 / 2.1 A and AA rules, once
with the system in light mode and once in dark mode. A violation of impact "serious" or
"critical" fails the test; "moderate" and "minor" ones are printed for a person to read, not
failed on.

axe-core is vendored under tests/browser/vendor/axe-core (see its README): no network.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import AXE, Server, axe_violations, log_in

COURSE_SLUG = "floating-member-rules"
VIDEO_LESSON = "/courses/honour-and-shame/video-bottom-line"
PDF_LESSON = "/courses/honour-and-shame/pdf-study-outline"
PRACTICE_TITLE = "党章党规知识练习"
ATTEMPT_URL = re.compile(r"/attempts/(\d+)$")
FAILING = {"serious", "critical"}
SHOWN_TARGETS = 3


def _practice_question(page: Page) -> tuple[str, str]:
    """The practice quiz's page and its question page (an attempt started or continued)."""
    page.goto("/quizzes/")
    page.locator("a.course-link", has_text=PRACTICE_TITLE).click()
    expect(page.locator("h1")).to_have_text(PRACTICE_TITLE)
    quiz = page.url
    go_on = page.get_by_role("link", name="继续答题", exact=True)
    if go_on.count():
        go_on.click()
    else:
        page.get_by_role("button", name="开始练习", exact=True).click()
    expect(page).to_have_url(ATTEMPT_URL)
    return quiz, page.url


def _handed_in(page: Page, server: Server, question: str) -> str:
    """Hand in the attempt whose question page is ``question``; the path of its result."""
    page.goto(f"{question}/summary")
    page.get_by_role("button", name="确认交卷", exact=True).click()
    expect(page).to_have_url(re.compile(r"/attempts/\d+/result$"))
    return page.url.removeprefix(server.url)


def _member_pages(page: Page, server: Server) -> dict[str, str]:
    """The member's main pages by name, paths on the demo school."""
    page.goto(f"/courses/{COURSE_SLUG}")
    lesson = page.locator(f"a[href^='/courses/{COURSE_SLUG}/']").first.get_attribute("href")
    quiz, question = _practice_question(page)
    return {
        "home": "/",
        "course": f"/courses/{COURSE_SLUG}",
        "quizzes": "/quizzes/",
        "text lesson": lesson,
        "video lesson": VIDEO_LESSON,
        "PDF lesson": PDF_LESSON,
        "quiz": quiz.removeprefix(server.url),
        "quiz question": question.removeprefix(server.url),
        "archive": "/archive/",
        "boards": "/forum/",
        "forum board": "/forum/qa/",
        "new board item": "/forum/qa/new",
        "notifications": "/notifications/",
        "notices": "/notices/",
        # Results of every kind, with the matched words highlighted.
        "search": "/search/?q=学习",
        "profile": "/profile/",
        "member card": "/card",
    }


def _scan(page: Page, name: str, path: str) -> list[dict]:
    """axe's violations on one page, each tagged with the page it was found on."""
    response = page.goto(path)
    assert response is not None and response.ok, f"{name} ({path}) answered {response}"
    where = f"{name} ({path})"
    return [{**v, "page": where} for v in axe_violations(page, where)]


def _line(v: dict) -> str:
    targets = ", ".join(v["targets"][:SHOWN_TARGETS])
    more = len(v["targets"]) - SHOWN_TARGETS
    if more > 0:
        targets += f" … and {more} more"
    summary = " ".join(v["summary"].split())[:200]
    return f"[{v['impact']}] {v['id']} on {v['page']}: {v['help']}; {targets}. {summary}"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_main_member_pages_have_no_serious_accessibilityaxe_violations(
    page: Page, server: Server, backend: str, scheme: str
) -> None:
    page.emulate_media(color_scheme=scheme)
    # An init script, not a <script> tag: the site's Content-Security-Policy refuses inline
    # scripts, and it stays on so the scan sees the page as members' phones render it.
    page.add_init_script(path=AXE)
    with server.log_on_failure():
        found = _scan(page, "login, anonymous", "/login")
        log_in(page, server)
        pages = _member_pages(page, server)
        for name, path in pages.items():
            found += _scan(page, name, path)
        found += _scan(page, "quiz result", _handed_in(page, server, pages["quiz question"]))

    failing = [v for v in found if v["impact"] in FAILING]
    others = [v for v in found if v["impact"] not in FAILING]
    if others:
        # Shown with -rP or on failure; not failed on: a person decides.
        print(f"axe, {scheme} mode, moderate and minor:\n" + "\n".join(map(_line, others)))
    assert not failing, f"axe, {scheme} mode, serious and critical:\n" + "\n".join(
        map(_line, failing)
    )


def test_the_scan_fails_on_what_members_would_meet(page: Page) -> None:
    """The harness itself: grey text on white and an unnamed field are reported as serious or
    critical, so a clean result above means a clean page, not a scan that saw nothing."""
    page.set_content(
        '<html lang="zh-CN"><head><title>测试</title></head><body><main><h1>登录</h1>'
        '<p style="color:#bbb">请输入手机号码后点登录，验证码五分钟内有效。</p>'
        '<input type="text"></main></body></html>'
    )
    page.add_script_tag(path=str(AXE))  # about:blank has no Content-Security-Policy
    found = {v["id"]: v["impact"] for v in axe_violations(page, "a page made to fail")}
    assert found.get("color-contrast") == "serious", found
    assert found.get("label") == "critical", found
