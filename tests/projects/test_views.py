"""Hometown project pages: members find their home's projects on a phone, register interest
once however often they send the form, and recommend contacts; the publishing organisation
writes, follows up and exports; those above read; refusals change nothing."""

from __future__ import annotations

import io
import re
from pathlib import Path

from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import func, select

from school.auth.models import User
from school.db import db
from school.notifications.models import Notification
from school.orgs.services import find_org
from school.projects import interest, services
from school.projects.models import Project, ProjectFollowUp, ProjectInterest, ProjectReferral
from tests.conftest import login, post
from tests.projects.factories import district_secretary, make_project


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _user(world, role: str) -> User:
    return db.session.get(User, getattr(world, role))


def _logged_in(app, username: str):
    client = app.test_client()
    login(client, username)
    return client


def _county_project(app, **changes) -> int:
    """A published project of 区委 (home of 张党员, 李党员 and 陈流动)."""
    with app.app_context():
        project = make_project(district_secretary(), "区委", **changes)
        db.session.commit()
        return project.id


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 6), "red").save(out, "PNG")
    return out.getvalue()


def _form(**changes) -> dict:
    return {
        "title": "南山镇农产品冷链物流中心",
        "org": "0",
        "sector": "商贸物流",
        "place": "南山镇",
        "size": "8000",
        "description": "建设 **冷库** 两座。",
        "contact_name": "赵书记",
        "contact_phone": "13907310101",
        "action": "publish",
        **changes,
    }


def test_a_floating_member_finds_the_home_project_and_registers_interest(app, world):
    project_id = _county_project(app)
    member = _logged_in(app, "floating")
    board = member.get("/projects/").get_data(as_text=True)
    assert "红星村茶叶精深加工厂" in board and "3,000 万元" in board
    page = member.get(f"/projects/{project_id}").get_data(as_text=True)
    # Signed in and in the project's subtree: the phone number in full.
    assert "13907310101" in page and "<strong>800 亩</strong>" in page
    assert "登记意向" in page
    data = {"help_kind": "introduce", "note": "认识两位做茶叶出口的老乡"}
    flashes = []
    for _ in range(2):  # a double tap
        response = post(member, f"/projects/{project_id}/interest", data, follow_redirects=True)
        flashes.append(re.search(r'class="flash[^"]*"[^>]*>([^<]+)<', response.text).group(1))
    assert flashes == ["意向已登记，发布项目的党组织会与您联系。", "已更新您的意向。"]
    with app.app_context():
        assert _count(ProjectInterest) == 1
    page = member.get(f"/projects/{project_id}").get_data(as_text=True)
    assert "待联系" in page and "修改意向" in page
    assert "已登记意向" in member.get("/projects/").get_data(as_text=True)


def test_the_home_page_and_my_page_lead_to_the_projects(app, world):
    member = _logged_in(app, "member")
    assert 'href="/projects/"' in member.get("/").get_data(as_text=True)
    assert 'href="/projects/"' in member.get("/profile/").get_data(as_text=True)


def test_another_subtrees_project_and_a_draft_answer_404_and_take_nothing(app, world):
    with app.app_context():
        secretary = _user(world, "secretary")
        theirs = make_project(secretary, "一支部").id
        draft = make_project(secretary, "一支部", publish=False, title="村级光伏电站").id
        db.session.commit()
    other = _logged_in(app, "other")  # 二支部
    member = _logged_in(app, "member")  # 一支部
    assert other.get(f"/projects/{theirs}").status_code == 404
    data = {"help_kind": "invest", "note": ""}
    assert post(other, f"/projects/{theirs}/interest", data).status_code == 404
    assert post(member, f"/projects/{draft}/interest", data).status_code == 404
    recommend = {"name": "刘老板", "phone": "13800138000"}
    assert post(member, f"/projects/{draft}/recommend", recommend).status_code == 404
    with app.app_context():
        assert _count(ProjectInterest) == 0 and _count(ProjectReferral) == 0


def test_a_recommendation_on_a_closed_project_is_refused(app, world):
    project_id = _county_project(app)
    with app.app_context():
        county = db.session.scalar(select(User).where(User.username == "county"))
        services.move_status(county, db.session.get(Project, project_id), "closed", "已落实投资方")
        db.session.commit()
    member = _logged_in(app, "member")
    page = member.get(f"/projects/{project_id}").get_data(as_text=True)
    assert "提交推荐" not in page
    response = post(
        member, f"/projects/{project_id}/recommend", {"name": "刘老板", "phone": "13800138000"}
    )
    assert response.status_code == 400
    assert "不再接受意向登记和推荐" in response.get_data(as_text=True)
    with app.app_context():
        assert _count(ProjectReferral) == 0


