"""Required reading through real browsers on phone-sized screens.

The city has published a required notice (必读) with a deadline. 陈志强, a floating member whose
home is 南山镇红星村党支部, finds it in 消息 on his phone, opens it from the message, reads it and
confirms with 我已阅读. 王建国, secretary of that branch, opens the notice's 阅读情况 and finds
陈志强 among those who have read it, with the time.

Pages must not scroll sideways at 390 px, tap targets are at least 44 px, and axe finds nothing
serious; screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from school.demo.news import REQUIRED_TITLE
from tests.browser.support import (
    AXE,
    Server,
    axe_violations,
    check_fits_phone,
    log_in,
    nav_link,
    phone,
    screenshot,
    small_targets,
)

SERIOUS = {"serious", "critical"}


def _checked(page: Page, backend: str, what: str) -> None:
    check_fits_phone(page, what)
    assert not small_targets(page), f"{what}: tap targets under 44×44 px: {small_targets(page)}"
    serious = [v for v in axe_violations(page, what) if v["impact"] in SERIOUS]
    assert not serious, f"{what}: {serious}"
    screenshot(page, f"news-journey-{backend}-{what}")


def test_a_member_confirms_a_required_notice_and_the_branch_sees_it(
    browser: Browser, page: Page, server: Server, backend: str
) -> None:
    page.add_init_script(path=AXE)
    with server.log_on_failure():
        log_in(page, server, "liudong")
        nav_link(page, "消息").tap()
        page.get_by_role("link", name=re.compile(f"必读：{REQUIRED_TITLE}")).first.tap()
        expect(page.locator("h1")).to_contain_text(REQUIRED_TITLE)
        expect(page.locator("main")).to_contain_text("请读完后点“我已阅读”")
        _checked(page, backend, "required-notice")
        page.get_by_role("button", name="我已阅读").tap()
        expect(page.locator("p.flash[role=status]")).to_contain_text("已确认阅读")
        expect(page.locator("#receipt")).to_contain_text("您已于")

        with phone(browser, server) as staff:
            staff.add_init_script(path=AXE)
            log_in(staff, server, "shuji")
            staff.goto("/notices/?category=requirement")
            staff.get_by_role("link", name=re.compile(REQUIRED_TITLE)).first.tap()
            staff.get_by_role("link", name="阅读情况").tap()
            expect(staff.locator("h1")).to_have_text("阅读情况")
            staff.get_by_role("link", name=re.compile("^已读")).tap()
            reader = staff.locator(".reader-list li", has_text="陈志强")
            expect(reader).to_contain_text("已读")
            _checked(staff, backend, "read-list")
