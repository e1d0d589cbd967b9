"""Completion reports: the numbers, the pages, and who may see which members."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from school.archive import services as archive
from school.auth import services as accounts
from school.auth.models import User
from school.clock import current_year
from school.courses import services as courses
from school.courses.models import Course
from school.db import db
from school.members.flows import record_flow
from school.orgs.models import Organisation
from school.reports import queries
from school.reports.queries import Filters
from tests.conftest import login
from tests.factories import make_user

YEAR = 2025
# Half way through the year (182 of 365 days): a member with 16 of 32 学时 is on track.
MIDYEAR = date(YEAR, 7, 1)
ROUTES = ["", "/members", "/grid"]


def org(name: str) -> Organisation:
    return db.session.scalar(select(Organisation).where(Organisation.name == name))


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def study(username: str, hours: float | int, month: int = 3, year: int = YEAR) -> None:
    """Offline study in the member's archive, which keeps their YearProgress in step."""
    archive.append_offline(
        user(username),
        title="集中学习",
        hours=Decimal(str(hours)),
        completed_at=datetime(year, month, 10, 4, tzinfo=UTC),
        recorded_by=user("admin"),
    )


def complete_course(username: str, slug: str = "rules") -> None:
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    now = datetime.now(UTC)
    for lesson in course.lessons:
        courses.complete_lesson(user(username), lesson, now)


