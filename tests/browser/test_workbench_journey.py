"""The secretary's workbench through real browsers on phone-sized screens.

王建国, secretary of 南山镇红星村党支部, logs in and lands on his workbench (工作台). He opens the
members behind this year and reminds five of them, after a preview with the count; he imports two
new members from a roster and prints their activation slips; one of them logs in with the slip's
one-time password and must set a password of her own.

陈志强 asks his home branch for help with a matter that belongs where he lives: 王建国 finds it on
his workbench and hands it on (转办) to the host side in 深圳 with a reason and a deadline. 赵振华,
secretary of the work committee above the 深圳 branch, answers it; 王建国 can still read it and
sees the answer, but can no longer act on it; 陈志强 is told who handles it, never why.

王建国 asks for a member's membership to move to 深圳 (转出). Nothing changes until 赵振华 sees the
request on his workbench and accepts it into the 深圳 branch; then the member's home is there, and
both sides see the transfer as accepted.

Pages must not scroll sideways at 390 px; screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from school.reports import overdue
from tests.browser.support import (
    Server,
    check_fits_phone,
    log_in,
    nav_link,
    phone,
    screenshot,
)

ROSTER = (
    "党员编号,姓名,性别,手机号,入党日期,组织关系所在党组织\n"
    "QC0009101,欧阳明,男,13907319101,2012-07-01,QC020101\n"
    "QC0009102,白雪梅,女,13907319102,2019-06-30,南山镇红星村党支部\n"
)
HELP_TITLE = "深圳的孩子入学需要居住证明"
HELP_BODY = "孩子明年要在深圳上小学，街道说要开居住证明和党员身份证明，请问怎么办？"
REASON = "孩子入学在深圳办理，请驻深圳支部协助开具证明"
HOST_REPLY = "已联系宝安区教育局，本周内把需要的材料清单发给您。"
TRANSFER_REASON = "已在深圳定居工作，组织关系转入驻深圳支部"


def _flash(page: Page):
    return page.locator("p.flash[role=status]")


def _shot(page: Page, backend: str, name: str) -> None:
    check_fits_phone(page, name)
    screenshot(page, f"workbench-journey-{backend}-{name}")


def _tile(page: Page, label: str):
    return page.locator("a.tally", has_text=label)


def test_ticks_on_one_page_of_the_overdue_list_go_with_those_on_the_next(
    page: Page, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Pages of two: the server runs in this process, so the demo's few members fill pages.
    monkeypatch.setattr(overdue, "PER_PAGE", 2)
    with server.log_on_failure():
        log_in(page, server, "shuji")
        _tile(page, "今年学时落后或未开始的党员").tap()
        picked = []
        for number in (1, 2):
            # This page, with its ticks' script run (it runs before DOMContentLoaded).
            expect(page.locator("nav.pager")).to_contain_text(f"第 {number}/")
            page.wait_for_load_state("domcontentloaded")
            tick = page.locator("input[type=checkbox][name=member]").first
            tick.check()
            picked.append(tick.get_attribute("aria-label"))
            page.get_by_role("link", name="下一页 ›").tap()
        expect(page.locator("nav.pager")).to_contain_text("第 3/")
        expect(page.locator("#picked-count")).to_have_text("已勾选 2 人（含其他页）")
        # Back on the first page, its tick is still there.
        page.go_back()
        page.go_back()
        expect(page.get_by_role("checkbox", name=picked[0])).to_be_checked()
        page.get_by_role("button", name="提醒下面勾选的党员…").tap()
        expect(page.get_by_role("button", name="确认发送：将提醒 2 人")).to_be_visible()
        for label in picked:
            expect(page.locator("main")).to_contain_text(label.removeprefix("勾选 "))


def test_the_workbench_leads_to_the_overdue_and_new_members_get_slips(
    browser: Browser, page: Page, server: Server, backend: str
) -> None:
    with server.log_on_failure():
        secretary = page
        log_in(secretary, server, "shuji")
        expect(secretary).to_have_url(f"{server.url}/workbench/")
        expect(secretary.locator("h1")).to_have_text("工作台")
        behind = _tile(secretary, "今年学时落后或未开始的党员")
        expect(behind.locator(".tally-count")).to_have_text(re.compile(r"^[1-9]\d*$"))
        _shot(secretary, backend, "workbench")

        behind.tap()
        expect(secretary).to_have_url(re.compile(r"/reports/\d+/overdue$"))
        expect(secretary.locator("main")).to_contain_text("陈志强")
        _shot(secretary, backend, "overdue")

        # Five of them, ticked, with the message previewed and the count confirmed.
        ticks = secretary.locator("input[type=checkbox][name=member]")
        assert ticks.count() >= 5
        for i in range(5):
            ticks.nth(i).check()
        secretary.get_by_role("button", name="提醒下面勾选的党员…").tap()
        expect(secretary.locator("h1")).to_contain_text("发送提醒")
        confirm = secretary.get_by_role("button", name="确认发送：将提醒 5 人")
        expect(confirm).to_be_visible()
        _shot(secretary, backend, "remind-preview")
        confirm.tap()
        expect(_flash(secretary)).to_contain_text("已提醒 5 人")

        # Two new members from a roster; the result leads to their activation slips.
        nav_link(secretary, "管理").tap()
        secretary.get_by_role("navigation", name="管理").get_by_role("link", name="名册导入").tap()
        secretary.locator("#roster-file").set_input_files(
            {"name": "名册.csv", "mimeType": "text/csv", "buffer": ROSTER.encode("utf-8-sig")}
        )
        secretary.get_by_role("button", name="上传并预览").tap()
        secretary.get_by_role("button", name="确认导入").tap()
        expect(secretary.locator("h1")).to_have_text("名册已导入")
        secretary.get_by_role("link", name="为本次新建的党员打印激活单").tap()
        expect(secretary.locator("h1")).to_have_text("打印激活单")
        main = secretary.locator("main")
        expect(main).to_contain_text("欧阳明")
        expect(main).to_contain_text("白雪梅")
        # Only the accounts this import created: the branch's other members are not listed.
        expect(main).not_to_contain_text("陈志强")
        _shot(secretary, backend, "activation-list")
        secretary.get_by_label("选择欧阳明").check()
        secretary.get_by_label("选择白雪梅").check()
        secretary.get_by_role("button", name="生成一次性密码并打印").tap()
        slip = secretary.locator("article.slip", has_text="白雪梅")
        expect(secretary.locator("article.slip")).to_have_count(2)
        expect(slip.locator(".slip-login")).to_contain_text("QC0009102")
        password = slip.locator(".slip-password").inner_text().replace(" ", "").strip()
        assert len(password) >= 8, password
        screenshot(secretary, f"workbench-journey-{backend}-slips")

        # 白雪梅 logs in with her slip and must choose her own password first.
        with phone(browser, server) as newcomer:
            newcomer.goto("/login")
            newcomer.locator("#username").fill("QC0009102")
            newcomer.locator("#password").fill(password)
            newcomer.get_by_role("button", name="登录", exact=True).click()
            expect(newcomer).to_have_url(f"{server.url}/account/password")
            newcomer.goto("/")
            expect(newcomer).to_have_url(f"{server.url}/account/password")


def test_a_help_request_is_handed_on_to_the_host_side(
    browser: Browser, page: Page, server: Server, backend: str
) -> None:
    with server.log_on_failure():
        member = page
        log_in(member, server, "liudong")
        member.goto("/forum/help/new")
        member.locator("#help_category").select_option(index=1)
        member.locator("#title").fill(HELP_TITLE)
        member.locator("#body").fill(HELP_BODY)
        expect(member.get_by_label("流出地：南山镇红星村党支部")).to_be_checked()
        member.get_by_role("button", name="提交", exact=True).tap()
        expect(_flash(member)).to_contain_text("已提交。")
        thread_url = member.url

        with phone(browser, server) as home:
            log_in(home, server, "shuji")
            waiting = _tile(home, "待答复的咨询、建议和求助")
            expect(waiting.locator(".tally-count")).to_have_text(re.compile(r"^[1-9]\d*$"))
            waiting.tap()
            home.locator("li.thread-card", has_text=HELP_TITLE).get_by_role(
                "link", name=HELP_TITLE
            ).tap()
            expect(home).to_have_url(thread_url)
            forward = home.locator("section#forward")
            forward.locator("#forward-to").select_option(label="流入地：驻深圳流动党员党支部")
            forward.locator("#forward-reason").fill(REASON)
            _shot(home, backend, "forward")
            forward.get_by_role("button", name="转办").tap()
            expect(home.locator("main")).to_contain_text("这个事项已转交")
            expect(home.locator("section#forwards")).to_contain_text(REASON)
            # Handed on: no reply box and no forwarding for the home side any more.
            expect(home.locator("section#forward")).to_have_count(0)
            expect(home.get_by_role("button", name="发送", exact=True)).to_have_count(0)

            with phone(browser, server) as host:
                log_in(host, server, "gongwei")
                host.goto(thread_url)
                expect(host.locator(".thread-head")).to_contain_text("经办：驻深圳流动党员党支部")
                host.locator("#body").fill(HOST_REPLY)
                host.get_by_role("button", name="发送", exact=True).tap()
                expect(_flash(host)).to_have_text("已发送。")

            # The home side sees how it ended.
            home.goto(thread_url)
            expect(home.locator("article.post-official")).to_contain_text(HOST_REPLY)
            _shot(home, backend, "forwarded-answered")

        # 陈志强 reads the answer and who handles it, never the reason between organisations.
        member.goto(thread_url)
        expect(member.locator(".thread-head")).to_contain_text("驻深圳流动党员党支部")
        expect(member.locator("article.post-official")).to_contain_text(HOST_REPLY)
        expect(member.locator("main")).not_to_contain_text(REASON)


def test_a_transfer_is_requested_accepted_and_shown_on_both_sides(
    browser: Browser, page: Page, server: Server, backend: str
) -> None:
    with server.log_on_failure():
        home = page
        log_in(home, server, "shuji")
        nav_link(home, "管理").tap()
        home.locator("#q").fill("陈志强")
        home.get_by_role("button", name="筛选").tap()
        home.get_by_role("link", name="陈志强").first.tap()
        expect(home).to_have_url(re.compile(r"/manage/members/\d+$"))
        member_url = home.url
        home.get_by_role("link", name="发起转出申请").tap()
        home.locator("#q").fill("深圳")
        home.locator("main").get_by_role("button", name="搜索").tap()
        home.get_by_label(re.compile("驻深圳流动党员党支部")).check()
        home.locator("#reason").fill(TRANSFER_REASON)
        _shot(home, backend, "transfer-request")
        home.get_by_role("button", name="提交转出申请").tap()
        expect(home.locator("main")).to_contain_text("待接收")
        # Until the other side accepts, the membership stays where it was.
        home.goto(member_url)
        expect(home.locator("main")).to_contain_text("南山镇红星村党支部")

        with phone(browser, server) as host:
            log_in(host, server, "gongwei")
            waiting = _tile(host, "待接收的组织关系转接")
            expect(waiting.locator(".tally-count")).to_have_text("1")
            waiting.tap()
            host.get_by_role("link", name="陈志强").first.tap()
            expect(host.locator("main")).to_contain_text(TRANSFER_REASON)
            placed = host.locator("#accept-placed")
            shenzhen = placed.locator("option", has_text="驻深圳流动党员党支部").first
            placed.select_option(label=shenzhen.inner_text())
            _shot(host, backend, "transfer-accept")
            host.get_by_role("button", name="接收", exact=True).tap()
            expect(host.locator("main")).to_contain_text("已接收")
            # The member's history on the receiving side records the move.
            host.goto(member_url)
            expect(host.locator("main")).to_contain_text("转接组织关系")
            # Nothing waits any more: the count moves to the list of what is done.
            host.goto("/workbench/")
            expect(_tile(host, "待接收的组织关系转接")).to_have_count(0)
            done = host.locator("a.tally-done", has_text="待接收的组织关系转接")
            expect(done).to_contain_text("0")

        # The sending side's list shows it accepted; the member's home is now 深圳.
        home.goto("/manage/transfers/")
        expect(home.locator("main")).to_contain_text("已接收")
        _shot(home, backend, "transfers-sent")
