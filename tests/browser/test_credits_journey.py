"""A branch secretary credits a 三会一课 from the sign-in sheet, on a phone.

王建国, secretary of 南山镇红星村党支部, opens 集体学习记录, fills in the branch meeting, uploads
the attendance sheet of four members with one mistyped number, reads the row error, uploads the
corrected sheet, confirms, and finds the batch. 陈志强, one of them, finds the meeting in his
archive with who credited it.

Pages must not scroll sideways at 390 px; screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import Browser, Page, expect

from school.db import utcnow
from tests.browser.support import Server, check_fits_phone, log_in, nav_link, phone, screenshot

# 王建国, 陈志强 and two members of 红星村 (see school/demo/cli.py).
SHEET = "党员编号,姓名\nQC0000101,王建国\nQC0000104,陈志强\nQC0000211,{third}\nQC0000212,\n"


def _shot(page: Page, backend: str, name: str) -> None:
    check_fits_phone(page, name)
    screenshot(page, f"credits-journey-{backend}-{name}")


def _fill(page: Page, day: str, sheet: str) -> None:
    page.locator("#kind").select_option(label="三会一课·支部党员大会")
    page.locator("#title").fill("学习贯彻全会精神")
    page.locator("#held_on").fill(day)
    page.locator("#hours").fill("2")
    page.locator("#org_id").select_option(label="南山镇红星村党支部")
    page.get_by_label("上传签到表").check()
    page.locator("#sheet").set_input_files(
        {"name": "签到表.csv", "mimeType": "text/csv", "buffer": sheet.encode("utf-8-sig")}
    )
    page.get_by_role("button", name="预览").tap()


def test_secretary_credits_a_branch_meeting_from_the_sign_in_sheet(
    browser: Browser, page: Page, server: Server, backend: str
) -> None:
    day = (utcnow() - timedelta(days=1)).date().isoformat()
    with server.log_on_failure():
        secretary = page
        log_in(secretary, server, "shuji")
        nav_link(secretary, "管理").tap()
        nav = secretary.get_by_role("navigation", name="管理")
        nav.get_by_role("link", name="集体学习记录").tap()
        expect(secretary.locator("h1")).to_have_text("集体学习记录")
        secretary.get_by_role("link", name="记录一次集体学习").tap()
        expect(secretary.locator("h1")).to_have_text("记录集体学习")
        _shot(secretary, backend, "form")

        # A name that does not match its number: the row is named and nothing can be confirmed.
        _fill(secretary, day, SHEET.format(third="某某"))
        expect(secretary.locator("h1")).to_have_text("预览：尚未记入")
        expect(secretary.locator("main")).to_contain_text("第 4 行：姓名“某某”与党员编号")
        expect(secretary.get_by_role("button", name=re.compile("确认记入"))).to_have_count(0)
        _shot(secretary, backend, "preview-error")

        secretary.get_by_role("link", name="取消，重新填写").tap()
        _fill(secretary, day, SHEET.format(third=""))
        expect(secretary.locator("main")).to_contain_text("将记入4 人")
        _shot(secretary, backend, "preview")
        secretary.get_by_role("button", name="确认记入 4 人").tap()
        expect(secretary.locator("p.flash[role=status]")).to_have_text("已记入 4 名党员的学时。")
        expect(secretary.locator("h1")).to_have_text("三会一课·支部党员大会：学习贯彻全会精神")
        expect(secretary.locator("main")).to_contain_text("陈志强")
        _shot(secretary, backend, "batch")

        with phone(browser, server) as member:
            log_in(member, server, "liudong")
            nav_link(member, "学习").tap()
            main = member.locator("main")
            expect(main).to_contain_text(
                "三会一课·支部党员大会：学习贯彻全会精神（南山镇红星村党支部）"
            )
            expect(main).to_contain_text("由 王建国 于")
            _shot(member, backend, "archive")
