"""Campaign pages: the member's to-do and campaign page, the staff's editor, report, member
list, export and reminders, and the reports' overdue list covering campaigns."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from sqlalchemy import func, select

from school.auth.models import User
from school.campaigns.models import Campaign, CampaignItem, CampaignTarget
from school.clock import local_today
from school.courses import services as courses
from school.courses.models import Course
from school.db import db
from school.notifications.models import Notification
from school.orgs.services import find_org
from school.reports.models import Reminder
from tests.campaigns.factories import make_campaign
from tests.conftest import login, post
from tests.factories import make_course


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _rules() -> Course:
    return db.session.scalar(select(Course).where(Course.slug == "rules"))


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _branch_campaign(app, due_in: int | None = None, **kwargs) -> int:
    with app.app_context():
        if due_in is not None:
            kwargs["deadline"] = local_today() + timedelta(days=due_in)
        campaign = make_campaign(
            _user("secretary"), "一支部", "一支部", courses=[(_rules(), True)], **kwargs
        )
        db.session.commit()
        return campaign.id


# --- the member's side -------------------------------------------------------------------------


def test_a_targeted_member_sees_the_campaign_on_the_home_page(app, client, world):
    campaign_id = _branch_campaign(app)
    login(client, "member")
    page = client.get("/").get_data(as_text=True)
    assert "专题教育活动" in page and "学习党章专题活动" in page
    assert f"/campaigns/{campaign_id}" in page and "还剩 20 天" in page and "已完成 0%" in page
    # The course-file deadline keeps its own to-do beside it.
    with app.app_context():
        course = make_course("front-matter")
        course.deadline = local_today() + timedelta(days=5)
        course.title = "集中学习课程"
        db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "集中学习课程" in page and "学习党章专题活动" in page


def test_the_to_do_shows_progress_and_leaves_when_finished(app, client, world):
    campaign_id = _branch_campaign(app)
    login(client, "member")
    with app.app_context():
        member, rules = _user("member"), _rules()
        courses.complete_lesson(member, rules.lessons[0])
        db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "已完成 0%" in page  # one lesson: the course is begun, not done
    show = client.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert "学习中" in show and "课程 rules" in show and "必修" in show
    with app.app_context():
        courses.complete_lesson(_user("member"), _rules().lessons[1])
        db.session.commit()
    assert "学习党章专题活动" not in client.get("/").get_data(as_text=True)
    assert "已完成" in client.get(f"/campaigns/{campaign_id}").get_data(as_text=True)


def test_a_member_not_targeted_sees_nothing_of_it(app, client, world):
    campaign_id = _branch_campaign(app)
    login(client, "other")
    assert "学习党章专题活动" not in client.get("/").get_data(as_text=True)
    assert client.get(f"/campaigns/{campaign_id}").status_code == 404


def test_a_draft_reaches_no_member(app, client, world):
    campaign_id = _branch_campaign(app, launch=False)
    login(client, "member")
    assert "学习党章专题活动" not in client.get("/").get_data(as_text=True)
    assert client.get(f"/campaigns/{campaign_id}").status_code == 404


def test_the_home_page_adds_one_statement_without_campaigns(app, client, world, count_statements):
    """The catalogue's own statements (tests/courses/test_page_statements.py) plus one: the
    campaigns that reach the member. With one campaign: its items, their courses and the
    member's progress in them (the campaign has no quiz and no 学时 target)."""
    login(client, "member")
    client.get("/")
    _, without = count_statements(client, "/")
    _branch_campaign(app)
    _, with_one = count_statements(client, "/")
    assert len(with_one) - len(without) == 4, "\n".join(with_one)


# --- the staff's side --------------------------------------------------------------------------


def _today() -> date:
    # The school's time zone (TIMEZONE), outside an app context.
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


def _form(**overrides) -> dict:
    today = _today()
    data = {
        "title": "学习新党章",
        "org": "一支部",
        "description": "全体党员学习。",
        "start_on": today.isoformat(),
        "deadline": (today + timedelta(days=30)).isoformat(),
        "hours_target": "",
        "remind_days": "14,7,1",
        "targets": "一支部",
    }
    return {**data, **overrides}


