"""Boards name the organisation: the member sees where an item goes before sending it, and its
author and handlers see who handles it; the item's age reads 今天 / N 天前."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from school.auth.models import User
from school.db import db
from school.forum import services
from school.forum.models import Thread
from school.orgs.services import find_org
from tests.conftest import login, post
from tests.factories import make_user


def _client(app, username: str):
    client = app.test_client()
    login(client, username)
    return client


def _send(client, board: str = "suggestion", **fields):
    data = {"title": "建议", "body": "内容", "help_category": "", "client_token": "", **fields}
    return post(client, f"/forum/{board}/new", data, content_type="multipart/form-data")


def _new(client, board: str = "suggestion", **fields) -> int:
    response = _send(client, board, **fields)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/forum/threads/(\d+)", response.headers["Location"]).group(1))


def _threads(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Thread.id)))


def _radios(page: str) -> list[tuple[str, str]]:
    """(value, label) of the 提交给 choices on a new-item form."""
    radio = r'<input type="radio" name="target" value="(\w+)"[^>]*> ([^<]+)</label>'
    return re.findall(radio, page)


@pytest.mark.parametrize("board", ["qa", "suggestion", "report", "help"])
def test_the_floating_member_chooses_between_named_organisations(app, world, board):
    page = _client(app, "floating").get(f"/forum/{board}/new").get_data(as_text=True)
    assert _radios(page) == [("home", "流出地：二支部"), ("host", "流入地：驻深圳支部")]
    assert re.search(r'value="home"\s+checked', page)  # home stays the default


def test_a_member_without_a_host_is_told_where_it_goes_and_offered_no_choice(app, world):
    page = _client(app, "member").get("/forum/help/new").get_data(as_text=True)
    assert _radios(page) == []
    assert "流入地" not in page
    assert "提交给：一支部（流出地）" in page
    assert '<input type="hidden" name="target" value="home">' in page


def test_a_member_with_only_a_host_sends_to_it(app, client, world):
    with app.app_context():
        make_user("hostonly", "周外来", host_org=find_org("驻深圳支部"))
        db.session.commit()
    login(client, "hostonly")
    page = client.get("/forum/report/new").get_data(as_text=True)
    assert "提交给：驻深圳支部（流入地）" in page and _radios(page) == []
    thread_id = _new(client, "report", target="host")
    assert "经办：驻深圳支部" in client.get(f"/forum/threads/{thread_id}").get_data(as_text=True)


def test_a_member_without_any_organisation_gets_a_message_and_no_form(app, client, world):
    with app.app_context():
        make_user("loner", "吴无组织")
        db.session.commit()
    login(client, "loner")
    page = client.get("/forum/help/new").get_data(as_text=True)
    assert "还没有登记所属党组织" in page and 'name="title"' not in page
    response = _send(client, "help", target="home", help_category="other")
    assert "还没有所属党组织，无法提交" in response.get_data(as_text=True)
    assert _threads(app) == 0


def test_sending_to_a_side_the_member_lacks_is_refused_and_the_text_kept(app, client, world):
    """A form from before the member's host organisation was removed."""
    login(client, "member")
    response = _send(client, target="host", body="我写了很长的建议")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "您没有登记流入地党组织，请改为提交给流出地：一支部。" in page
    assert "我写了很长的建议" in page
    assert _threads(app) == 0


def test_the_author_and_the_handlers_see_who_handles_the_item(app, client, world):
    login(client, "floating")
    thread_id = _new(client, "help", target="host", help_category="wages")
    url = f"/forum/threads/{thread_id}"
    committee = _client(app, "committee")
    for viewer in (client, committee):
        assert "经办：驻深圳支部</p>" in viewer.get(url).get_data(as_text=True)
    post(committee, f"{url}/assign", {"assignee": str(world.committee_secretary)})
    for viewer in (client, committee):
        assert "经办：驻深圳支部（钱工委）" in viewer.get(url).get_data(as_text=True)
    # The member's own list says it too.
    assert "经办：驻深圳支部" in client.get("/forum/mine").get_data(as_text=True)
    assert "经办：驻深圳支部" in client.get("/forum/").get_data(as_text=True)


def test_other_members_of_a_public_question_do_not_learn_where_it_went(app, client, world):
    login(client, "member")
    thread_id = _new(client, "qa", public="y", anonymous="y")
    page = client.get(f"/forum/threads/{thread_id}").get_data(as_text=True)
    assert "经办：一支部" in page
    peer = _client(app, "other").get(f"/forum/threads/{thread_id}").get_data(as_text=True)
    assert "经办" not in peer and "一支部" not in peer


def test_a_lesson_question_is_handled_by_the_course_instructors(app, client, world):
    from school.courses.models import Lesson

    with app.app_context():
        lesson_id = db.session.scalar(select(Lesson.id).where(Lesson.slug == "one"))
    login(client, "member")
    page = client.get(f"/forum/qa/new?lesson={lesson_id}").get_data(as_text=True)
    assert _radios(page) == [] and 'name="target"' not in page
    response = post(
        client,
        f"/forum/qa/new?lesson={lesson_id}",
        {"title": "关于这一课", "body": "不懂", "help_category": "", "client_token": ""},
        content_type="multipart/form-data",
    )
    thread_url = response.headers["Location"]
    assert "经办：课程教员" in client.get(thread_url).get_data(as_text=True)


def _age(app, client, thread_id: int, days: int) -> str:
    with app.app_context():
        thread = db.session.get(Thread, thread_id)
        thread.created_at -= timedelta(days=days)
        db.session.commit()
    head = client.get(f"/forum/threads/{thread_id}").get_data(as_text=True)
    return re.search(r'<p class="meta">(.*?)</p>', head.split("<h1>", 1)[1], re.S).group(1)


def test_an_open_item_says_how_long_ago_it_was_sent(app, client, world):
    login(client, "member")
    thread_id = _new(client)
    assert "今天提交" in _age(app, client, thread_id, 0)
    assert "已提交 0 天" not in client.get(f"/forum/threads/{thread_id}").get_data(as_text=True)
    assert "3 天前提交" in _age(app, client, thread_id, 3)
    post(client, f"/forum/threads/{thread_id}/withdraw")
    assert "提交" not in _age(app, client, thread_id, 0)


def test_days_since_counts_local_calendar_days(app):
    # The school's day (Asia/Shanghai by default) starts at 16:00 UTC.
    now = datetime(2026, 12, 6, 1, 0, tzinfo=UTC)  # 09:00 local on the 6th
    with app.app_context():
        assert services.days_since(datetime(2026, 12, 5, 17, 0, tzinfo=UTC), now) == 0
        assert services.days_since(datetime(2026, 12, 5, 15, 0, tzinfo=UTC), now) == 1
        assert services.days_since(datetime(2026, 12, 1, 2, 0, tzinfo=UTC), now) == 5


def test_the_service_refuses_a_missing_side_with_a_message(app, world):
    with app.app_context():
        member = db.session.scalar(select(User).where(User.username == "member"))
        with pytest.raises(services.ForumError, match="没有登记流入地党组织"):
            services.create_thread(member, services.NewThread("report", "t", "b", to_host=True))
        assert db.session.scalar(select(func.count(Thread.id))) == 0
