"""Staff enrol members into a class from the member list (管理 › 党员): the members ticked, the
page shown, or everyone the list's filters match, through the class's own bulk enrolment, so
the waiting list and the refusals are the same; every refusal writes nothing."""

from __future__ import annotations

import re

import pytest

from school.auth import services as accounts
from school.auth.models import User
from school.classes import services
from school.classes.models import TrainingClass
from school.db import db
from school.orgs.services import find_org
from tests.classes.test_classes import _make_class, _states
from tests.conftest import login, post

URL = "/manage/classes/enrol-members"
CLASS_OPTION = re.compile(r'<option value="(\d+)">')


def _staff(app, username: str = "secretary"):
    client = app.test_client()
    login(client, username)
    return client


def _committee_class(app, world) -> int:
    """A class run by the work committee, which 一支部's secretary does not even read."""
    with app.app_context():
        committee = db.session.get(User, world.committee_secretary)
        fields = services.ClassFields(
            title="工委讲座", kind="lecture", place="工委会议室", enrolment="invite"
        )
        training_class = services.create_class(committee, find_org("工委"), fields)
        db.session.commit()
        return training_class.id


def _flashes(client) -> str:
    return client.get("/manage/members/").get_data(as_text=True)


def test_the_list_offers_the_open_classes_the_secretary_runs(app, world):
    with app.app_context():
        class_id, _ = _make_class(world)
        closed_id, _ = _make_class(world, title="已停止报名的班")
        db.session.get(TrainingClass, closed_id).status = "closed"
        db.session.commit()
    other_id = _committee_class(app, world)
    page = _staff(app).get("/manage/members/").get_data(as_text=True)
    assert CLASS_OPTION.findall(page) == [str(class_id)]
    assert str(other_id) not in CLASS_OPTION.findall(page)
    assert f'value="{world.member}" form="enrol-members"> 选择张党员</label>' in page
    assert "全选本页（3 人）" in page and "筛选结果全部 3 人" in page
    assert 'action="/manage/classes/enrol-members"' in page


@pytest.mark.parametrize("username", ["viewer", "secretary"])
def test_no_enrol_control_without_an_open_class_to_run(app, world, username):
    """The viewer reads 一支部 but runs nothing; the secretary has no class yet."""
    if username == "viewer":
        with app.app_context():
            _make_class(world)
    page = _staff(app, username).get("/manage/members/").get_data(as_text=True)
    assert "张党员" in page
    assert "报名培训班" not in page and 'name="member"' not in page


def test_an_ordinary_member_neither_sees_the_list_nor_posts(app, world):
    with app.app_context():
        class_id, _ = _make_class(world)
    client = _staff(app, "member")
    assert client.get("/manage/members/").status_code == 403
    response = post(client, URL, {"class": class_id, "member": [str(world.member)]})
    assert response.status_code == 403
    assert _states(app, class_id) == {}


