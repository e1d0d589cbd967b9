"""The points pages: the member's (with its statement count), the ranking and its name setting,
the admins' rules, staff totals, the export and corrections (refused ones change nothing)."""

import io
import re
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import func, select

from school.clock import local_today
from school.db import db, utcnow
from school.orgs.models import AuditEntry
from school.orgs.services import find_org
from school.points import services
from school.points.models import PointEntry, PointRule, PointSetting
from tests.conftest import login, post
from tests.points.factories import set_rules


def _page(response) -> str:
    return response.get_data(as_text=True)


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _history(app, world, days: int = 3) -> None:
    """Rules, and a few days of lessons for 张党员 plus a little for 李党员."""
    with app.app_context():
        set_rules()
        now = utcnow()
        for day in reversed(range(days)):  # oldest first, as they happen
            for n in range(2):
                at = now - timedelta(days=day)
                services.award(world.member, "lesson", f"lesson:{day}-{n}", f"课时{day}-{n}", at)
        services.award(world.other_member, "course", "course:1", "课程", now)
        db.session.commit()


def test_the_member_sees_today_the_year_the_rules_and_the_ledger(app, client, world):
    _history(app, world)
    login(client, "member")
    page = _page(client.get("/points/"))
    assert re.search(r'id="today-points">2<', page)
    assert re.search(r'id="year-points">\d+<', page)
    assert "学习一节课" in page and "今日已得 2 分，每日上限 3 分，还可得 1 分" in page
    assert "课时0-1" in page and "课程" not in page.split("积分明细")[1]  # 李党员's is not here
    assert "一支部排行" in page


def test_the_ledger_is_paginated(app, client, world):
    _history(app, world, days=15)
    login(client, "member")
    first = _page(client.get("/points/"))
    assert "较早 ›" in first and "课时14-0" not in first
    last = _page(client.get("/points/?page=2"))
    assert "课时14-0" in last and "‹ 较新" in last


def test_the_member_page_runs_a_fixed_number_of_statements(app, client, world, count_statements):
    _history(app, world, days=10)
    login(client, "member")
    response, statements = count_statements(client, "/points/")
    assert response.status_code == 200
    # Login session; today's rows; the page of entries; the year's rows; the rules; the member's
    # branch for the ranking link.
    assert len(statements) == 6, "\n".join(statements)


def test_the_ranking_shows_only_names_members_chose_to_show(app, world):
    _history(app, world)
    with app.app_context():
        services.award(world.viewer, "course", "course:1", "课程", utcnow())
        services.award(world.secretary, "honour", "honour:1", "表彰", utcnow())
        db.session.commit()
    branch = find_org_id(app, "一支部")
    secretary = app.test_client()
    login(secretary, "secretary")
    assert post(secretary, "/points/settings", {"show_name": "1"}).status_code == 302
    member = app.test_client()
    login(member, "member")
    page = _page(member.get(f"/points/ranking/{branch}"))
    assert "赵书记" in page and "张党员（我）" in page
    assert "孙查看" not in page and "匿名党员" in page
    order = [page.index(f'class="block">{name}') for name in ("赵书记", "张党员", "匿名党员")]
    assert order == sorted(order)
    # Changing one's mind hides the name again.
    post(secretary, "/points/settings", {})
    assert "赵书记" not in _page(member.get(f"/points/ranking/{branch}"))
    assert _count(app, PointSetting) == 1


def find_org_id(app, name: str) -> int:
    with app.app_context():
        return find_org(name).id


def test_the_setting_sits_on_the_profile_page(app, client, world):
    login(client, "member")
    page = _page(client.get("/profile/"))
    assert "在本支部积分排行中显示我的姓名" in page and 'action="/points/settings"' in page
    assert "我的积分" in page


def test_an_admin_adds_a_rule_version_and_members_see_it_from_its_date(app, world):
    admin = app.test_client()
    login(admin, "admin")
    with app.app_context():
        today = local_today()
    form = {"points": "2", "daily_cap": "6", "yearly_cap": "", "effective_from": today.isoformat()}
    response = post(admin, "/points/rules/lesson", form, follow_redirects=True)
    assert "新规则已保存" in _page(response)
    assert "现行：每次 2 分，每日上限 6" in _page(admin.get("/points/rules"))
    with app.app_context():
        rule = db.session.scalar(select(PointRule))
        assert (rule.points, rule.daily_cap, rule.yearly_cap, rule.created_by_id) == (
            2,
            6,
            None,
            world.admin,
        )
        assert db.session.scalar(select(func.count(AuditEntry.id))) == 1
    # The form shows the rule in force.
    assert 'value="2"' in _page(admin.get("/points/rules/lesson"))


