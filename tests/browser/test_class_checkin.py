"""Check-in by phone at the Spring-Festival class of the demo school.

王建国, secretary of 南山镇红星村党支部, opens the class from 管理 › 培训班 on his phone (390 × 844)
and puts up the check-in screen of the first session: a QR code that changes by itself. 陈志强,
enrolled, opens the code's address on his own phone (a second browser context, logged in) and
is checked in; the session and its 学时 are then in his study archive, once, however often he
scans. A code from before the screen changed it still works within its minute; the screen's
count of those present follows. He also enrols a member from 管理 › 党员: a tick box per member,
the class chosen under the list. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

from playwright.sync_api import Browser, Page, expect

from school.demo.classes import TITLE
from tests.browser.support import Server, check_fits_phone, log_in, phone, screenshot

ORGANISER, MEMBER = "shuji", "liudong"
SESSION = "开班式暨家乡发展情况通报"


def _code_path(page: Page) -> str:
    """The address the screen's QR code holds (the path: the test server is not the site's
    configured address)."""
    return urlparse(page.locator("#checkin-qr").get_attribute("data-url")).path


def test_a_member_checks_in_by_phone_and_the_session_lands_in_the_archive(
    browser: Browser, page: Page, server: Server, backend: str
) -> None:
    with server.log_on_failure():
        log_in(page, server, ORGANISER)
        page.goto("/manage/classes/")
        page.get_by_role("link", name=TITLE).tap()
        expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
        expect(page.locator("main")).to_contain_text("陈志强")
        check_fits_phone(page, "class page")
        screenshot(page, f"class-checkin-{backend}-class")
        page.get_by_role("link", name="打开签到屏").first.tap()
        expect(page.locator("#checkin-qr svg")).to_be_visible()
        expect(page.locator(".screen-session")).to_contain_text(SESSION)
        expect(page.locator("#screen-present")).to_have_text("0")
        check_fits_phone(page, "check-in screen")
        screenshot(page, f"class-checkin-{backend}-screen")
        first_code = _code_path(page)
        assert first_code.startswith("/classes/checkin/")

        with phone(browser, server) as member:
            log_in(member, server, MEMBER)
            member.goto(first_code)
            result = member.locator("#checkin-result")
            expect(result.get_by_role("heading")).to_have_text("✓ 签到成功")
            expect(result).to_contain_text(f"{TITLE} · {SESSION}")
            expect(result).to_contain_text("4 学时已记入您的学习档案")
            check_fits_phone(member, "check-in result")
            screenshot(member, f"class-checkin-{backend}-member")

            # The screen puts up a new code by itself; the count follows.
            expect(page.locator("#checkin-qr")).not_to_have_attribute(
                "data-url", page.locator("#checkin-qr").get_attribute("data-url"), timeout=30_000
            )
            expect(page.locator("#screen-present")).to_have_text("1")

            # Scanning the new code again credits nothing twice.
            member.goto(_code_path(page))
            expect(result.get_by_role("heading")).to_have_text("✓ 您已签到")

            member.get_by_role("link", name="查看学习档案").tap()
            entries = member.locator("main").get_by_text(f"{TITLE} · {SESSION}")
            expect(entries).to_have_count(1)
            screenshot(member, f"class-checkin-{backend}-archive")


def _box(locator) -> dict:
    box = locator.bounding_box()
    assert box is not None
    return box


def test_the_secretary_enrols_a_member_from_the_member_list(
    page: Page, server: Server, backend: str
) -> None:
    """管理 › 党员 on the phone: a tick box per member as big as a finger, the class to choose
    under the list and one button; the class's page then counts the member in."""
    with server.log_on_failure():
        log_in(page, server, ORGANISER)
        page.goto("/manage/members/")
        tick = page.get_by_role("checkbox", name=re.compile("^选择")).first
        name = page.locator(".pick-member").first.inner_text().strip().removeprefix("选择")
        for target in (
            page.locator(".pick-member").first,
            page.get_by_role("button", name="报名培训班"),
        ):
            box = _box(target)
            assert box["height"] >= 44 and box["width"] >= 44, box
        check_fits_phone(page, "member list")
        screenshot(page, f"class-enrol-from-list-{backend}-list")
        tick.tap()
        choice = page.locator("#enrol-class option", has_text=TITLE).get_attribute("value")
        page.get_by_label("选择培训班").select_option(choice)
        page.get_by_role("button", name="报名培训班").tap()
        expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
        expect(page.locator(".flash-success")).to_contain_text("报名")
        expect(page.locator("main")).to_contain_text(name)
        screenshot(page, f"class-enrol-from-list-{backend}")
