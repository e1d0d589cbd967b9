"""Points (积分) on a phone: earned by today's practice, seen by the member, counted for the branch.

陈志强 opens 我的积分 on his phone (390 × 844): today's points, the year's total, the rules with
how far he is from today's caps, and the ledger. He hands in today's practice (每日答题, 2 points
in the demo's rules, once a day) and his page shows the 2 points, today and for the year, at the
top of the ledger. In the branch's ranking he is 匿名党员 to his secretary until he chooses, on
我的, to show his name. His branch secretary sees his year's total on 管理 → 积分. Every page
fits the phone, its controls are at least 44 × 44 px, and axe finds nothing serious.
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


def _figures(page: Page) -> tuple[int, int]:
    return int(page.locator("#today-points").inner_text()), int(
        page.locator("#year-points").inner_text()
    )


def _ranking_line(page: Page, server: Server, name: str):
    """The secretary's view of the branch's ranking: the line naming ``name``, if any."""
    page.goto(f"{server.url}/points/manage/")
    page.get_by_role("link", name="排行（按党员意愿显示姓名）").tap()
    return page.locator("ol.points-ranking li", has_text=name)


def test_practice_earns_points_the_member_sees_and_the_branch_counts(
    page: Page, server: Server, backend: str
):
    page.add_init_script(path=AXE)
    with server.log_on_failure():
        log_in(page, server, "shuji")
        expect(_ranking_line(page, server, "陈志强")).to_have_count(0)
        page.context.clear_cookies()

        log_in(page, server, "liudong")
        page.goto(f"{server.url}/profile/")
        page.get_by_role("link", name="我的积分").tap()
        expect(page.locator("h1")).to_have_text("我的积分")
        today, year = _figures(page)
        expect(page.locator("ul.points-rules")).to_contain_text("每日答题")
        _checked(page, "my points")

        page.goto(f"{server.url}/practice/")
        page.get_by_role("button", name="交卷").tap()
        expect(page.locator("#practice-result")).to_be_visible()

        page.goto(f"{server.url}/points/")
        assert _figures(page) == (today + 2, year + 2)
        newest = page.locator("ul.points-ledger li").first
        expect(newest).to_contain_text("+2")
        expect(newest).to_contain_text("每日答题")
        _checked(page, "my points after practice")
        screenshot(page, f"points-journey-{backend}-member")

        page.goto(f"{server.url}/profile/")
        page.get_by_label("在本支部积分排行中显示我的姓名").check()
        page.locator("#points").get_by_role("button", name="保存").tap()
        expect(page.locator("main")).to_contain_text("排行榜中将显示您的姓名")
        page.context.clear_cookies()

        log_in(page, server, "shuji")
        page.goto(f"{server.url}/points/manage/")
        line = page.locator("ol.points-ranking li", has_text="陈志强")
        expect(line).to_contain_text(str(year + 2))
        _checked(page, "branch points")
        screenshot(page, f"points-journey-{backend}-branch")
        expect(_ranking_line(page, server, "陈志强")).to_contain_text(str(year + 2))