def text(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


# --- the numbers ---------------------------------------------------------------------------------


def test_statuses_against_the_quota(app, world):
    with app.app_context():
        study("member", 16)  # 16 of 32 by July: on track
        study("viewer", 10)  # 10 of 32 by July: behind
        study("secretary", 40)  # a cadre: 40 of 56 is on track, not met
        study("other", 32)  # met
        db.session.commit()
        filters = Filters(year=YEAR)
        page = queries.member_rows(org("区委"), filters, today=MIDYEAR)
        statuses = {row.name: row.status for row in page.rows}
        assert statuses == {
            "张党员": "on_track",
            "孙查看": "behind",
            "赵书记": "on_track",
            "李党员": "met",
            "陈流动": "not_started",
        }
        quotas = {row.name: row.quota for row in page.rows}
        assert quotas["赵书记"] == 56 and quotas["张党员"] == 32
        # A year that is over: whoever has not met the quota is behind.
        late = {r.name: r.status for r in queries.member_rows(org("区委"), filters).rows}
        assert late["张党员"] == "behind" and late["李党员"] == "met"
        report = queries.overview(org("区委"), filters, today=MIDYEAR)
        assert report.total.members == 5
        assert report.total.statuses == {"met": 1, "on_track": 2, "behind": 1, "not_started": 1}
        assert report.total.average_hours == Decimal("19.6")  # 98 / 5
        assert report.total.completion == 60


def test_course_completion_rate_counts_published_courses_in_scope(app, world):
    with app.app_context():
        complete_course("member")
        complete_course("other")  # 二支部: not in 一支部's report
        db.session.commit()
        report = queries.overview(org("一支部"), Filters(year=YEAR))
        rates = {c.course.slug: (c.completed, c.members, c.rate) for c in report.courses}
        # 一支部: 张党员, 赵书记, 孙查看; the draft course is not reported.
        assert rates == {"rules": (1, 3, 33)}
        district = queries.overview(org("区委"), Filters(year=YEAR))
        assert [(c.completed, c.members) for c in district.courses] == [(2, 5)]


def test_floating_member_counts_in_both_sub_organisations(app, world):
    with app.app_context():
        study("floating", 40)
        db.session.commit()
        city = org("市委")

        def suborgs(relation):
            report = queries.overview(city, Filters(year=YEAR, relation=relation))
            rows = {s.org.name if s.org else "本级": s.tally for s in report.suborgs}
            return report.total, rows

        total, rows = suborgs("both")
        # 区委: 张党员, 李党员, 陈流动 (home), 赵书记, 孙查看; 工委: 钱工委 and 陈流动 (host);
        # 王教员 sits directly in 市委. The floating member is counted once in the total.
        assert total.members == 7
        assert rows["区委"].members == 5 and rows["区委"].statuses["met"] == 1
        assert rows["工委"].members == 2 and rows["工委"].statuses["met"] == 1
        assert rows["本级"].members == 1
        assert rows["区委"].floating == 0  # build_world does not mark anyone as floating
        _, home_only = suborgs("home")
        assert home_only["工委"].members == 1
        _, host_only = suborgs("host")
        assert host_only["工委"].members == 1 and host_only["区委"].members == 0


def test_monthly_trend_sums_months_and_tracks_the_quota(app, world):
    with app.app_context():
        study("member", 4, month=1)
        study("member", 2, month=3)
        study("viewer", 6, month=3)
        db.session.commit()
        report = queries.overview(org("一支部"), Filters(year=YEAR))
        trend = {m.month: m for m in report.trend}
        assert trend[1].total == 4 and trend[3].total == 8 and trend[2].total == 0
        # Three members (one a cadre: quota 56): cumulative per member and the pro-rata quota.
        assert trend[3].cumulative == Decimal("4.0")  # 12 / 3
        assert trend[12].quota == Decimal("40.0")  # (32 + 32 + 56) / 3
        assert trend[6].quota == Decimal("20.0")


def test_sort_and_pagination(app, world):
    with app.app_context():
        branch = org("一支部")
        for i in range(60):
            make_user(f"bulk{i:02d}", f"批量{i:02d}", home_org=branch)
        db.session.flush()
        study("bulk07", 30)
        study("bulk03", 20)
        db.session.commit()
        first = queries.member_rows(branch, Filters(year=YEAR), page=1)
        assert first.total == 63 and first.pages == 2 and len(first.rows) == 50
        last = queries.member_rows(branch, Filters(year=YEAR), page=2)
        assert len(last.rows) == 13
        names = [r.name for r in first.rows + last.rows if r.name.startswith("批量")]
        assert names == sorted(names) and len(names) == 60
        by_hours = queries.member_rows(branch, Filters(year=YEAR, sort="hours", desc=True))
        assert [r.name for r in by_hours.rows[:2]] == ["批量07", "批量03"]
        behind = queries.member_rows(branch, Filters(year=YEAR, status="behind"))
        assert {r.name for r in behind.rows} == {"批量07", "批量03"}
        # A page past the end shows the last page.
        assert queries.member_rows(branch, Filters(year=YEAR), page=99).page == 2
    login(client := app.test_client(), "secretary")
    html = text(client, f"/reports/{_id('一支部', app)}/members?year={YEAR}&sort=hours&dir=desc")
    assert html.index("批量07") < html.index("批量03") < html.index("批量00")
    assert "第 1/2 页" in html
    html = text(client, f"/reports/{_id('一支部', app)}/members?year={YEAR}&page=2")
    assert "批量59" in html and "批量00" not in html


def test_members_list_shows_the_filtered_course_and_links_to_the_archive(app, world, client):
    with app.app_context():
        complete_course("member")
        course_id = db.session.scalar(select(Course.id).where(Course.slug == "rules"))
        branch = org("一支部").id
        db.session.commit()
    login(client, "secretary")
    html = text(client, f"/reports/{branch}/members?course={course_id}")
    assert "课程 rules" in html and "已完成" in html
    assert f"/archive/members/{world.member}" in html
    grid = text(client, f"/reports/{branch}/grid")
    assert "课程 rules" in grid and "draft-course" not in grid and "✓ 已完成" in grid


@pytest.mark.parametrize(
    "query",
    [
        "?year=abc&relation=nobody&course=x&status=great&sort=drop&dir=sideways&page=-3",
        "?year=99999&course=999999&page=abc&floating=maybe",
        "?year=1900&page=99999999999999999999",
        "?course=%00&status=%27",
        "?asof=2026-13&year=2026",
        "?asof=%27&year=abc",
    ],
)
def test_invalid_filters_fall_back_to_defaults(app, world, client, query):
    branch = _id("一支部", app)
    login(client, "secretary")
    for route in [*ROUTES, "/members.csv", "/members.xlsx", "/grid.csv", "/grid.xlsx"]:
        assert client.get(f"/reports/{branch}{route}{query}").status_code == 200, route


def test_draft_course_filter_is_ignored(app, world):
    with app.app_context():
        draft = db.session.scalar(select(Course.id).where(Course.slug == "draft-course"))
        assert queries.parse_filters({"course": str(draft)}).course_id is None


def test_a_report_may_be_as_of_a_finished_month_of_the_current_year_only(app):
    today = date(2026, 12, 7)
    with app.app_context():
        parse = queries.parse_filters
        assert parse({"asof": "2026-10"}, today).as_of == date(2026, 10, 1)
        assert parse({"asof": " 2026-01 "}, today).as_of == date(2026, 1, 1)
        # This month is not finished, nor is a month to come; a closed year counts members at
        # its end; anything else is no month at all.
        for value in ("2026-12", "2027-01", "2025-10", "2026-13", "2026-1x", "", "%", "10"):
            assert parse({"asof": value}, today).as_of is None, value
        assert parse({"year": "2025", "asof": "2025-10"}, today).as_of is None
        assert parse({"asof": "2026-10"}, date(2027, 1, 5)).as_of is None
        filters = parse({"asof": "2026-10", "relation": "home"}, today)
        assert filters.args() == {"year": 2026, "relation": "home", "asof": "2026-10"}
        assert parse({k: str(v) for k, v in filters.args().items()}, today) == filters
        assert queries.as_of_months(2026, today)[0] == date(2026, 11, 1)
        assert queries.as_of_months(2026, date(2026, 1, 31)) == []


def test_a_transfer_leaves_the_sending_branch_as_of_the_month_before(
    app, world, client, monkeypatch
):
    # The report's "today", fixed: the year must have finished months whatever the calendar.
    with app.app_context():
        today = date(current_year() - 1, 11, 20)
    from school.archive import rollups
    from school.reports import views

    for module, name in ((rollups, "local_today"), (queries, "local_today")):
        monkeypatch.setattr(module, name, lambda now=None: today)
    monkeypatch.setattr(views, "local_today", lambda now=None: today)
    monkeypatch.setattr(views, "current_year", lambda now=None: today.year)
    with app.app_context():
        study("member", 6, month=4, year=today.year)
        db.session.commit()
    branch = _id("一支部", app)
    october = f"{today.year}-10"
    login(client, "secretary")

    def members(url: str) -> int:
        found = re.search(r"<dt>党员</dt><dd><a [^>]*>(\d+)</a>", text(client, url))
        return int(found.group(1))

    before = members(f"/reports/{branch}")
    with app.app_context():
        record_flow(user("admin"), user("member"), "transfer", today, to_org=org("二支部"))
        db.session.commit()
    assert members(f"/reports/{branch}") == before - 1
    assert "张党员" not in text(client, f"/reports/{branch}/members")
    overview = text(client, f"/reports/{branch}")
    assert f'<option value="{october}"' in overview
    assert members(f"/reports/{branch}?asof={october}") == before
    then = text(client, f"/reports/{branch}/members?asof={october}")
    assert "张党员" in then and "10 月末所在组织统计" in then
    # 张党员 is no longer the secretary's to open: listed, not linked.
    assert "现不在您的管理范围内" in then
    export = client.get(f"/reports/{branch}/members.xlsx?asof={october}")
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.data)).active
    assert "按 10 月末所在组织统计" in sheet["A1"].value
    assert any("张党员" in row for row in sheet.iter_rows(values_only=True))


