"""The boards through real browsers on phone-sized screens, several people at once.

A help request end to end: the floating member 陈志强 files a 工资拖欠 request with the host
organisation (驻深圳流动党员党支部); 赵振华, secretary of the work committee above it, finds it in
his 待办事项, sees who wrote it, writes an internal note and a reply, assigns it to himself and
closes it. 陈志强 gets the news in 消息, opens it and reads the reply and the state, but never the
internal note. 王建国 (secretary of 陈志强's home branch, which the request was not sent to) and
张丽 (a member elsewhere) get 404 for its address.

A public question: 张丽 asks on 咨询答疑, publicly and anonymously; 陈志强 finds it on the board
without her name and reads it as 匿名党员; the system administrator, the only staff above her
branch in the demo tree, answers it (已答复) and she accepts the answer (已解决).

Each person has a browser context of their own, so the sessions never mix. The index, the form,
a thread and the queue must not scroll sideways at 390 px; screenshots go to ``test-artifacts/``.
The server is the real app on a fresh database per backend, loaded like ``make run``.
"""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.browser.support import (
    MEMBER,
    Server,
    check_fits_phone,
    log_in,
    nav_link,
    phone,
    screenshot,
)

THREAD_URL = re.compile(r"/forum/threads/(\d+)$")

HELP_TITLE = "工地拖欠三个月工资，老板联系不上"
HELP_BODY = "我在宝安区一个工地做钢筋工，去年十月到十二月的工资一直没有结清，包工头电话也打不通。"
NOTE = "内部：已联系宝安区劳动监察大队，周五前回复"
REPLY = "已将您的情况转交宝安区劳动监察大队，请保留考勤记录和工资条，有进展会第一时间告诉您。"

QA_TITLE = "外出务工期间怎样按时交纳党费"
QA_BODY = "我在外地打工，流出地支部离得远，党费可以在手机上交吗？需要找谁开证明？"
ANSWER = "可以通过支部的线上缴费渠道按月交纳，也可以委托家人代交，不需要另外开证明。"


def _screenshot(page: Page, backend: str, name: str) -> None:
    screenshot(page, f"board-journey-{backend}-{name}")


def _board_card(page: Page, heading: str):
    return page.locator("ul.board-list > li", has=page.get_by_role("heading", name=heading))


def _flash(page: Page):
    return page.locator("p.flash[role=status]")


def _state(page: Page):
    return page.locator(".thread-head .badge[class*='state-']")


def _send(page: Page, text: str, *, note: bool = False) -> None:
    """Write in the thread's reply box and send it."""
    page.locator("#body").fill(text)
    if note:
        page.get_by_label("内部备注（只有经办人员能看到）").tap()
        expect(page.get_by_label("内部备注（只有经办人员能看到）")).to_be_checked()
    page.get_by_role("button", name="发送", exact=True).tap()
    expect(_flash(page)).to_have_text("已发送。")


