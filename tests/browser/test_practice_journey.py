"""Daily practice (每日答题) on a phone: today's five questions, the result and the streak.

张丽 opens the school on her phone (390 × 844). The home page says 今日答题 is still to do; she
taps through to today's five questions on one page, answers each (a choice, a word, a number or
a pairing, whatever the question asks), and hands in. She sees how many she got right, each
question with her answer, the right answer and its explanation, and a streak of one day; back
home, today's practice shows as done. A reload keeps the result and does not count the day
twice. Every page fits the phone, its controls are at least 44 × 44 px, and axe finds nothing
serious. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.support import (
    AXE,
    Server,
    axe_violations,
    check_fits_phone,
    log_in,
    screenshot,
    small_targets,
)

SERIOUS = {"serious", "critical"}


def _checked(page: Page, what: str) -> None:
    check_fits_phone(page, what)
    assert not small_targets(page), f"{what}: tap targets under 44×44 px: {small_targets(page)}"
    serious = [v for v in axe_violations(page, what) if v["impact"] in SERIOUS]
    assert not serious, f"{what}: {serious}"


def _answer(page: Page) -> None:
    """Answer every question on the page as a member would, not necessarily right."""
    questions = page.locator("fieldset.question")
    expect(questions).to_have_count(5)
    for n in range(5):
        question = questions.nth(n)
        options = question.locator("label.option")
        if options.count():
            options.first.tap()
            continue
        selects = question.locator("select")
        if selects.count():
            for s in range(selects.count()):
                selects.nth(s).select_option(index=1)
            continue
        question.locator("input.text-answer").fill("32")


def test_a_member_does_todays_practice_on_her_phone(page: Page, server: Server, backend: str):
    page.add_init_script(path=AXE)
    with server.log_on_failure():
        log_in(page, server, "dangyuan")
        card = page.locator("section.daily-practice")
        expect(card).to_contain_text("今日答题")
        expect(card).to_contain_text("今天还没答")
        _checked(page, "home before practice")
        card.get_by_role("link", name="去答今天的 5 道题").tap()
        expect(page.locator("h1")).to_have_text("每日答题")
        expect(page.locator("#practice-streak")).to_contain_text("连续答题 0 天")
        _checked(page, "today's questions")
        screenshot(page, f"practice-journey-{backend}-questions")
        _answer(page)
        page.get_by_role("button", name="交卷").tap()

        expect(page.locator("#practice-result")).to_contain_text("共 5 题")
        expect(page.locator("#practice-streak")).to_contain_text("连续答题 1 天")
        expect(page.locator("section.review")).to_have_count(5)
        expect(page.locator("main")).to_contain_text("正确答案：")
        expect(page.get_by_role("button", name="交卷")).to_have_count(0)
        _checked(page, "practice result")
        screenshot(page, f"practice-journey-{backend}-result")
        result = page.locator("#practice-result").inner_text()

        page.reload()  # the same result, the day counted once
        expect(page.locator("#practice-result")).to_have_text(result)
        expect(page.locator("#practice-streak")).to_contain_text("连续答题 1 天")

        page.goto("/")
        expect(card).to_contain_text("今天已完成")
        expect(card).to_contain_text("连续 1 天")