def test_a_bad_phone_gets_a_clear_message_and_keeps_what_was_typed(app, world):
    project_id = _county_project(app)
    member = _logged_in(app, "member")
    data = {"name": "刘老板", "company": "鹏城茶业", "phone": "1380013", "reason": "做出口"}
    response = post(member, f"/projects/{project_id}/recommend", data)
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and "联系人电话格式不正确" in text
    assert 'value="鹏城茶业"' in text
    too_long = {**data, "phone": "13800138000", "name": "刘" * 51}
    text = post(member, f"/projects/{project_id}/recommend", too_long).get_data(as_text=True)
    assert "联系人姓名最多 50 个字" in text
    with app.app_context():
        assert _count(ProjectReferral) == 0


def test_the_secretary_publishes_with_a_cover_and_bad_input_creates_nothing(app, world):
    staff = _logged_in(app, "secretary")
    tampered = post(staff, "/manage/projects/new", _form(org="x"))
    assert "请选择发布项目的党组织" in tampered.get_data(as_text=True)
    with app.app_context():
        branch = str(find_org("一支部").id)
    multipart = {"content_type": "multipart/form-data"}
    bad = post(staff, "/manage/projects/new", _form(org=branch, size="0"), **multipart)
    assert bad.status_code == 200 and "1 至 10,000,000 万元" in bad.get_data(as_text=True)
    not_image = _form(org=branch, cover=(io.BytesIO(b"<svg onload=alert(1)>"), "x.png"))
    refused = post(staff, "/manage/projects/new", not_image, **multipart)
    assert "只能上传" in refused.get_data(as_text=True)
    with app.app_context():
        assert _count(Project) == 0
    good = _form(org=branch, cover=(io.BytesIO(_png()), "cover.png"))
    response = post(staff, "/manage/projects/new", good, **multipart)
    assert response.status_code == 302
    with app.app_context():
        project = db.session.scalar(select(Project))
        assert project.status == "open" and project.org.name == "一支部" and project.cover_name
        project_id = project.id
    member = _logged_in(app, "member")
    with member.get(f"/projects/{project_id}/cover") as cover:
        assert cover.status_code == 200 and cover.mimetype == "image/png"
    assert _logged_in(app, "other").get(f"/projects/{project_id}/cover").status_code == 404
    # A new cover replaces the old one on disk too; removing it leaves no file behind.
    with app.app_context():
        covers = Path(app.config["UPLOAD_DIR"]) / "projects"
        first = db.session.get(Project, project_id).cover_name
    edit = dict(good, cover=(io.BytesIO(_png()), "new.png"))
    assert post(staff, f"/manage/projects/{project_id}/edit", edit, **multipart).status_code == 302
    with app.app_context():
        second = db.session.get(Project, project_id).cover_name
    assert second != first and not (covers / first).exists() and (covers / second).exists()
    removed = dict(edit, remove_cover="y")
    removed.pop("cover")
    assert (
        post(staff, f"/manage/projects/{project_id}/edit", removed, **multipart).status_code == 302
    )
    assert sorted(p.name for p in covers.iterdir()) == []


def test_staff_follow_up_the_member_is_told_and_sees_the_state(app, world):
    with app.app_context():
        project = make_project(_user(world, "secretary"), "一支部")
        mine = interest.register_interest(_user(world, "member"), project, "invest", "想看地")
        project_id, interest_id = project.id, mine.id
        db.session.commit()
    staff = _logged_in(app, "secretary")
    listing = staff.get("/manage/projects/").get_data(as_text=True)
    assert "意向 <strong>1</strong>" in listing and "1 条待跟进" in listing
    detail = staff.get(f"/manage/projects/{project_id}").get_data(as_text=True)
    assert "张党员" in detail and "想看地" in detail and "一支部" in detail
    assert "家乡项目待跟进的意向和推荐" in staff.get("/workbench/").get_data(as_text=True)
    page = staff.get(f"/manage/projects/interests/{interest_id}").get_data(as_text=True)
    assert "记录跟进" in page
    data = {
        "state": "talking",
        "contacted_on": "2026-12-01",
        "note": "见面谈了用地",
        "next_step": "",
    }
    assert post(staff, f"/manage/projects/interests/{interest_id}", data).status_code == 302
    member = _logged_in(app, "member")
    assert "洽谈中" in member.get(f"/projects/{project_id}").get_data(as_text=True)
    with app.app_context():
        texts = db.session.scalars(
            select(Notification.text).where(Notification.user_id == world.member)
        ).all()
        assert any("洽谈中" in text for text in texts)
    export = staff.get(f"/manage/projects/{project_id}/export")
    sheet = load_workbook(io.BytesIO(export.data)).active
    assert sheet["B3"].value == "张党员" and sheet["J3"].value == "洽谈中"