# --- who sees what -------------------------------------------------------------------------------


def _id(name: str, app) -> int:
    with app.app_context():
        return org(name).id


def test_index_redirects_to_the_only_root_and_offers_a_choice_otherwise(app, world, client):
    login(client, "secretary")
    response = client.get("/reports/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/reports/{_id('一支部', app)}")
    with app.app_context():
        accounts.grant_staff(user("secretary"), org("驻深圳支部"), "viewer")
        db.session.commit()
    html = text(client, "/reports/")
    assert "一支部" in html and "驻深圳支部" in html
    login(member := app.test_client(), "member")
    assert member.get("/reports/").status_code == 403


@pytest.mark.parametrize("target", ["二支部", "区委", "工委", "市委", "驻深圳支部"])
@pytest.mark.parametrize(
    "route",
    ["", "/members", "/grid", "/members.xlsx", "/members.csv", "/grid.xlsx", "/grid.csv"],
)
def test_branch_secretary_gets_404_outside_their_subtree(app, world, client, target, route):
    login(client, "secretary")
    assert client.get(f"/reports/{_id(target, app)}{route}").status_code == 404


def test_other_branch_members_never_appear_in_a_branch_report(app, world, client):
    with app.app_context():
        study("other", 10)
        study("floating", 10)
        study("member", 5)
        db.session.commit()
    branch = _id("一支部", app)
    login(client, "secretary")
    for relation in ("both", "home", "host"):
        for route in ("", "/members", "/grid"):
            html = text(client, f"/reports/{branch}{route}?year={YEAR}&relation={relation}")
            assert "李党员" not in html and "陈流动" not in html, (route, relation)
            assert "二支部" not in html and "驻深圳支部" not in html
    # The summary and chart data count 一支部's three members and their 5 学时 only.
    overview = text(client, f"/reports/{branch}?year={YEAR}")
    assert f'/members?year={YEAR}">3</a>' in overview
    assert "<dt>人均学时</dt><dd>1.7</dd>" in overview
    for route in ("/members.csv", "/grid.csv"):
        body = client.get(f"/reports/{branch}{route}?year={YEAR}").data.decode("utf-8-sig")
        assert "张党员" in body
        assert "李党员" not in body and "陈流动" not in body
    for route in ("/members.xlsx", "/grid.xlsx"):
        names = _xlsx_names(client.get(f"/reports/{branch}{route}?year={YEAR}").data)
        assert "张党员" in names
        assert "李党员" not in names and "陈流动" not in names