def test_a_secretary_creates_edits_and_launches(app, client, world):
    with app.app_context():
        rules_id = _rules().id
    login(client, "secretary")
    response = post(client, "/campaigns/manage/new", _form(**{f"course-{rules_id}": "required"}))
    assert response.status_code == 302
    with app.app_context():
        campaign = db.session.scalar(select(Campaign))
        assert campaign.status == "draft" and [i.course_id for i in campaign.items] == [rules_id]
        campaign_id = campaign.id
    # The same form sent again creates nothing new.
    post(client, "/campaigns/manage/new", _form(**{f"course-{rules_id}": "required"}))
    with app.app_context():
        assert _count(Campaign) == 1
    edit = client.get(f"/campaigns/manage/{campaign_id}/edit").get_data(as_text=True)
    assert "学习新党章" in edit and 'value="required" selected' in edit
    post(
        client,
        f"/campaigns/manage/{campaign_id}/edit",
        _form(title="学习新党章（修订）", **{f"course-{rules_id}": "optional"}, hours_target="2"),
    )
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        assert campaign.title == "学习新党章（修订）" and campaign.items[0].required is False
    response = post(client, f"/campaigns/manage/{campaign_id}/launch", follow_redirects=True)
    assert "活动已发起，已通知 2 名党员" in response.get_data(as_text=True)
    # Launched: the editor says so and changes nothing.
    response = post(
        client,
        f"/campaigns/manage/{campaign_id}/edit",
        _form(title="又改", **{f"course-{rules_id}": "required"}),
        follow_redirects=True,
    )
    assert "内容不能再修改" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Campaign, campaign_id).title == "学习新党章（修订）"


def test_bad_input_names_the_field_and_writes_nothing(app, client, world):
    with app.app_context():
        rules_id = _rules().id
    login(client, "secretary")
    cases = [
        (_form(targets="一支部\n二支部", **{f"course-{rules_id}": "required"}), "第 2 行"),
        (_form(hours_target="两个", **{f"course-{rules_id}": "required"}), "不是数字"),
        (_form(remind_days="一周", **{f"course-{rules_id}": "required"}), "提醒时间"),
        (_form(deadline="2026-13-01", **{f"course-{rules_id}": "required"}), "日期格式不正确"),
        (_form(), "至少选一门必修"),
    ]
    for data, message in cases:
        response = post(client, "/campaigns/manage/new", data)
        assert response.status_code == 200 and message in response.get_data(as_text=True), (
            message,
            response.get_data(as_text=True)[-3000:],
        )
    with app.app_context():
        assert (_count(Campaign), _count(CampaignItem), _count(CampaignTarget)) == (0, 0, 0)


def test_the_report_drills_down_and_exports(app, client, world):
    with app.app_context():
        campaign = make_campaign(_user("admin"), "市委", "区委", courses=[(_rules(), True)])
        member = _user("member")
        for lesson in _rules().lessons[:2]:
            courses.complete_lesson(member, lesson)
        db.session.commit()
        campaign_id, district, branch = campaign.id, find_org("区委").id, find_org("一支部").id
    login(client, "admin")
    page = client.get(f"/campaigns/manage/{campaign_id}/report/{district}").get_data(True)
    assert "共 5 人" in page and "已完成 1 人" in page and "未开始 4 人" in page
    assert "一支部" in page and "二支部" in page
    members = client.get(
        f"/campaigns/manage/{campaign_id}/report/{branch}/members?state=finished"
    ).get_data(True)
    assert "张党员" in members and "赵书记" not in members
    response = client.get(f"/campaigns/manage/{campaign_id}/report/{district}/members.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:5] == ("姓名", "流出地党组织", "流入地党组织", "流动党员", "状态")
    assert {r[0]: r[4] for r in rows[2:]} == {
        "张党员": "已完成",
        "赵书记": "未开始",
        "孙查看": "未开始",
        "李党员": "未开始",
        "陈流动": "未开始",
    }


def test_a_name_like_a_formula_stays_text_in_the_export(app, client, world):
    with app.app_context():
        _user("member").name = "=HYPERLINK(1)"
        campaign_id = make_campaign(
            _user("secretary"), "一支部", "一支部", courses=[(_rules(), True)]
        ).id
        branch = find_org("一支部").id
        db.session.commit()
    login(client, "secretary")
    data = client.get(f"/campaigns/manage/{campaign_id}/report/{branch}/members.xlsx").data
    names = [r[0] for r in load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True)]
    assert "'=HYPERLINK(1)" in names


