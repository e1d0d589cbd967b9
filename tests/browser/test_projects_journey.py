"""Hometown projects through real browsers on phone-sized screens (390 × 844).

陈志强, a floating member from 南山镇红星村 living in Shenzhen, opens 家乡项目 from his home page,
finds his county's rooftop solar project and registers his interest. 刘志远, secretary of 南山县委,
sees it waiting on his workbench, opens it and records that he called; 陈志强 then finds the new
state on the project and in 消息. Every page fits the phone, its controls are at least
44 × 44 px, and axe finds nothing serious. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

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
PROJECT = "石桥村屋顶分布式光伏"
NOTE = "我在深圳做建材，认识两家做光伏安装的企业，可以请他们回来看看。"
FOLLOW_UP = "电话联系了陈志强，他春节回来时带企业到石桥村看屋顶。"


def _checked(page: Page, backend: str, what: str) -> None:
    check_fits_phone(page, what)
    assert not small_targets(page), f"{what}: tap targets under 44×44 px: {small_targets(page)}"
    serious = [v for v in axe_violations(page, what) if v["impact"] in SERIOUS]
    assert not serious, f"{what}: {serious}"
    screenshot(page, f"projects-journey-{backend}-{what}")


def _flash(page: Page):
    return page.locator("p.flash[role=status]")


def test_a_floating_member_offers_help_and_the_county_follows_up(
    browser: Browser, page: Page, server: Server, backend: str
) -> None:
    member = page
    member.add_init_script(path=AXE)
    with server.log_on_failure():
        log_in(member, server, "liudong")
        member.get_by_role("link", name=re.compile("家乡项目")).first.tap()
        expect(member.locator("h1")).to_have_text("家乡项目")
        _checked(member, backend, "board")
        member.get_by_role("link", name=re.compile(PROJECT)).tap()
        expect(member.locator("h1")).to_contain_text(PROJECT)
        expect(member.locator("main")).to_contain_text("0731-84260102")
        _checked(member, backend, "project")
        member.get_by_label("介绍客商").check()
        member.locator("#note").fill(NOTE)
        member.get_by_role("button", name="登记意向").tap()
        expect(_flash(member)).to_contain_text("意向已登记")
        interest = member.locator("#interest")
        expect(interest).to_contain_text("介绍客商")
        expect(interest).to_contain_text("待联系")

        with phone(browser, server) as county:
            county.add_init_script(path=AXE)
            log_in(county, server, "xianwei")
            county.get_by_role("link", name=re.compile("家乡项目待跟进的意向和推荐")).tap()
            county.get_by_role("link", name=re.compile(PROJECT)).tap()
            expect(county.locator("#interests")).to_contain_text(NOTE)
            _checked(county, backend, "staff-project")
            county.locator("#interests").get_by_role("link", name=re.compile("陈志强")).tap()
            expect(county.locator("h1")).to_have_text("陈志强的意向")
            county.locator("#state").select_option(label="已联系")
            county.locator("#note").fill(FOLLOW_UP)
            county.locator("#next_step").fill("春节期间陪同考察")
            _checked(county, backend, "follow-up")
            county.get_by_role("button", name="保存跟进记录").tap()
            expect(_flash(county)).to_contain_text("跟进记录已保存")
            expect(county.locator("main")).to_contain_text(FOLLOW_UP)

        # The member sees the state on the project, and was told in 消息.
        member.reload()
        expect(member.locator("#interest")).to_contain_text("已联系")
        nav_link(member, "消息").tap()
        expect(member.locator("main")).to_contain_text(f"家乡项目“{PROJECT}”")
