"""Target management and commendation through real browsers on phone-sized screens.

陈志强, a floating member in 深圳, opens 我的 › 目标管理 on his phone and rewrites his self-report
(自评述职). 赵振华, secretary of the work committee that hosts him, opens the committee's scheme,
finds 陈志强 among its members and scores a manual indicator; the sheet shows the new score.

The city's 优秀流动党员 round has 陈志强 in its 公示 (the demo starts it). 张丽, a member of the
city, reads the notice and objects; the city's administrator answers the objection, and once the
notice period is over publishes the result; 陈志强 then finds the honour in his study archive
and on his electronic member card.

张丽 recommends two of the city's four candidates for the party congress on her phone; the city
sees one more voter in the turnout and nothing else. 陈志强 takes part in his home branch's
democratic appraisal: he appraises himself, rates each of his fellow members in a secret ballot and
confirms it; the rest of the branch votes too; after the close the branch secretary sees how many
peers gave him each grade, never who, and records his grade, which 陈志强 then finds in his study
archive.

Pages must not scroll sideways at 390 px; screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select, update

from school import create_app
from school.appraisal import services as appraisal
from school.appraisal.models import AppraisalRound
from school.auth.models import User
from school.ballots.models import BallotBox
from school.db import db, utcnow
from school.honours.models import HonourRound
from tests.browser.support import (
    Server,
    check_fits_phone,
    in_database,
    log_in,
    nav_link,
    phone,
    screenshot,
)

REPORT = "今年在深圳带领商会党员参加了四次主题党日，按时完成学时，并帮助两名会员解决了欠薪问题。"
COMMENT = "主动向党组织报告外出情况，按月参加流入地支部活动。"
OBJECTION = "听说他今年有两个月没有参加支部活动，请核实。"
ANSWER = "经核实，两个月均有请假记录并已补学，异议不成立。"
SELF = "按时参加支部的线上组织生活，学时已经达标；回乡次数少，参加线下活动不够。"
VERDICT = "在深圳带头组织流动党员学习，群众评价好。"


def _flash(page: Page):
    return page.locator("p.flash[role=status]")


def _shot(page: Page, backend: str, name: str) -> None:
    check_fits_phone(page, name)
    screenshot(page, f"incentives-journey-{backend}-{name}")


def test_a_member_reports_on_his_targets_and_the_host_committee_scores(
    browser: Browser, page: Page, server: Server, backend: str
) -> None:
    with server.log_on_failure():
        member = page
        log_in(member, server, "liudong")
        nav_link(member, "我的").tap()
        member.get_by_role("link", name="目标管理").tap()
        expect(member.locator("h1")).to_have_text("驻外流动党员年度目标考核")
        for dimension in ("政治思想", "执行纪律", "组织观念", "发挥作用"):
            expect(member.locator("main")).to_contain_text(dimension)
        member.locator("#body").fill(REPORT)
        member.get_by_role("button", name="保存自评述职").tap()
        expect(_flash(member)).to_be_visible()
        expect(member.locator("#body")).to_have_value(REPORT)
        _shot(member, backend, "self-report")

        with phone(browser, server) as staff:
            log_in(staff, server, "gongwei")
            staff.goto("/manage/targets/")
            staff.get_by_role("link", name="驻外流动党员年度目标考核").first.tap()
            staff.get_by_role("link", name=re.compile("党员考核")).first.tap()
            staff.get_by_role("link", name="陈志强的考核表").tap()
            expect(staff.locator("h1")).to_have_text("陈志强的目标考核")
            # His own words reach the committee.
            expect(staff.locator("main")).to_contain_text(REPORT)
            form = staff.locator("form.target-score-form").first
            weight = int(form.locator("input[name=points]").get_attribute("max"))
            form.locator("input[name=points]").fill(str(weight))
            form.locator("textarea[name=comment]").fill(COMMENT)
            _shot(staff, backend, "score")
            form.get_by_role("button").tap()
            expect(_flash(staff)).to_be_visible()
            expect(staff.locator("main")).to_contain_text(COMMENT)

        # The member sees the score and the comment on his own sheet.
        member.reload()
        expect(member.locator("main")).to_contain_text(COMMENT)


def test_a_commendation_goes_through_its_notice_with_an_objection_into_the_archive_and_card(
    browser: Browser, page: Page, server: Server, backend: str
) -> None:
    with server.log_on_failure():
        objector = page
        log_in(objector, server, "dangyuan")
        nav_link(objector, "我的").tap()
        objector.get_by_role("link", name="评先评优").tap()
        objector.get_by_role("link", name=re.compile("优秀流动党员")).first.tap()
        expect(objector.locator("h1")).to_contain_text("拟表彰人选公示")
        expect(objector.locator("main")).to_contain_text("陈志强")
        objector.locator("#nomination").select_option(label="陈志强")
        objector.locator("#body").fill(OBJECTION)
        _shot(objector, backend, "objection")
        objector.get_by_role("button", name="提交异议").tap()
        expect(_flash(objector)).to_contain_text("您的姓名只有党委工作人员能看到")
        mine = objector.locator("section", has=objector.locator("#mine-title"))
        expect(mine).to_contain_text("对 陈志强")

        with phone(browser, server) as city:
            log_in(city, server, "admin")
            city.goto("/manage/honours/")
            city.get_by_role("link", name=re.compile("优秀流动党员")).first.tap()
            objection = city.locator("article.honour-item", has_text=OBJECTION)
            # The committee sees who objected; the objector's name is theirs alone.
            expect(objection).to_contain_text("张丽")
            objection.get_by_label(re.compile("异议不成立")).check()
            objection.locator("textarea[name=text]").fill(ANSWER)
            objection.get_by_role("button", name="提交").tap()
            expect(_flash(city)).to_contain_text("异议已处理")
            # Publishing waits for the notice period to end: let it have ended two days ago
            # (whatever the school's time zone makes of today).
            ended = datetime.now(UTC).date() - timedelta(days=2)
            in_database(
                server,
                lambda c: c.execute(
                    update(HonourRound)
                    .where(HonourRound.title == "优秀流动党员")
                    .values(notice_starts_on=ended - timedelta(days=7), notice_ends_on=ended)
                ),
            )
            city.reload()
            city.get_by_role("button", name="公布结果").tap()
            expect(_flash(city)).to_be_visible()
            _shot(city, backend, "published")

        # The objector hears the answer on the notice page.
        objector.reload()
        expect(mine).to_contain_text(ANSWER)

        with phone(browser, server) as honoured:
            log_in(honoured, server, "liudong")
            honoured.goto("/archive/")
            expect(honoured.locator("main")).to_contain_text("优秀流动党员")
            _shot(honoured, backend, "archive")
            nav_link(honoured, "我的").tap()
            honoured.get_by_role("link", name="党员身份电子卡").tap()
            expect(honoured.locator("main")).to_contain_text("优秀流动党员")
            _shot(honoured, backend, "card")


def test_a_member_recommends_candidates_by_secret_ballot(
    browser: Browser, page: Page, server: Server, backend: str
) -> None:
    with server.log_on_failure():
        voter = page
        log_in(voter, server)
        voter.goto("/ballots/")
        voter.get_by_role("link", name="推荐青川市第十三次党代会代表候选人").first.tap()
        ticks = voter.locator("input[type=checkbox][name=candidate]")
        expect(ticks).to_have_count(4)
        ticks.nth(0).check()
        ticks.nth(2).check()
        _shot(voter, backend, "recommend")
        voter.get_by_role("button", name="下一步：确认").tap()
        expect(voter.locator("h1")).to_have_text("确认投票")
        voter.get_by_role("button", name="确认投票").tap()
        expect(voter.locator("main")).to_contain_text("您已于")

        with phone(browser, server) as city:
            log_in(city, server, "admin")
            city.goto("/ballots/manage/")
            city.get_by_role("link", name="推荐青川市第十三次党代会代表候选人").first.tap()
            expect(city.locator("#turnout")).to_contain_text("已投票 1 人")
            # Still open: no counts, and never who chose whom.
            expect(city.locator("main")).not_to_contain_text("张丽")


def _vote_for_the_rest_of_the_branch(server: Server, voted: str) -> None:
    """The branch's other members cast their ballots, as their phones would: every peer 合格."""
    app = create_app({"DATABASE_URL": server.database_url, "SECRET_KEY": "browser-test-secret"})
    try:
        with app.app_context():
            appraisal_round = db.session.scalar(select(AppraisalRound))
            for member_id in sorted(appraisal.participant_ids(appraisal_round)):
                member = db.session.get(User, member_id)
                if member.username == voted:
                    continue
                marks = {p.id: "合格" for p in appraisal.peers_of(member, appraisal_round)}
                appraisal.vote(member, appraisal_round, marks, utcnow())
            db.session.commit()
    finally:
        app.extensions["school.db"].engine.dispose()


