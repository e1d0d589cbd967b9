"""A branch secretary's week through real browsers on phone-sized screens.

王建国, secretary of 南山镇红星村党支部, imports two new members from a CSV roster (preview first,
then apply), opens his branch's report, finds the newcomers not started, drills into 陈志强's
archive, and exports the member list as XLSX, which holds his branch's members and nobody else's.

赵振华, secretary of the work committee that hosts 陈志强 in 深圳, sends last month's periodic
report home (定期通报). 王建国 finds it under 收到的通报 with 陈志强 in it.

陈志强 opens his electronic member card; 赵振华 scans it and sees who he is and adds a management
record; an anonymous phone scanning the same link learns only whose card it is and that it is
valid.

Pages must not scroll sideways at 390 px; screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, expect

from school.db import utcnow
from tests.browser.support import (
    Server,
    card_link,
    check_fits_phone,
    log_in,
    nav_link,
    phone,
    screenshot,
)

ROSTER = (
    "党员编号,姓名,性别,手机号,入党日期,组织关系所在党组织\n"
    "QC0009001,孟春生,男,13907319001,2012-07-01,QC020101\n"
    "QC0009002,姜秋华,女,13907319002,2019-06-30,南山镇红星村党支部\n"
)


def _flash(page: Page):
    return page.locator("p.flash[role=status]")


def _shot(page: Page, backend: str, name: str) -> None:
    check_fits_phone(page, name)
    screenshot(page, f"secretary-journey-{backend}-{name}")


def test_secretary_imports_reports_exports_and_receives_the_report_home(
    browser: Browser, page: Page, server: Server, backend: str
) -> None:
    with server.log_on_failure():
        secretary = page
        log_in(secretary, server, "shuji")

        # Roster import: upload, preview, apply.
        nav_link(secretary, "管理").tap()
        secretary.get_by_role("navigation", name="管理").get_by_role("link", name="名册导入").tap()
        expect(secretary.locator("h1")).to_have_text("导入党员名册")
        secretary.locator("#roster-file").set_input_files(
            {"name": "名册.csv", "mimeType": "text/csv", "buffer": ROSTER.encode("utf-8-sig")}
        )
        secretary.get_by_role("button", name="上传并预览").tap()
        expect(secretary.locator("h1")).to_have_text("名册导入预览")
        expect(secretary.locator("dl")).to_contain_text("将新建2 人")
        _shot(secretary, backend, "roster-preview")
        secretary.get_by_role("button", name="确认导入").tap()
        expect(secretary.locator("h1")).to_have_text("名册已导入")

        # The branch's report: the newcomers have not started.
        nav_link(secretary, "报表").tap()
        expect(secretary.locator("h1")).to_contain_text("南山镇红星村党支部")
        _shot(secretary, backend, "report-overview")
        secretary.get_by_role("link", name="党员名单").tap()
        table = secretary.locator("table.report-table")
        expect(table).to_contain_text("孟春生")
        expect(table.locator("tr", has_text="姜秋华")).to_contain_text("未开始")
        _shot(secretary, backend, "report-members")

        # The XLSX holds exactly this branch's members (张丽 belongs to another district).
        with secretary.expect_download() as download_info:
            secretary.get_by_role("link", name="导出 Excel").tap()
        sheet = load_workbook(io.BytesIO(download_info.value.path().read_bytes())).active
        names = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
        assert {"王建国", "陈志强", "孟春生", "姜秋华"} <= names
        assert "张丽" not in names

        # Drill into a member's archive.
        table.get_by_role("link", name="陈志强").tap()
        expect(secretary).to_have_url(re.compile(r"/archive/members/\d+"))
        expect(secretary.locator("main")).to_contain_text("春节返乡流动党员集中培训")
        _shot(secretary, backend, "member-archive")

        # The host side sends last month's report home.
        with phone(browser, server) as host:
            log_in(host, server, "gongwei")
            nav_link(host, "报表").tap()
            host.get_by_role("link", name="定期通报").tap()
            host.get_by_role("button", name="预览通报内容").tap()
            expect(host.locator("main")).to_contain_text("陈志强")
            _shot(host, backend, "bulletin-preview")
            host.get_by_role("button", name=re.compile("发送给")).tap()
            expect(_flash(host)).to_contain_text("定期通报")

        # ... and the home branch finds it in its inbox.
        nav_link(secretary, "报表").tap()
        secretary.get_by_role("link", name="定期通报").tap()
        secretary.get_by_role("link", name="收到的通报").tap()
        secretary.get_by_role("link", name=re.compile("驻深圳流动党员党支部|工作委员会")).tap()
        expect(secretary.locator("main")).to_contain_text("陈志强")
        _shot(secretary, backend, "bulletin-received")


def test_host_staff_scan_a_member_card_and_add_a_record(
    browser: Browser, page: Page, server: Server, backend: str
) -> None:
    with server.log_on_failure():
        member = page
        log_in(member, server, "liudong")
        nav_link(member, "我的").tap()
        member.get_by_role("link", name="党员身份电子卡").tap()
        expect(member.locator("#card-qr svg")).to_be_visible()
        _shot(member, backend, "card")
        link = card_link(server, "liudong")

        with phone(browser, server) as stranger:
            stranger.goto(link)
            expect(stranger.locator("h1")).to_have_text("党员身份电子卡有效")
            expect(stranger.locator("main")).to_contain_text("陈志强")
            expect(stranger.locator("main")).not_to_contain_text("驻深圳流动党员党支部")
            _shot(stranger, backend, "card-scan-anonymous")

        with phone(browser, server) as staff:
            log_in(staff, server, "gongwei")
            staff.goto(link)
            expect(staff.locator("main")).to_contain_text("陈志强")
            expect(staff.locator("main")).to_contain_text("驻深圳流动党员党支部")
            staff.get_by_label("管理记录").check()
            staff.get_by_label("日期").fill(utcnow().date().isoformat())
            staff.get_by_label("内容").fill("走访了解近况，已按时参加组织生活")
            staff.get_by_role("button", name="保存记录").tap()
            expect(_flash(staff)).to_have_text("已添加管理记录。")
            _shot(staff, backend, "card-scan-staff")
