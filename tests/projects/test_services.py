"""Hometown projects' services: publishing, status, who sees which, interest, referrals and
follow-ups. Every refusal is checked to have changed nothing."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from school.auth.models import User
from school.clock import local_today
from school.db import db
from school.notifications.models import Notification
from school.orgs.services import find_org
from school.projects import interest, services
from school.projects.exports import interest_xlsx
from school.projects.models import (
    Project,
    ProjectFollowUp,
    ProjectInterest,
    ProjectReferral,
    ProjectStatusChange,
)
from school.projects.permissions import can_view, in_audience, reads_project, writes
from school.projects.services import ProjectError
from tests.projects.factories import district_secretary, fields, make_project


def _user(world, role: str) -> User:
    return db.session.get(User, getattr(world, role))


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def ctx(app, world):
    with app.app_context():
        yield world


# --- writing and publishing ----------------------------------------------------------------------


def test_a_draft_is_published_with_its_history(ctx):
    secretary = _user(ctx, "secretary")
    project = make_project(secretary, "一支部", publish=False)
    assert project.status == "draft" and project.published_at is None
    services.move_status(secretary, project, "open", "已报县里备案")
    assert project.status == "open" and project.published_at is not None
    changes = services.history(project)
    assert [(c.from_status, c.to_status) for c in changes] == [(None, "draft"), ("draft", "open")]
    assert changes[1].note == "已报县里备案" and changes[1].actor.name == "赵书记"


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("面议", None),
        ("5000", 5000),
        ("5,000", 5000),
        ("１２０万元", 120),
        ("10000000", 10_000_000),
    ],
)
def test_sizes_in_wan_yuan_or_negotiable(text, size):
    assert services.parse_size(text) == size


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0", "1 至 10,000,000 万元"),
        ("10000001", "1 至 10,000,000 万元"),
        ("-5", "整数"),
        ("12.5", "整数"),
        ("很多", "整数"),
        ("", "面议"),
    ],
)
def test_sizes_out_of_range_or_not_numbers_are_refused(text, message):
    with pytest.raises(ProjectError, match=message):
        services.parse_size(text)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"size": "20000000"}, "投资规模"),
        ({"contact_phone": "12345"}, "联系电话格式不正确"),
        ({"contact_phone": ""}, "请填写联系电话"),
        ({"title": "项" * 101}, "项目名称最多 100 个字"),
        ({"title": "  "}, "请填写项目名称"),
        ({"sector": "金融"}, "请选择所属行业"),
        ({"description": "x" * 20_001}, "项目介绍最多"),
    ],
)
def test_bad_input_creates_nothing(ctx, changes, message):
    with pytest.raises(ProjectError, match=message):
        make_project(_user(ctx, "secretary"), "一支部", **changes)
    assert _count(Project) == 0 and _count(ProjectStatusChange) == 0


def test_phones_are_stored_in_one_form(ctx):
    project = make_project(_user(ctx, "secretary"), "一支部", contact_phone="(0571)12345678")
    assert project.contact_phone == "0571-12345678"


@pytest.mark.parametrize("role", ["viewer", "committee_secretary", "admin", "member"])
def test_only_an_organisations_managers_publish_for_it(ctx, role):
    with pytest.raises(ProjectError, match="不能以这个党组织的名义"):
        make_project(_user(ctx, role), "一支部")
    assert _count(Project) == 0


def test_superiors_read_but_never_write(ctx):
    county = district_secretary()
    project = make_project(_user(ctx, "secretary"), "一支部")
    assert reads_project(county, project) and not writes(county, project)
    with pytest.raises(ProjectError):
        services.move_status(county, project, "closed")
    with pytest.raises(ProjectError):
        services.edit_project(county, project, fields(title="改名"))
    db.session.refresh(project)
    assert project.status == "open" and project.title == "红星村茶叶精深加工厂"
    assert _count(ProjectStatusChange) == 2


def test_status_moves_follow_the_rules(ctx):
    secretary = _user(ctx, "secretary")
    project = make_project(secretary, "一支部")
    for to in ("negotiating", "paused", "open", "landed", "closed"):
        services.move_status(secretary, project, to)
    assert project.status == "closed"
    with pytest.raises(ProjectError, match="已关闭"):
        services.move_status(secretary, project, "open")
    draft = make_project(secretary, "一支部", publish=False, title="草稿")
    with pytest.raises(ProjectError):
        services.move_status(secretary, draft, "landed")
    fresh = make_project(secretary, "一支部", title="新项目")
    with pytest.raises(ProjectError, match="说明最多"):
        services.move_status(secretary, fresh, "paused", "长" * 201)
    assert (draft.status, fresh.status) == ("draft", "open")


def test_a_second_identical_move_is_refused(ctx):
    secretary = _user(ctx, "secretary")
    project = make_project(secretary, "一支部")
    services.move_status(secretary, project, "paused")
    with pytest.raises(ProjectError):
        services.move_status(secretary, project, "paused")
    assert [c.to_status for c in services.history(project)] == ["draft", "open", "paused"]


def test_the_same_form_sent_twice_makes_one_project(ctx):
    secretary = _user(ctx, "secretary")
    first = make_project(secretary, "一支部")
    assert make_project(secretary, "一支部").id == first.id
    assert _count(Project) == 1 and _count(ProjectStatusChange) == 2
    # Long after, or by someone else, the name is taken.
    first.created_at -= timedelta(hours=1)
    with pytest.raises(ProjectError, match="已有名为“红星村茶叶精深加工厂”的项目"):
        make_project(secretary, "一支部")
    other = make_project(secretary, "一支部", title="另一个项目")
    with pytest.raises(ProjectError, match="已有名为"):
        services.edit_project(secretary, other, fields())
    assert other.title == "另一个项目" and _count(Project) == 2


def test_edits_change_the_fields_not_the_status(ctx):
    secretary = _user(ctx, "secretary")
    project = make_project(secretary, "一支部")
    services.edit_project(secretary, project, fields(size="面议", place="南山镇工业园"))
    assert project.size_wan is None and project.size_text == "面议"
    assert project.place == "南山镇工业园" and project.status == "open"


# --- who sees which ------------------------------------------------------------------------------


def test_the_subtree_on_either_side_sees_a_published_project(ctx):
    county = district_secretary()
    home = make_project(county, "区委", title="区级产业园招商")
    branch = make_project(_user(ctx, "secretary"), "一支部")
    draft = make_project(county, "区委", publish=False, title="还没发布")
    committee = make_project(_user(ctx, "committee_secretary"), "工委", title="商会考察")

    def titles(role: str) -> set[str]:
        page = services.projects_page(_user(ctx, role))
        return {p.title for p in page.items}

    # 陈流动: home 二支部 (under 区委), host 驻深圳支部 (under 工委): both sides reach him.
    assert titles("floating") == {home.title, committee.title}
    assert titles("member") == {home.title, branch.title}
    assert titles("other_member") == {home.title}
    assert titles("instructor") == set()  # home 市委: above, not inside
    assert titles("admin") == {home.title, branch.title, committee.title}
    floating = _user(ctx, "floating")
    assert can_view(floating, home) and in_audience(floating, home)
    assert not can_view(floating, branch) and not can_view(floating, draft)
    assert can_view(county, draft) and not can_view(_user(ctx, "member"), draft)


def test_the_list_filters_by_sector_and_status(ctx):
    county = district_secretary()
    make_project(county, "区委", title="茶园", sector="农业")
    park = make_project(county, "区委", title="物流园", sector="商贸物流")
    services.move_status(county, park, "negotiating")
    member = _user(ctx, "member")
    assert [p.title for p in services.projects_page(member, sector="农业").items] == ["茶园"]
    assert [p.title for p in services.projects_page(member, status="negotiating").items] == [
        "物流园"
    ]
    # Open ones first.
    assert [p.title for p in services.projects_page(member).items] == ["茶园", "物流园"]


# --- interest ------------------------------------------------------------------------------------


def test_interest_is_once_per_member_edited_withdrawn_and_renewed(ctx):
    member = _user(ctx, "member")
    project = make_project(_user(ctx, "secretary"), "一支部")
    first = interest.register_interest(member, project, "invest", "想了解用地")
    again = interest.register_interest(member, project, "introduce", "可以介绍两位老乡")
    assert first.id == again.id and _count(ProjectInterest) == 1
    assert again.help_label == "介绍客商" and again.note == "可以介绍两位老乡"
    interest.withdraw_interest(member, project)
    assert first.is_withdrawn and _count(ProjectInterest) == 1
    with pytest.raises(ProjectError, match="已经撤回"):
        interest.withdraw_interest(member, project)
    interest.register_interest(member, project, "inform", "")
    assert not first.is_withdrawn
    assert [e.action for e in interest.log_of(first)] == ["withdraw", "renew"]


@pytest.mark.parametrize("status", ["paused", "landed", "closed"])
def test_a_project_that_is_not_taking_refuses_interest_and_referrals(ctx, status):
    secretary = _user(ctx, "secretary")
    project = make_project(secretary, "一支部")
    if status == "landed":
        services.move_status(secretary, project, "negotiating")
    services.move_status(secretary, project, status)
    member = _user(ctx, "member")
    with pytest.raises(ProjectError, match="不再接受"):
        interest.register_interest(member, project, "invest", "")
    with pytest.raises(ProjectError, match="不再接受"):
        interest.recommend(member, project, "刘老板", "", "13800138000", "")
    assert _count(ProjectInterest) == 0 and _count(ProjectReferral) == 0


def test_a_draft_or_another_subtrees_project_takes_no_interest(ctx):
    secretary = _user(ctx, "secretary")
    draft = make_project(secretary, "一支部", publish=False, title="草稿")
    published = make_project(secretary, "一支部")
    with pytest.raises(ProjectError):
        interest.register_interest(_user(ctx, "member"), draft, "invest", "")
    with pytest.raises(ProjectError):
        interest.register_interest(_user(ctx, "other_member"), published, "invest", "")
    assert _count(ProjectInterest) == 0


def test_interest_input_is_checked(ctx):
    member = _user(ctx, "member")
    project = make_project(_user(ctx, "secretary"), "一支部")
    with pytest.raises(ProjectError, match="帮助"):
        interest.register_interest(member, project, "money", "")
    with pytest.raises(ProjectError, match="说明最多 500"):
        interest.register_interest(member, project, "invest", "长" * 501)
    assert _count(ProjectInterest) == 0


# --- referrals -----------------------------------------------------------------------------------


def test_referrals_may_be_several_but_the_same_phone_once(ctx):
    member = _user(ctx, "member")
    project = make_project(_user(ctx, "secretary"), "一支部")
    first, new = interest.recommend(member, project, "刘老板", "鹏城茶业", "138 0013 8000", "")
    assert new and first.phone == "13800138000"
    again, new = interest.recommend(member, project, "刘总", "", "+86 13800138000", "")
    assert not new and again.id == first.id
    interest.recommend(member, project, "陈经理", "", "0755-12345678", "做冷链")
    assert _count(ProjectReferral) == 2
    assert [r.name for r in interest.my_referrals(member, project)] == ["刘老板", "陈经理"]


@pytest.mark.parametrize(
    ("name", "phone", "message"),
    [
        ("刘老板", "1380013800", "联系人电话格式不正确"),
        ("刘老板", "", "请填写联系人电话"),
        ("", "13800138000", "请填写联系人姓名"),
        ("刘" * 51, "13800138000", "联系人姓名最多 50 个字"),
    ],
)
def test_bad_referrals_are_refused(ctx, name, phone, message):
    project = make_project(_user(ctx, "secretary"), "一支部")
    with pytest.raises(ProjectError, match=message):
        interest.recommend(_user(ctx, "member"), project, name, "", phone, "")
    assert _count(ProjectReferral) == 0


# --- follow-ups ----------------------------------------------------------------------------------


def _notifications(member: User) -> list[str]:
    return list(
        db.session.scalars(
            select(Notification.text)
            .where(Notification.user_id == member.id)
            .order_by(Notification.id)
        )
    )


def test_a_follow_up_moves_the_state_and_tells_the_member_once(ctx):
    secretary, member = _user(ctx, "secretary"), _user(ctx, "member")
    project = make_project(secretary, "一支部")
    mine = interest.register_interest(member, project, "invest", "")
    assert services.waiting_for(secretary) == 1
    today = local_today()
    interest.record_followup(secretary, mine, "contacted", today, "电话联系，约了下周看地")
    interest.record_followup(secretary, mine, "contacted", today, "发了资料", "下周三看地")
    assert mine.state == "contacted" and mine.followed_up_at is not None
    assert services.waiting_for(secretary) == 0
    log = interest.log_of(mine)
    assert [(e.action, e.state, e.next_step) for e in log] == [
        ("follow", "contacted", ""),
        ("follow", "contacted", "下周三看地"),
    ]
    assert _notifications(member) == [
        "家乡项目“红星村茶叶精深加工厂”：您登记的意向跟进状态为“已联系”。"
    ]


def test_the_same_follow_up_sent_twice_is_recorded_once(ctx):
    secretary, member = _user(ctx, "secretary"), _user(ctx, "member")
    project = make_project(secretary, "一支部")
    mine = interest.register_interest(member, project, "invest", "")
    first = interest.record_followup(secretary, mine, "contacted", local_today(), "已联系", "看地")
    again = interest.record_followup(secretary, mine, "contacted", local_today(), "已联系", "看地")
    assert again.id == first.id and len(interest.log_of(mine)) == 1
    assert len(_notifications(member)) == 1


def test_a_referrals_follow_up_tells_the_member_who_recommended(ctx):
    secretary, member = _user(ctx, "secretary"), _user(ctx, "member")
    project = make_project(secretary, "一支部")
    referral, _ = interest.recommend(member, project, "刘老板", "", "13800138000", "")
    interest.record_followup(secretary, referral, "talking", local_today(), "已见面")
    assert referral.state_label == "洽谈中"
    assert _notifications(member) == [
        "家乡项目“红星村茶叶精深加工厂”：您推荐的联系人刘老板跟进状态为“洽谈中”。"
    ]


@pytest.mark.parametrize(
    ("state", "days", "note", "message"),
    [
        ("contacted", -1, "已联系", "不能晚于今天"),
        ("won", 0, "已联系", "跟进状态"),
        ("contacted", 0, "", "请填写跟进情况"),
        ("contacted", 0, "长" * 501, "最多 500"),
    ],
)
def test_bad_follow_ups_change_nothing(ctx, state, days, note, message):
    secretary, member = _user(ctx, "secretary"), _user(ctx, "member")
    project = make_project(secretary, "一支部")
    mine = interest.register_interest(member, project, "invest", "")
    day = local_today() - timedelta(days=days)
    with pytest.raises(ProjectError, match=message):
        interest.record_followup(secretary, mine, state, day, note)
    assert mine.state == "pending" and _count(ProjectFollowUp) == 0
    assert _notifications(member) == []


@pytest.mark.parametrize("role", ["viewer", "admin"])
def test_readers_do_not_follow_up(ctx, role):
    project = make_project(_user(ctx, "secretary"), "一支部")
    mine = interest.register_interest(_user(ctx, "member"), project, "invest", "")
    with pytest.raises(ProjectError, match="只有发布项目的党组织"):
        interest.record_followup(_user(ctx, role), mine, "contacted", local_today(), "看看")
    assert mine.state == "pending" and _count(ProjectFollowUp) == 0


def test_a_withdrawn_interest_is_not_followed_up(ctx):
    secretary, member = _user(ctx, "secretary"), _user(ctx, "member")
    project = make_project(secretary, "一支部")
    mine = interest.register_interest(member, project, "invest", "")
    interest.withdraw_interest(member, project)
    assert services.waiting_for(secretary) == 0
    with pytest.raises(ProjectError, match="撤回"):
        interest.record_followup(secretary, mine, "contacted", local_today(), "看看")


def test_the_staff_list_counts_interest_and_what_waits(ctx):
    secretary = _user(ctx, "secretary")
    project = make_project(secretary, "一支部")
    quiet = make_project(secretary, "一支部", title="无人问津")
    mine = interest.register_interest(_user(ctx, "member"), project, "invest", "")
    interest.register_interest(_user(ctx, "viewer"), project, "inform", "")
    interest.recommend(_user(ctx, "member"), project, "刘老板", "", "13800138000", "")
    interest.record_followup(secretary, mine, "contacted", local_today(), "已联系")
    rows = {row.project.title: row for row in services.staff_page(secretary).items}
    assert (rows[project.title].interests, rows[project.title].referrals) == (2, 1)
    assert rows[project.title].waiting == 2 and rows[quiet.title].waiting == 0
    waiting = services.staff_page(secretary, waiting_only=True).items
    assert [row.project.id for row in waiting] == [project.id]
    # The work committee reads nothing of 一支部's.
    assert services.staff_page(_user(ctx, "committee_secretary")).items == []


def test_the_export_keeps_member_text_as_text(ctx):
    secretary, member = _user(ctx, "secretary"), _user(ctx, "member")
    project = make_project(secretary, "一支部")
    interest.register_interest(member, project, "invest", '=HYPERLINK("http://x")')
    interest.recommend(member, project, "刘老板", "鹏城茶业", "13800138000", "")
    data = interest_xlsx(project, interest.interests_of(project), interest.referrals_of(project))
    sheet = load_workbook(io.BytesIO(data)).active
    assert "红星村茶叶精深加工厂" in sheet["A1"].value and sheet.freeze_panes == "A3"
    assert sheet["A2"].value == "类别" and sheet["B3"].value == "张党员"
    assert sheet["H3"].value == '=HYPERLINK("http://x")' and sheet["H3"].data_type == "s"
    assert sheet["E4"].value == "刘老板" and sheet["G4"].value == "13800138000"
    assert sheet["C3"].value == find_org("一支部").name