def test_an_appraisal_round_from_self_appraisal_and_secret_ballot_to_the_grade(
    browser: Browser, page: Page, server: Server, backend: str
) -> None:
    with server.log_on_failure():
        member = page
        log_in(member, server, "liudong")
        nav_link(member, "我的").tap()
        member.get_by_role("link", name="民主评议").tap()
        member.get_by_role("link", name=re.compile("年度民主评议党员")).first.tap()
        own = member.locator("#self")
        own.get_by_label("合格", exact=True).check()
        own.locator("textarea").fill(SELF)
        own.get_by_role("button", name="保存自我评议").tap()
        expect(_flash(member)).to_be_visible()
        ballot = member.locator("#ballot")
        peers = ballot.locator("fieldset")
        expect(peers.first).to_be_visible()
        assert peers.count() >= 4
        for i in range(peers.count()):
            peers.nth(i).get_by_label("优秀", exact=True).check()
        _shot(member, backend, "appraisal-ballot")
        ballot.get_by_role("button", name="下一步：确认").tap()
        member.get_by_role("button", name="确认投票").tap()
        expect(member.locator("#ballot")).to_contain_text("您已于")

        _vote_for_the_rest_of_the_branch(server, "liudong")
        # The round ends: a minute ago.
        in_database(
            server,
            lambda c: c.execute(
                update(BallotBox)
                .where(BallotBox.kind == "appraisal")
                .values(
                    opens_at=datetime.now(UTC) - timedelta(days=1),
                    closes_at=datetime.now(UTC) - timedelta(minutes=1),
                )
            ),
        )
        with phone(browser, server) as staff:
            log_in(staff, server, "shuji")
            staff.goto("/appraisal/manage/")
            staff.get_by_role("link", name=re.compile("年度民主评议党员")).first.tap()
            expect(staff.locator("#turnout")).to_contain_text("投票率 100%")
            row = staff.locator("li.card", has_text="陈志强")
            # Every other member gave him 合格; his own ballot is not among his counts.
            counts = row.locator(".peer-counts")
            expect(counts).to_contain_text("合格")
            expect(row).to_contain_text("自评：合格")
            row.locator("select[name=grade]").select_option("优秀")
            row.locator("textarea[name=comment]").fill(VERDICT)
            _shot(staff, backend, "appraisal-grade")
            row.get_by_role("button", name="评定并通知本人").tap()
            expect(_flash(staff)).to_be_visible()

        member.goto("/archive/")
        expect(member.locator("main")).to_contain_text("民主评议")
        expect(member.locator("main")).to_contain_text("优秀")
        _shot(member, backend, "appraisal-archive")