def test_ticked_members_are_enrolled_and_the_summary_is_the_class_pages(app, world):
    with app.app_context():
        class_id, _ = _make_class(world)
    client = _staff(app)
    response = post(
        client,
        URL,
        {"class": class_id, "scope": "ticked", "member": [str(world.member), str(world.viewer)]},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/manage/classes/{class_id}"
    assert "已报名 2 人。" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert _states(app, class_id) == {world.member: "enrolled", world.viewer: "enrolled"}
    again = post(client, URL, {"class": class_id, "member": [str(world.member)]})
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "已报名 0 人，1 人此前已报名。" in page


def test_the_whole_page_is_enrolled(app, world):
    with app.app_context():
        class_id, _ = _make_class(world)
    ids = [str(world.member), str(world.secretary)]
    post(_staff(app), URL, {"class": class_id, "scope": "page", "page_member": ids})
    assert _states(app, class_id) == {world.member: "enrolled", world.secretary: "enrolled"}


def test_all_matching_the_filter_enrols_exactly_those_in_the_viewers_list(app, world):
    with app.app_context():
        class_id, _ = _make_class(world, target=None)
    client = _staff(app)
    # 张党员 only: the name filter, and never 李党员 of 二支部 whatever is ticked.
    response = post(
        client,
        URL,
        {"class": class_id, "scope": "all", "q": "张", "member": [str(world.viewer)]},
    )
    assert response.status_code == 302
    assert _states(app, class_id) == {world.member: "enrolled"}
    post(client, URL, {"class": class_id, "scope": "all", "relation": "home"})
    assert _states(app, class_id) == {
        world.member: "enrolled",
        world.secretary: "enrolled",
        world.viewer: "enrolled",
    }


def test_all_for_the_committee_covers_its_floating_members_only(app, world):
    with app.app_context():
        committee = db.session.get(User, world.committee_secretary)
        fields = services.ClassFields(
            title="返乡培训", kind="homecoming", online=True, enrolment="invite"
        )
        class_id = services.create_class(committee, find_org("工委"), fields).id
        db.session.commit()
    post(_staff(app, "committee"), URL, {"class": class_id, "scope": "all", "org": "驻深圳支部"})
    assert _states(app, class_id) == {world.floating: "enrolled"}


def test_capacity_puts_the_overflow_on_the_waiting_list(app, world):
    with app.app_context():
        class_id, _ = _make_class(world, capacity=2)
    client = _staff(app)
    response = post(client, URL, {"class": class_id, "scope": "all"})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已报名 2 人，候补 1 人（名额已满）。" in page
    states = _states(app, class_id)
    assert sorted(states.values()) == ["enrolled", "enrolled", "waiting"]
    assert set(states) == {world.member, world.secretary, world.viewer}


def test_a_member_outside_the_secretarys_scope_is_refused_and_nothing_is_written(app, world):
    with app.app_context():
        class_id, _ = _make_class(world, target=None)
    client = _staff(app)
    response = post(
        client,
        URL,
        {"class": class_id, "member": [str(world.member), str(world.other_member)], "q": "党"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/manage/members/?q=%E5%85%9A"
    page = _flashes(client)
    assert "没有为“春节返乡培训班”报名任何人" in page
    assert "有 1 名党员不在您管理的范围内。" in page and "李党员" not in page
    assert _states(app, class_id) == {}


def test_a_member_the_secretary_reads_but_does_not_manage_is_named_and_refused(app, world):
    """With a read-only grant on 二支部 the secretary sees 李党员 in the list, but may not enrol
    him: the class page's own row error, and nobody is enrolled, 张党员 neither."""
    with app.app_context():
        class_id, _ = _make_class(world, target=None)
        accounts.grant_staff(db.session.get(User, world.secretary), find_org("二支部"), "viewer")
        db.session.commit()
    client = _staff(app)
    assert "李党员" in client.get("/manage/members/").get_data(as_text=True)
    post(client, URL, {"class": class_id, "member": [str(world.member), str(world.other_member)]})
    assert "李党员（YZ003）不在您管理的范围内。" in _flashes(client)
    assert _states(app, class_id) == {}
    post(client, URL, {"class": class_id, "scope": "all"})  # 李党员 and 陈流动 are listed too
    page = _flashes(client)
    assert "李党员（YZ003）不在您管理的范围内。" in page and "陈流动（YZ004）" in page
    assert _states(app, class_id) == {}


def test_a_class_the_secretary_does_not_run_answers_404_and_writes_nothing(app, world):
    other_id = _committee_class(app, world)
    response = post(_staff(app), URL, {"class": other_id, "member": [str(world.member)]})
    assert response.status_code == 404
    assert _states(app, other_id) == {}
    assert post(_staff(app), URL, {"class": 999999, "scope": "all"}).status_code == 404


def test_a_reader_of_the_class_who_may_not_run_it_is_refused_as_on_the_enrol_page(app, world):
    with app.app_context():
        class_id, _ = _make_class(world)
    client = _staff(app, "viewer")
    assert post(client, f"/manage/classes/{class_id}/enrol").status_code == 403
    assert post(client, URL, {"class": class_id, "member": [str(world.member)]}).status_code == 403
    assert _states(app, class_id) == {}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"member": ["MEMBER"]}, "请选择培训班，没有报名任何人。"),
        ({"class": "CLASS"}, "请勾选要报名的党员"),
        ({"class": "CLASS", "scope": "page"}, "请勾选要报名的党员"),
        ({"class": "CLASS", "scope": "all", "q": "没有这个人"}, "筛选结果中没有党员"),
        ({"class": "CLASS", "scope": "all", "org": "不存在的组织"}, "不存在的组织"),
    ],
)
def test_nothing_chosen_is_told_in_chinese_and_writes_nothing(app, world, data, message):
    with app.app_context():
        class_id, _ = _make_class(world)
    fill = {"MEMBER": str(world.member), "CLASS": str(class_id)}
    data = {
        k: [fill.get(x, x) for x in v] if isinstance(v, list) else fill.get(v, v)
        for k, v in data.items()
    }
    client = _staff(app)
    response = post(client, URL, data)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/manage/members/")
    assert message in _flashes(client)
    assert _states(app, class_id) == {}


def test_a_post_without_the_csrf_token_is_refused(app, world):
    with app.app_context():
        class_id, _ = _make_class(world)
    client = _staff(app)
    response = client.post(URL, data={"class": class_id, "member": [str(world.member)]})
    assert response.status_code == 400
    assert _states(app, class_id) == {}