def test_host_committee_sees_its_floating_member_unless_relation_is_home(app, world, client):
    with app.app_context():
        study("floating", 12)
        db.session.commit()
    committee = _id("工委", app)
    login(client, "committee")
    for relation, visible in (("both", True), ("host", True), ("home", False)):
        query = f"?year={YEAR}&relation={relation}"
        for route in ("", "/members", "/grid"):
            html = text(client, f"/reports/{committee}{route}{query}")
            if route:  # the overview shows numbers, not names
                assert ("陈流动" in html) is visible, (route, relation)
            assert "李党员" not in html and "张党员" not in html
        for route in ("/members.csv", "/grid.csv"):
            body = client.get(f"/reports/{committee}{route}{query}").data.decode("utf-8-sig")
            assert ("陈流动" in body) is visible, (route, relation)
            assert "李党员" not in body
        for route in ("/members.xlsx", "/grid.xlsx"):
            names = _xlsx_names(client.get(f"/reports/{committee}{route}{query}").data)
            assert ("陈流动" in names) is visible, (route, relation)
            assert "李党员" not in names


def test_admin_sees_everyone(app, world, client):
    city = _id("市委", app)
    login(client, "admin")
    html = text(client, f"/reports/{city}/members?year={YEAR}")
    for name in ("张党员", "李党员", "陈流动", "赵书记", "钱工委", "孙查看", "王教员"):
        assert name in html
    table = html.split("<table")[1].split("</table>")[0]
    assert "管理员" not in table  # admin accounts are not learners
    names = _xlsx_names(client.get(f"/reports/{city}/grid.xlsx").data)
    assert {"张党员", "李党员", "陈流动"} <= names


def test_breadcrumb_shows_only_visible_parents(app, world, client):
    login(client, "committee")
    html = text(client, f"/reports/{_id('驻深圳支部', app)}")
    crumbs = html.split('aria-label="上级组织"')[1].split("</nav>")[0]
    assert "工委" in crumbs and "市委" not in crumbs
    login(client := app.test_client(), "admin")
    html = text(client, f"/reports/{_id('一支部', app)}")
    crumbs = html.split('aria-label="上级组织"')[1].split("</nav>")[0]
    assert "市委" in crumbs and "区委" in crumbs
    # Children link to their own reports.
    district = text(client, f"/reports/{_id('区委', app)}")
    assert f"/reports/{_id('二支部', app)}?" in district


def test_overview_charts_are_inline_svg_with_the_same_numbers_in_a_table(app, world, client):
    with app.app_context():
        study("member", 32, month=2)
        db.session.commit()
    login(client, "admin")
    html = text(client, f"/reports/{_id('区委', app)}?year={YEAR}")
    assert html.count('<svg class="chart"') == 2
    # No script of the page's own (the site's offline script is in the head of every page).
    main = html.split("<main")[1]
    assert "<script" not in main and "http" not in main.replace("http-equiv", "")
    # 一支部: 张党员 met, 赵书记 and 孙查看 behind: 33% in the bar chart and in the table.
    assert ">33%</text>" in html and ">33%</td>" in html


def test_followup_tabs_follow_the_registered_endpoints(app, world, client):
    login(client, "secretary")
    html = text(client, f"/reports/{_id('一支部', app)}")
    for endpoint, label in (("followup.overdue", "逾期名单"), ("followup.bulletins", "定期通报")):
        assert (label in html) is (endpoint in app.view_functions)


def test_refused_report_requests_change_nothing(app, world, client):
    with app.app_context():
        before = db.session.scalar(select(User.name).where(User.username == "other"))
    login(client, "secretary")
    assert client.get(f"/reports/{_id('二支部', app)}/members.xlsx").status_code == 404
    with app.app_context():
        from school.archive.models import ArchiveAccess

        assert db.session.scalar(select(User.name).where(User.username == "other")) == before
        assert db.session.scalars(select(ArchiveAccess)).all() == []


def _xlsx_names(data: bytes) -> set[str]:
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(data), read_only=True).active
    return {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