def test_a_bad_rule_is_shown_again_with_its_message_and_nothing_saved(app, world):
    admin = app.test_client()
    login(admin, "admin")
    with app.app_context():
        today = local_today()
    yesterday = (today - timedelta(days=1)).isoformat()
    for form, message in (
        ({"points": "x", "effective_from": yesterday}, "请填写整数"),
        ({"points": "5", "daily_cap": "2", "effective_from": today}, "每日上限不能小于"),
        ({"points": "1", "effective_from": yesterday}, "生效日期不能早于今天"),
        ({"points": "1", "effective_from": "2026-13-01"}, "日期格式不正确"),
    ):
        response = post(admin, "/points/rules/lesson", form)
        assert response.status_code == 200 and message in _page(response), message
    assert _count(app, PointRule) == 0


def test_a_secretary_cannot_change_rules(app, world):
    client = app.test_client()
    login(client, "secretary")
    with app.app_context():
        form = {"points": "50", "effective_from": local_today().isoformat()}
    assert post(client, "/points/rules/lesson", form).status_code == 403
    assert _count(app, PointRule) == 0


def test_staff_see_totals_per_member_and_branch_and_export_them(app, world):
    _history(app, world)
    with app.app_context():
        services.award(world.floating, "class", "session:1", "培训", utcnow())
        db.session.commit()
    admin = app.test_client()
    login(admin, "admin")
    city = find_org_id(app, "市委")
    page = _page(admin.get(f"/points/manage/?org={city}"))
    assert "一支部" in page and "二支部" in page and "张党员" in page
    assert page.index("张党员") < page.index("李党员")  # most points first
    response = admin.get(f"/points/manage/export?org={city}")
    sheets = load_workbook(io.BytesIO(response.data))
    members = {row[0]: row[3] for row in sheets["党员积分"].iter_rows(min_row=2, values_only=True)}
    assert members["张党员"] == 6 and members["李党员"] == 5 and members["孙查看"] == 0
    branches = {row[0]: row[2] for row in sheets["支部积分"].iter_rows(min_row=2, values_only=True)}
    # 陈流动 (home 二支部, host 驻深圳支部) counts on both sides; 李党员's 5 in 二支部.
    assert branches == {"一支部": 6, "二支部": 8, "驻深圳支部": 3}


def test_a_secretary_sees_their_branch_only(app, world):
    _history(app, world)
    secretary = app.test_client()
    login(secretary, "secretary")
    page = _page(secretary.get("/points/manage/"))
    assert "张党员" in page and "李党员" not in page
    other = find_org_id(app, "二支部")
    assert secretary.get(f"/points/manage/?org={other}").status_code == 404
    assert secretary.get(f"/points/manage/export?org={other}").status_code == 404


def test_staff_correct_a_members_points_once_with_a_reason(app, world):
    _history(app, world)
    secretary = app.test_client()
    login(secretary, "secretary")
    page = _page(secretary.get(f"/points/manage/members/{world.member}"))
    key = re.search(r'name="key" type="hidden" value="([^"]+)"', page).group(1)
    form = {"points": "-2", "reason": "重复计分", "key": key}
    url = f"/points/manage/members/{world.member}/correct"
    assert "更正已记入" in _page(post(secretary, url, form, follow_redirects=True))
    again = post(secretary, url, form)  # the same form sent twice
    assert again.status_code == 400 and "已经记录过了" in _page(again)
    with app.app_context():
        corrections = db.session.scalars(
            select(PointEntry).where(PointEntry.action == "correction")
        ).all()
        assert [(c.points, c.reason) for c in corrections] == [(-2, "重复计分")]


def test_a_correction_without_a_reason_or_by_the_wrong_person_changes_nothing(app, world):
    _history(app, world)
    before = _count(app, PointEntry)
    url = f"/points/manage/members/{world.member}/correct"
    secretary = app.test_client()
    login(secretary, "secretary")
    response = post(secretary, url, {"points": "5", "reason": "", "key": "k"})
    assert response.status_code == 400 and "请填写更正理由" in _page(response)
    for username, status in (("member", 404), ("viewer", 404), ("committee", 404)):
        client = app.test_client()
        login(client, username)
        assert (
            post(client, url, {"points": "5", "reason": "加分", "key": "k"}).status_code == status
        )
    assert _count(app, PointEntry) == before and _count(app, AuditEntry) == 0


def test_a_rule_switched_off_is_not_listed_for_members(app, client, world):
    with app.app_context():
        set_rules(honour=(0, None, None))
        db.session.commit()
    login(client, "member")
    page = _page(client.get("/points/"))
    assert "学习一节课" in page and "获得表彰" not in page