def test_a_branch_secretary_reads_their_part_of_a_city_campaign(app, client, world):
    with app.app_context():
        campaign_id = make_campaign(_user("admin"), "市委", "市委", courses=[(_rules(), True)]).id
        city, branch = find_org("市委").id, find_org("一支部").id
        db.session.commit()
    login(client, "secretary")
    assert client.get(f"/campaigns/manage/{campaign_id}").status_code == 200
    assert client.get(f"/campaigns/manage/{campaign_id}/report/{branch}").status_code == 200
    assert client.get(f"/campaigns/manage/{campaign_id}/report/{city}").status_code == 404
    # Reading is not managing: no edit, no close.
    assert post(client, f"/campaigns/manage/{campaign_id}/close").status_code == 403
    with app.app_context():
        assert db.session.get(Campaign, campaign_id).status == "launched"


def test_reminding_from_the_report(app, client, world):
    campaign_id = _branch_campaign(app)
    with app.app_context():
        branch = find_org("一支部").id
    login(client, "secretary")
    response = post(
        client, f"/campaigns/manage/{campaign_id}/report/{branch}/remind", follow_redirects=True
    )
    assert "已提醒 3 人，0 人本周已提醒过" in response.get_data(True)
    response = post(
        client, f"/campaigns/manage/{campaign_id}/report/{branch}/remind", follow_redirects=True
    )
    assert "已提醒 0 人，3 人本周已提醒过" in response.get_data(True)
    with app.app_context():
        assert _count(Reminder) == 3
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(Notification)
                .where(Notification.kind == "reminder")
            )
            == 3
        )


def test_a_viewer_may_not_remind_and_nothing_is_sent(app, client, world):
    campaign_id = _branch_campaign(app)
    with app.app_context():
        branch = find_org("一支部").id
    login(client, "viewer")
    response = post(client, f"/campaigns/manage/{campaign_id}/report/{branch}/remind")
    assert response.status_code == 403
    with app.app_context():
        assert _count(Reminder) == 0


# --- the overdue list --------------------------------------------------------------------------


def test_the_overdue_list_covers_a_campaign_due_soon(app, client, world):
    campaign_id = _branch_campaign(app, due_in=5)
    with app.app_context():
        member = _user("member")
        for lesson in _rules().lessons[:2]:
            courses.complete_lesson(member, lesson)
        branch = find_org("一支部").id
        db.session.commit()
    login(client, "secretary")
    page = client.get(f"/reports/{branch}/overdue").get_data(True)
    assert "学习党章专题活动" in page and "即将到期" in page
    # The campaign's own report for this organisation is a tap away.
    assert f"/campaigns/manage/{campaign_id}/report/{branch}" in page
    assert "未完成《学习党章专题活动》" in page
    # The member who finished is not marked as missing it.
    card = page.split("张党员", 1)[1].split("</li>", 1)[0]
    assert "未完成《学习党章专题活动》" not in card


def test_a_closed_campaign_leaves_the_overdue_list(app, client, world):
    campaign_id = _branch_campaign(app, due_in=5)
    login(client, "secretary")
    post(client, f"/campaigns/manage/{campaign_id}/close")
    with app.app_context():
        branch = find_org("一支部").id
    assert "学习党章专题活动" not in client.get(f"/reports/{branch}/overdue").get_data(True)
