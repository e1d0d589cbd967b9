"""A campaign through real browsers on phone-sized screens.

张丽 finds the city committee's campaign (made by ``flask demo load``) among her to-dos with the
days left, and opens it: two required courses, not started. 赵振华, secretary of the work
committee, writes a campaign of his own for the floating members his committee hosts, saves it
as a draft and launches it; 陈志强, hosted in 深圳, finds it on his home page. 王建国, secretary of
红星村党支部, reads his branch's part of the city's campaign and reminds those not finished.

Pages must not scroll sideways at 390 px; screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from tests.browser.support import Server, check_fits_phone, log_in, phone, screenshot

CITY_CAMPAIGN = "学党章守规矩专题教育"


def _flash(page: Page):
    return page.locator("p.flash[role=status]")


def _shot(page: Page, backend: str, name: str) -> None:
    check_fits_phone(page, name)
    screenshot(page, f"campaign-journey-{backend}-{name}")


def test_a_campaign_from_launch_to_phone_and_report(
    browser: Browser, server: Server, backend: str
) -> None:
    with server.log_on_failure(), phone(browser, server) as member:
        log_in(member, server)
        todo = member.locator("section.todo li", has_text=CITY_CAMPAIGN)
        expect(todo).to_contain_text("还剩 21 天")
        expect(todo).to_contain_text("已完成 0%")
        _shot(member, backend, "home")
        todo.locator("a").tap()
        expect(member.locator("h1")).to_have_text(CITY_CAMPAIGN)
        expect(member.locator("ul.todo-list li")).to_have_count(2)
        expect(member.locator("ul.todo-list")).to_contain_text("必修 · 未开始")
        _shot(member, backend, "campaign")

    with server.log_on_failure(), phone(browser, server) as staff:
        log_in(staff, server, "gongwei")
        staff.goto("/campaigns/manage/")
        staff.get_by_role("link", name="发起新活动").tap()
        staff.locator("#title").fill("驻外党员春节返乡前学习")
        staff.locator("#org").fill("QCW")
        staff.locator("#deadline").fill("2099-01-31")
        staff.locator("#targets").fill("QCW 流入地 仅流动党员")
        staff.locator("select[name^=course-]").first.select_option("required")
        _shot(staff, backend, "editor")
        staff.get_by_role("button", name="保存草稿").tap()
        expect(_flash(staff)).to_contain_text("已保存为草稿")
        staff.get_by_role("button", name="发起活动").tap()
        expect(_flash(staff)).to_contain_text("活动已发起，已通知")
        _shot(staff, backend, "launched")

    with server.log_on_failure(), phone(browser, server) as floating:
        log_in(floating, server, "liudong")
        expect(floating.locator("section.todo")).to_contain_text("驻外党员春节返乡前学习")
        expect(floating.locator("section.todo")).to_contain_text(CITY_CAMPAIGN)

    with server.log_on_failure(), phone(browser, server) as secretary:
        log_in(secretary, server, "shuji")
        secretary.goto("/campaigns/manage/")
        secretary.get_by_role("link", name=CITY_CAMPAIGN).tap()
        secretary.get_by_role("link", name="南山镇红星村党支部的完成情况 ›").tap()
        expect(secretary.locator("h1")).to_contain_text("南山镇红星村党支部 · 完成情况")
        _shot(secretary, backend, "report")
        secretary.get_by_role("button", name="提醒未完成的").tap()
        expect(_flash(secretary)).to_contain_text("已提醒")
        secretary.get_by_role("link", name="党员名单").tap()
        expect(secretary.locator("ul.member-list li").first).to_contain_text("学习档案")
        _shot(secretary, backend, "members")