def _is_not_found(page: Page, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 404, response and response.status
    expect(page.locator("main")).not_to_contain_text(HELP_TITLE)


def test_help_request_goes_to_the_host_side_and_back(
    browser: Browser, page: Page, server: Server, backend: str
) -> None:
    with server.log_on_failure():
        # 陈志强 asks for help, from the navigation down to the form.
        member = page
        log_in(member, server, "liudong")
        nav_link(member, "咨询").tap()
        expect(member.locator("h1")).to_have_text("咨询与建议")
        check_fits_phone(member, "the board index")
        _screenshot(member, backend, "index")
        _board_card(member, "排忧解难").get_by_role("link", name="我要求助").tap()
        expect(member).to_have_url(f"{server.url}/forum/help/new")
        member.locator("#help_category").select_option(label="工资拖欠")
        member.locator("#title").fill(HELP_TITLE)
        member.locator("#body").fill(HELP_BODY)
        # Both sides are named: he sees which organisation he is sending it to.
        expect(member.get_by_label("流出地：南山镇红星村党支部")).to_be_checked()
        host = member.get_by_label("流入地：驻深圳流动党员党支部")
        host.tap()
        expect(host).to_be_checked()
        check_fits_phone(member, "the new-item form")
        _screenshot(member, backend, "new")
        member.get_by_role("button", name="提交", exact=True).tap()
        expect(member).to_have_url(THREAD_URL)
        thread_url = member.url
        expect(_flash(member)).to_contain_text("已提交。")
        expect(_state(member)).to_have_text("已提交")
        expect(member.locator(".thread-head")).to_contain_text("工资拖欠")

        # 赵振华 handles what is sent to the host side: it waits in his queue with the name.
        with phone(browser, server) as staff:
            log_in(staff, server, "gongwei")
            nav_link(staff, "咨询").tap()
            staff.get_by_role("link", name="待办事项（经办人员）").tap()
            expect(staff).to_have_url(f"{server.url}/forum/queue")
            card = staff.locator("li.thread-card", has_text=HELP_TITLE)
            expect(card.locator(".meta")).to_contain_text("排忧解难 · 已提交 · 陈志强")
            check_fits_phone(staff, "the staff queue")
            _screenshot(staff, backend, "queue")
            card.get_by_role("link", name=HELP_TITLE).tap()
            expect(staff).to_have_url(thread_url)
            head = staff.locator(".thread-head")
            expect(head).to_contain_text("陈志强")
            expect(head).to_contain_text("经办：驻深圳流动党员党支部")

            _send(staff, NOTE, note=True)
            expect(staff.locator("article.post-note")).to_contain_text(NOTE)
            # A note changes nothing for the member: the ticket still waits for an answer.
            expect(_state(staff)).to_have_text("已提交")
            _send(staff, REPLY)
            expect(staff.locator("article.post-official")).to_contain_text(REPLY)
            expect(_state(staff)).to_have_text("已答复")

            tools = staff.locator("section.staff-tools", has=staff.locator("h2", has_text="办理"))
            tools.locator("#assignee").select_option(label="赵振华")
            tools.get_by_role("button", name="分派").tap()
            expect(_flash(staff)).to_have_text("已分派。")
            expect(head).to_contain_text("经办：驻深圳流动党员党支部（赵振华）")
            tools.locator("#to").select_option(label="已关闭")
            tools.get_by_role("button", name="更新").tap()
            expect(_flash(staff)).to_have_text("状态已更新。")
            expect(_state(staff)).to_have_text("已关闭")
            expect(staff.locator("ol.event-list")).to_contain_text("分派给 赵振华")
            check_fits_phone(staff, "a thread as staff")
            _screenshot(staff, backend, "thread-staff")

        # 陈志强 is told: the badge, the inbox, then the thread with the answer only.
        member.goto("/forum/")
        # The reply and the closing each sent one notification; assigning told only 赵振华. The
        # other ten are the demo's notices (city, work committee, home branch), its news (the
        # city's 必读, 党建动态, two 法律法规, 家乡发展), the city's campaign launched and his
        # branch enrolling him in the Spring-Festival class.
        badge = nav_link(member, re.compile("^消息")).locator(".nav-badge")
        expect(badge).to_have_text("12 条未读")
        nav_link(member, re.compile("^消息")).tap()
        news = member.locator("ul.inbox-list li.is-unread", has_text="有了答复")
        expect(news).to_contain_text(f"您的排忧解难“{HELP_TITLE}”有了答复")
        news.get_by_role("link").tap()
        expect(member).to_have_url(thread_url)
        expect(_state(member)).to_have_text("已关闭")
        expect(member.locator("article.post-official")).to_contain_text(REPLY)
        # Who handles it, organisation and person, is his to know.
        expect(member.locator(".thread-head")).to_contain_text(
            "经办：驻深圳流动党员党支部（赵振华）"
        )
        main = member.locator("main")
        expect(main).not_to_contain_text(NOTE)
        expect(main).not_to_contain_text("内部备注")
        # Who handles it among the staff is internal too.
        expect(main).not_to_contain_text("分派给")
        check_fits_phone(member, "a thread as its author")
        _screenshot(member, backend, "thread")

        # Neither the home branch (it went to the host side) nor another member may know of it.
        with phone(browser, server) as home:
            log_in(home, server, "shuji")
            _is_not_found(home, thread_url)
            home.goto("/forum/queue")
            expect(home.locator("ul.thread-list")).not_to_contain_text(HELP_TITLE)
        with phone(browser, server) as other:
            log_in(other, server, MEMBER[0])
            _is_not_found(other, thread_url)


def test_public_question_is_anonymous_answered_and_accepted(
    browser: Browser, page: Page, server: Server, backend: str
) -> None:
    with server.log_on_failure():
        # 张丽 asks in public, without her name.
        asker = page
        log_in(asker, server, MEMBER[0])
        nav_link(asker, "咨询").tap()
        _board_card(asker, "咨询答疑").get_by_role("link", name="我要提问").tap()
        expect(asker).to_have_url(f"{server.url}/forum/qa/new")
        asker.locator("#title").fill(QA_TITLE)
        asker.locator("#body").fill(QA_BODY)
        asker.get_by_label("公开这个问题").tap()
        asker.get_by_label("对其他党员匿名").tap()
        # She has no host organisation: there is nothing to choose between, only where it goes.
        expect(asker.get_by_role("radio")).to_have_count(0)
        expect(asker.locator("main")).to_contain_text("提交给：东城街道第一党支部（流出地）")
        check_fits_phone(asker, "the question form")
        asker.get_by_role("button", name="提交", exact=True).tap()
        # Only the help board shows 求助类别: the other boards' forms must go through without it.
        expect(asker).to_have_url(THREAD_URL)
        thread_url = asker.url
        expect(_state(asker)).to_have_text("待答复")
        expect(asker.locator(".thread-head")).to_contain_text("· 公开")  # not "· 不公开"

        # Another member finds it on the board, and nowhere is it signed with her name.
        with phone(browser, server) as peer:
            log_in(peer, server, "liudong")
            nav_link(peer, "咨询").tap()
            _board_card(peer, "咨询答疑").get_by_role("link", name="看看大家的问答").tap()
            expect(peer).to_have_url(f"{server.url}/forum/qa/")
            card = peer.locator("li.thread-card", has_text=QA_TITLE)
            expect(card).to_contain_text("待答复")
            expect(card).not_to_contain_text("张丽")
            check_fits_phone(peer, "the Q&A board")
            _screenshot(peer, backend, "board")
            card.get_by_role("link", name=QA_TITLE).tap()
            expect(peer).to_have_url(thread_url)
            expect(peer.locator(".thread-head .meta").last).to_contain_text("匿名党员")
            expect(peer.locator("main")).not_to_contain_text("张丽")

        # Her branch (东城街道第一党支部) has no secretary among the demo accounts: only the
        # system administrator handles it.
        with phone(browser, server) as admin:
            log_in(admin, server, "admin")
            admin.goto("/forum/queue?board=qa")
            card = admin.locator("li.thread-card", has_text=QA_TITLE)
            expect(card.locator(".meta")).to_contain_text("咨询答疑 · 待答复 · 张丽")
            card.get_by_role("link", name=QA_TITLE).tap()
            expect(admin).to_have_url(thread_url)
            expect(admin.locator(".thread-head")).to_contain_text("张丽")
            _send(admin, ANSWER)
            expect(_state(admin)).to_have_text("已答复")

        # She accepts the answer and the question is resolved.
        asker.reload()
        expect(_state(asker)).to_have_text("已答复")
        answer = asker.locator("article.post-official", has_text=ANSWER)
        answer.get_by_role("button", name="采纳这个答复").tap()
        expect(_flash(asker)).to_have_text("已采纳，问题已解决。")
        expect(_state(asker)).to_have_text("已解决")
        expect(asker.locator("article.post-accepted")).to_contain_text(ANSWER)
        expect(asker.get_by_role("button", name="采纳这个答复")).to_have_count(0)
        check_fits_phone(asker, "a resolved question")
        _screenshot(asker, backend, "resolved")
