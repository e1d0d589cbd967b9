"""Reports as documents: XLSX with title, frozen header, widths, totals and charts; print views;
the 党员编号 and the phone as the viewer may see it; names in pinyin order; no future year."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from alembic import command
from openpyxl import load_workbook
from openpyxl.chart import BarChart, LineChart
from sqlalchemy import column, insert, select, table

from school.archive import services as archive
from school.auth.models import User
from school.auth.names import name_key
from school.cli import alembic_config
from school.clock import current_year, local_today
from school.courses.models import Course
from school.db import UTCDateTime, db, make_engine
from school.orgs.models import Organisation
from school.spreadsheets import fit_widths, text_width
from tests.conftest import login
from tests.databases import drop_database, new_database
from tests.factories import make_user

# Inserted in code-point order, which is not the pinyin order 李 王 张 (li, wang, zhang).
PEOPLE = [("zhang", "张三", "13800001111"), ("wang", "王五", "13900002222"), ("li", "李四", "")]
PINYIN_ORDER = ["李四", "王五", "张三"]


def _org_id(app, name: str = "一支部") -> int:
    with app.app_context():
        return db.session.scalar(select(Organisation.id).where(Organisation.name == name))


def _today(app) -> str:
    with app.app_context():
        return local_today().isoformat()


def _year(app) -> int:
    with app.app_context():
        return current_year()


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _study(username: str, hours: int, when: datetime | None = None) -> None:
    archive.append_offline(
        _user(username),
        title="集中学习",
        hours=Decimal(hours),
        completed_at=when or datetime.now(UTC),
        recorded_by=_user("admin"),
    )


@pytest.fixture
def people(app, world):
    """Three members of 一支部 with 党员编号 and phones; 张三 has studied 40 学时 this year."""
    with app.app_context():
        branch = db.session.scalar(select(Organisation).where(Organisation.name == "一支部"))
        for i, (username, name, phone) in enumerate(PEOPLE):
            member = make_user(username, name, home_org=branch)
            member.membership_no = f"DY2026{i:04d}"
            member.phone = phone or None
        db.session.flush()
        _study("zhang", 40)
        db.session.commit()


def _workbook(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    assert response.mimetype.endswith("spreadsheetml.sheet")
    return load_workbook(io.BytesIO(response.data))


def _csv(client, url: str) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


# --- sorting by pinyin ---------------------------------------------------------------------------


def test_name_key_spells_names_in_pinyin_so_wang_comes_before_zhang():
    assert name_key("王五") < name_key("张三")
    assert name_key("李四") < name_key("林一") < name_key("王五")  # li3 before lin2
    assert name_key("曾国藩").startswith("zeng1")  # a surname is read as a surname
    assert name_key("单雄信").startswith("shan4")
    assert name_key(" ") == "" and name_key(None) == ""
    assert re.fullmatch(r"[0-9a-z]+", name_key("阿依古丽·买买提"))


def test_the_key_follows_the_name_in_orm_and_core_writes(app, world):
    with app.app_context():
        member = _user("member")
        assert member.name_key == name_key("张党员")
        member.name = "王党员"
        db.session.flush()
        assert (
            db.session.scalar(select(User.name_key).where(User.id == member.id))
            == "wang2dang3yuan2"
        )
        # A bulk insert (the roster import writes accounts so) gets its key from the name.
        db.session.execute(
            insert(User), [{"username": "bulk1", "name": "赵六", "password_hash": ""}]
        )
        assert (
            db.session.scalar(select(User.name_key).where(User.username == "bulk1")) == "zhao4liu4"
        )
        db.session.rollback()


def test_member_list_and_exports_sort_by_pinyin(app, people, client):
    branch = _org_id(app)
    login(client, "secretary")
    page = client.get(f"/reports/{branch}/members").get_data(as_text=True)
    shown = [name for name in re.findall(r">(张三|王五|李四)</a>", page)]
    assert shown == PINYIN_ORDER
    rows = _csv(client, f"/reports/{branch}/members.csv")
    names = [r[0] for r in rows[1:] if r[0] in PINYIN_ORDER]
    assert names == PINYIN_ORDER
    sheet = _workbook(client, f"/reports/{branch}/grid.xlsx").active
    names = [r[0] for r in sheet.iter_rows(min_row=3, values_only=True) if r[0] in PINYIN_ORDER]
    assert names == PINYIN_ORDER
    # Descending is the reverse.
    rows = _csv(client, f"/reports/{branch}/members.csv?dir=desc")
    assert [r[0] for r in rows[1:] if r[0] in PINYIN_ORDER] == PINYIN_ORDER[::-1]


# --- the member exports as documents -------------------------------------------------------------


def test_members_xlsx_is_a_document(app, people, client):
    branch = _org_id(app)
    login(client, "secretary")
    sheet = _workbook(client, f"/reports/{branch}/members.xlsx?status=met").active
    rows = list(sheet.iter_rows(values_only=True))
    title = rows[0][0]
    # Title row: organisation, report, date, filters in words.
    assert title.startswith("一支部 · 党员学时 · ")
    assert _today(app) in title
    assert f"{_year(app)} 年" in title and "状态：已达标" in title and "按姓名升序" in title
    # Header in row 2, frozen with the title above it (and the names to the left).
    assert rows[1][:5] == ("姓名", "党员编号", "流出地党组织", "流入地党组织", "联系电话")
    assert sheet.freeze_panes == "B3"
    assert sheet.print_title_rows == "$2:$2"  # the header repeats on every printed page
    # Only 张三 has met the quota: one member row, then the totals.
    assert [r[0] for r in rows[2:]] == ["张三", "合计 1 人"]
    zhang, totals = rows[2], rows[3]
    assert zhang[1] == "DY20260000" and zhang[2] == "一支部"
    assert totals[7] == 40 and totals[8] == "已达标 1 人"
    # Widths fit the content; a CJK character counts two.
    header_width = sheet.column_dimensions["C"].width
    assert header_width >= text_width("流出地党组织") == 12
    assert sheet.column_dimensions["B"].width >= len("DY20260000")


def test_totals_add_up_every_member_and_course_completion(app, people, client):
    branch = _org_id(app)
    login(client, "secretary")
    sheet = _workbook(client, f"/reports/{branch}/grid.xlsx").active
    rows = list(sheet.iter_rows(values_only=True))
    members = rows[2:-1]
    totals = rows[-1]
    assert totals[0] == f"合计 {len(members)} 人"
    assert totals[7] == sum(r[7] for r in members) == 40
    assert totals[6] == sum(r[6] for r in members)
    assert totals[10:] == tuple("已完成 0 人" for _ in rows[1][10:])


def test_phone_is_masked_as_the_page_shows_it_to_the_viewer(app, people, client):
    branch = _org_id(app)
    # The secretary manages 一支部's members: the full number, as on the member's page.
    login(client, "secretary")
    rows = {r[0]: r for r in _csv(client, f"/reports/{branch}/members.csv")}
    assert rows["张三"][1] == "DY20260000" and rows["张三"][4] == "13800001111"
    assert rows["李四"][4] == ""
    client = app.test_client()
    # The viewer only reads: masked, in the CSV and in the workbook alike.
    login(client, "viewer")
    rows = {r[0]: r for r in _csv(client, f"/reports/{branch}/members.csv")}
    assert rows["张三"][4] == "138****1111" and rows["王五"][4] == "139****2222"
    sheet = _workbook(client, f"/reports/{branch}/members.xlsx").active
    phones = {r[0]: r[4] for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert phones["张三"] == "138****1111"
    assert not any("13800001111" in str(v) for r in sheet.iter_rows(values_only=True) for v in r)


def test_fit_widths_counts_cjk_double_and_caps_long_text():
    assert text_width("ab") == 2 and text_width("党员") == 4 and text_width("Ａ") == 2
    assert fit_widths([["姓名", "x"], ["张三丰", "y" * 200]]) == [8, 50]


def test_title_row_neutralises_an_organisation_name_like_a_formula(app, world, client):
    with app.app_context():
        branch = db.session.scalar(select(Organisation).where(Organisation.name == "一支部"))
        branch.name = "=1+1支部"
        db.session.commit()
    login(client, "secretary")
    sheet = _workbook(client, f"/reports/{_org_id(app, '=1+1支部')}/members.xlsx").active
    title = sheet["A1"]
    assert title.data_type == "s" and title.value.startswith("'=1+1支部")


# --- the overview workbook with charts -----------------------------------------------------------


def test_overview_xlsx_has_figures_and_native_charts(app, people, client):
    login(client, "admin")
    book = _workbook(client, f"/reports/{_org_id(app, '区委')}/overview.xlsx")
    sheet = book.active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0].startswith("区委 · 学习完成情况概况 · ")
    figures = {r[0]: r[1] for r in rows[2:10]}
    # 一支部: 张党员, 赵书记, 孙查看 and the three; 二支部: 李党员, 陈流动.
    assert figures["党员"] == 8 and figures["已达标"] == 1
    # Sub-organisations with their totals row.
    start = next(i for i, r in enumerate(rows) if r[0] == "组织")
    assert rows[start][:6] == ("组织", "党员", "已达标", "进度正常", "进度落后", "未开始")
    subs = {r[0]: r for r in rows[start + 1 : start + 3]}
    assert subs["一支部"][1] == 6 and subs["一支部"][2] == 1
    assert rows[start + 3][0] == "合计" and rows[start + 3][1] == 8
    # Monthly trend: twelve months and the year's 学时 in total.
    month = next(i for i, r in enumerate(rows) if r[0] == "月份")
    assert [r[0] for r in rows[month + 1 : month + 13]] == [f"{m} 月" for m in range(1, 13)]
    assert rows[month + 13][:2] == ("合计", 40)
    # Native Excel charts: statuses per sub-organisation, 学时 per month, the pace line.
    charts = sheet._charts
    assert len(charts) == 3
    assert [type(c) for c in charts] == [BarChart, BarChart, LineChart]
    assert charts[0].grouping == "stacked" and len(charts[0].series) == 4
    assert len(charts[1].series) == 1
    assert sheet.freeze_panes == "A3"


# --- the overdue list ----------------------------------------------------------------------------


def test_overdue_list_exports_with_number_masked_phone_and_totals(app, people, client):
    branch = _org_id(app)
    login(client, "viewer")
    page = client.get(f"/reports/{branch}/overdue").get_data(as_text=True)
    assert f"/reports/{branch}/overdue.xlsx" in page and f"/reports/{branch}/overdue/print" in page
    rows = _csv(client, f"/reports/{branch}/overdue.csv")
    assert rows[0][:5] == ["姓名", "党员编号", "流出地党组织", "流入地党组织", "联系电话"]
    by_name = {r[0]: r for r in rows[1:]}
    assert "张三" not in by_name  # 40 学时: not behind
    assert by_name["王五"][1] == "DY20260001" and by_name["王五"][4] == "139****2222"
    # Same members, fewest 学时 first, ties in pinyin order.
    names = [r[0] for r in rows[1:]]
    assert names.index("李四") < names.index("王五")
    sheet = _workbook(client, f"/reports/{branch}/overdue.xlsx").active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0].startswith("一支部 · 逾期名单 · ") and "按学时从少到多" in values[0][0]
    assert sheet.freeze_panes == "B3"
    assert [r[0] for r in values[2:-1]] == names
    assert values[-1][0] == f"合计 {len(names)} 人"
    assert values[-1][9] == sum(Decimal(r[9]) for r in rows[1:])  # 学时 still missing


def test_overdue_export_for_a_member_outside_scope_is_missing(app, people, client):
    login(client, "secretary")
    assert client.get(f"/reports/{_org_id(app, '二支部')}/overdue.xlsx").status_code == 404


# --- print views ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("route", "title"),
    [
        ("/print", "学习完成情况概况"),
        ("/members/print", "党员名单"),
        ("/grid/print", "课程矩阵"),
        ("/overdue/print", "逾期名单"),
        ("/received/print", "收到的定期通报"),
    ],
)
def test_print_views_are_documents_without_navigation(app, people, client, route, title):
    login(client, "secretary")
    html = client.get(f"/reports/{_org_id(app)}{route}").get_data(as_text=True)
    assert "<nav" not in html and "tabbar" not in html
    assert f"<h1>一支部 · {title}</h1>" in html
    assert f"打印日期：{_today(app)}" in html
    assert "report-print.css" in html and 'id="print-button"' in html


def test_the_overview_prints_with_its_charts(app, people, client):
    login(client, "secretary")
    page = client.get(f"/reports/{_org_id(app)}").get_data(as_text=True)
    printed = client.get(f"/reports/{_org_id(app)}/print").get_data(as_text=True)
    for html in (page, printed):
        assert "charts.css" in html
        assert "逐月人均学时、累计人均学时与按月折算的要求学时" in html
        assert html.count('class="bar-month"') >= 12  # a bar a month, and the legend's
    # The same chart on paper as on the screen.
    chart = re.compile(r'<svg class="chart".*?</svg>', re.S)
    assert chart.findall(printed) == chart.findall(page)


def test_print_css_numbers_pages_on_a4(app):
    with app.open_resource("static/report-print.css") as f:
        css = f.read().decode()
    assert "size: A4" in css and "counter(page)" in css and "counter(pages)" in css


def test_members_print_shows_filters_and_names_in_pinyin_order(app, people, client):
    login(client, "secretary")
    html = client.get(f"/reports/{_org_id(app)}/members/print?floating=&sort=name").get_data(
        as_text=True
    )
    assert f"{_year(app)} 年；党员范围：全部（流出地或流入地）" in html
    assert "DY20260001" in html
    names = [n for n in re.findall(r"<th scope=\"row\">([^<（]+)", html) if n in PINYIN_ORDER]
    assert names == PINYIN_ORDER
    html = client.get(f"/reports/{_org_id(app)}/members/print?status=met").get_data(as_text=True)
    assert "状态：已达标" in html and "张三" in html and "王五" not in html


def test_overdue_print_masks_the_phone_for_a_viewer(app, people, client):
    login(client, "viewer")
    html = client.get(f"/reports/{_org_id(app)}/overdue/print").get_data(as_text=True)
    assert "139****2222" in html and "13900002222" not in html and "DY20260001" in html


# --- the tabs and the year filter ----------------------------------------------------------------


def test_received_bulletins_is_a_report_tab(app, world, client):
    branch = _org_id(app)
    login(client, "secretary")
    overview = client.get(f"/reports/{branch}").get_data(as_text=True)
    assert f'href="/reports/{branch}/received">收到的通报</a>' in overview
    received = client.get(f"/reports/{branch}/received").get_data(as_text=True)
    assert re.search(r'href="/reports/\d+/received" aria-current="page">收到的通报', received)
    assert f'href="/reports/{branch}/members">党员名单</a>' in received


def test_the_year_filter_offers_no_future_year(app, world, client):
    login(client, "secretary")
    this_year = _year(app)
    html = client.get(f"/reports/{_org_id(app)}").get_data(as_text=True)
    years = [int(y) for y in re.findall(r'<option value="(\d{4})"', html)]
    assert max(years) == this_year and this_year + 1 not in years
    # A future year in the address falls back to this year.
    html = client.get(f"/reports/{_org_id(app)}?year={this_year + 1}").get_data(as_text=True)
    assert f"{this_year} 年学习完成情况" in html and f"{this_year + 1} 年学习" not in html


# --- the migration -------------------------------------------------------------------------------


def test_upgrade_fills_the_sort_key_of_existing_accounts(backend, tmp_path):
    url = new_database(backend, tmp_path)
    try:
        command.upgrade(alembic_config(url), "a6b3d9e1f4c8")
        engine = make_engine({"DATABASE_URL": url})
        users = table(
            "users",
            *[column(c) for c in ("id", "username", "name", "password_hash", "role")],
            *[column(c) for c in ("is_cadre", "active", "must_change_password", "is_floating")],
            column("created_at", UTCDateTime()),
        )
        with engine.begin() as conn:
            for uid, name in ((1, "张三"), (2, "王五"), (3, "曾国藩")):
                conn.execute(
                    users.insert().values(
                        id=uid,
                        username=f"u{uid}",
                        name=name,
                        password_hash="",
                        role="member",
                        is_cadre=False,
                        active=True,
                        must_change_password=False,
                        is_floating=False,
                        created_at=datetime(2026, 1, 5, tzinfo=UTC),
                    )
                )
        command.upgrade(alembic_config(url), "c4e8a2f6b9d3")
        with engine.connect() as conn:
            keys = dict(
                conn.execute(
                    select(column("name"), column("name_key")).select_from(table("users"))
                ).all()
            )
        engine.dispose()
        assert keys == {"张三": "zhang1san1", "王五": "wang2wu3", "曾国藩": "zeng1guo2fan1"}
    finally:
        drop_database(url)


def test_course_filter_names_the_course_in_the_title(app, people, client):
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == "rules"))
        course_id = course.id
    login(client, "secretary")
    sheet = _workbook(client, f"/reports/{_org_id(app)}/members.xlsx?course={course_id}").active
    assert "课程：课程 rules" in sheet["A1"].value
    assert sheet.cell(2, 11).value == "课程 rules（进度）"


def test_roster_import_keeps_the_sort_key_on_create_and_rename(app, world, client):
    from tests.members.test_roster import apply, token_of, upload, xlsx

    login(client, "secretary")
    apply(client, token_of(upload(client, xlsx([["A-001", "张新", "女", "", "", "一支部"]]))))
    with app.app_context():
        key = db.session.scalar(select(User.name_key).where(User.membership_no == "A-001"))
    assert key == "zhang1xin1"
    apply(client, token_of(upload(client, xlsx([["A-001", "王新", "女", "", "", "一支部"]]))))
    with app.app_context():
        member = db.session.scalar(select(User).where(User.membership_no == "A-001"))
        assert (member.name, member.name_key) == ("王新", "wang2xin1")