def test_readers_above_see_but_cannot_write_and_nothing_changes(app, world):
    with app.app_context():
        project = make_project(_user(world, "secretary"), "一支部")
        mine = interest.register_interest(_user(world, "member"), project, "invest", "")
        project_id, interest_id = project.id, mine.id
        district_secretary()
        db.session.commit()
    for username in ("county", "viewer", "admin"):
        reader = _logged_in(app, username)
        page = reader.get(f"/manage/projects/{project_id}").get_data(as_text=True)
        assert "张党员" in page and "您可以查看" in page
        assert f"/manage/projects/{project_id}/edit" not in page
        follow = {"state": "signed", "contacted_on": "2026-12-01", "note": "签了"}
        refused = post(reader, f"/manage/projects/interests/{interest_id}", follow)
        assert refused.status_code == 403
        assert (
            post(reader, f"/manage/projects/{project_id}/status", {"to": "closed"}).status_code
            == 403
        )
        edit = post(reader, f"/manage/projects/{project_id}/edit", _form(title="改"))
        assert edit.status_code == 403
    # Another organisation's staff do not know of it.
    committee = _logged_in(app, "committee")
    assert committee.get(f"/manage/projects/{project_id}").status_code == 404
    assert committee.get(f"/manage/projects/{project_id}/export").status_code == 404
    with app.app_context():
        project = db.session.get(Project, project_id)
        assert project.status == "open" and project.title == "红星村茶叶精深加工厂"
        assert _count(ProjectFollowUp) == 0
        assert db.session.get(ProjectInterest, interest_id).state == "pending"


def test_the_secretary_moves_the_status_with_a_note(app, world):
    with app.app_context():
        project_id = make_project(_user(world, "secretary"), "一支部").id
        db.session.commit()
    staff = _logged_in(app, "secretary")
    page = staff.get(f"/manage/projects/{project_id}").get_data(as_text=True)
    assert "暂停招商" in page and "进入洽谈" in page
    response = post(
        staff, f"/manage/projects/{project_id}/status", {"to": "paused", "note": "等用地指标"}
    )
    assert response.status_code == 302
    page = staff.get(f"/manage/projects/{project_id}").get_data(as_text=True)
    assert "等用地指标" in page and "赵书记" in page
    refused = post(staff, f"/manage/projects/{project_id}/status", {"to": "landed"})
    assert refused.status_code == 302
    with app.app_context():
        assert db.session.get(Project, project_id).status == "paused"


def test_withdrawing_keeps_the_row(app, world):
    project_id = _county_project(app)
    member = _logged_in(app, "member")
    post(member, f"/projects/{project_id}/interest", {"help_kind": "invest"})
    post(member, f"/projects/{project_id}/interest/withdraw")
    page = member.get(f"/projects/{project_id}").get_data(as_text=True)
    assert "/interest/withdraw" not in page and "撤回意向。" in page
    with app.app_context():
        row = db.session.scalar(select(ProjectInterest))
        assert row.is_withdrawn


def test_the_member_pages_run_a_fixed_few_statements(app, world, count_statements):
    for size in (1, 6):
        with app.app_context():
            county = db.session.scalar(select(User).where(User.username == "county"))
            county = county or district_secretary()
            for n in range(size):
                project = make_project(county, "区委", title=f"项目 {size}-{n}")
                interest.register_interest(_user(world, "member"), project, "invest", "")
                interest.recommend(_user(world, "member"), project, "刘老板", "", "13800138000", "")
            project_id = project.id
            db.session.commit()
        member = _logged_in(app, "member")
        board, statements = count_statements(member, "/projects/")
        assert board.status_code == 200
        # The login, the member's home organisation, the count, the page, its organisations,
        # the member's interest among them.
        assert len(statements) == 6, "\n".join(statements)
        page, statements = count_statements(member, f"/projects/{project_id}")
        assert page.status_code == 200
        # The login, the project, its organisation, the member's home organisation, their
        # interest and their referrals.
        assert len(statements) == 6, "\n".join(statements)


def test_the_staff_list_runs_a_fixed_few_statements(app, world, count_statements):
    counts = []
    for size in (1, 6):
        with app.app_context():
            for n in range(size):
                project = make_project(
                    _user(world, "secretary"), "一支部", title=f"项目 {size}-{n}"
                )
                interest.register_interest(_user(world, "member"), project, "invest", "")
            db.session.commit()
        staff = _logged_in(app, "secretary")
        response, statements = count_statements(staff, "/manage/projects/")
        assert response.status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1] <= 7, counts
