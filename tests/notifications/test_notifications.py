"""Notifications: who gets one, the unread count, the inbox, and that nobody opens another's."""

import logging
import re

import pytest
from flask import Flask
from sqlalchemy import event, select, text

from school.auth.models import User
from school.db import db
from school.notifications import services
from school.notifications.models import Notification
from tests.conftest import login, post


def _user(user_id: int) -> User:
    return db.session.get(User, user_id)


def _notify(app: Flask, user_id: int, count: int = 1, url: str = "/courses/rules") -> list[int]:
    """Give a user ``count`` notifications, oldest first; returns their ids."""
    with app.app_context():
        for number in range(count):
            services.notify([_user(user_id)], "reply", f"第 {number} 条消息", url)
        db.session.commit()
        return list(
            db.session.scalars(
                select(Notification.id)
                .where(Notification.user_id == user_id)
                .order_by(Notification.id)
            )
        )


def _read_at(app: Flask, notification_id: int):
    with app.app_context():
        return db.session.get(Notification, notification_id).read_at


def test_notify_skips_the_actor_inactive_users_and_duplicates(app, world):
    with app.app_context():
        member, other, secretary = (
            _user(i) for i in (world.member, world.other_member, world.secretary)
        )
        floating = _user(world.floating)
        floating.active = False
        users = [member, other, member, secretary, floating]
        created = services.notify(users, "reply", "赵书记回复了您的帖子", "/x", exclude=secretary)
        assert created == 2
        recipients = db.session.scalars(select(Notification.user_id)).all()
        assert sorted(recipients) == sorted([member.id, other.id])


def test_notify_with_nobody_left_creates_nothing(app, world):
    with app.app_context():
        secretary = _user(world.secretary)
        assert services.notify([secretary], "reply", "自己", "/x", exclude=secretary) == 0
        assert services.unread_count(secretary) == 0


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/x",
        "//evil.example/x",
        "javascript:alert(1)",
        "courses/rules",
        "/\\evil.example",
        "/courses/\nrules",
        "",
        "/" + "a" * 300,
    ],
)
def test_notify_refuses_a_url_that_is_not_a_local_path(app, world, url):
    with app.app_context():
        with pytest.raises(ValueError):
            services.notify([_user(world.member)], "reply", "消息", url)
        assert db.session.scalar(select(Notification)) is None


def test_a_fragment_survives_and_long_text_is_cut(app, world):
    (notification_id,) = _notify(app, world.member, url="/forum/threads/3?page=2#reply-12")
    with app.app_context():
        services.notify([_user(world.other_member)], "reply", "长" * 400, "/x")
        long = db.session.scalar(
            select(Notification).where(Notification.user_id == world.other_member)
        )
        assert len(long.text) == 300
        assert long.text.endswith("…")
    client = app.test_client()
    login(client, "member")
    response = client.get(f"/notifications/{notification_id}")
    assert response.status_code == 302
    assert response.headers["Location"] == "/forum/threads/3?page=2#reply-12"


def test_opening_marks_read_and_redirects_to_the_page(app, client, world):
    first, second = _notify(app, world.member, 2)
    with app.app_context():
        assert services.unread_count(_user(world.member)) == 2
    login(client, "member")
    response = client.get(f"/notifications/{first}")
    assert response.status_code == 302
    assert response.headers["Location"] == "/courses/rules"
    read_at = _read_at(app, first)
    assert read_at is not None
    with app.app_context():
        assert services.unread_count(_user(world.member)) == 1
    # Opening it again keeps the first reading time.
    client.get(f"/notifications/{first}")
    assert _read_at(app, first) == read_at
    assert _read_at(app, second) is None


def test_another_users_notification_is_404_and_stays_unread(app, client, world):
    (notification_id,) = _notify(app, world.member)
    login(client, "other")
    assert client.get(f"/notifications/{notification_id}").status_code == 404
    assert _read_at(app, notification_id) is None
    inbox = client.get("/notifications/").get_data(as_text=True)
    assert "第 0 条消息" not in inbox
    # Read-all is the other user's too: the member's notification is untouched.
    assert post(client, "/notifications/read-all").status_code == 302
    assert _read_at(app, notification_id) is None


def test_services_refuse_another_users_notification(app, world):
    (notification_id,) = _notify(app, world.member)
    with app.app_context():
        assert services.open_notification(_user(world.other_member), notification_id) is None
        assert services.open_notification(_user(world.member), 999999) is None
    assert _read_at(app, notification_id) is None


def test_inbox_pages_newest_first(app, client, world):
    ids = _notify(app, world.member, 25)
    with app.app_context():
        member = _user(world.member)
        page_one, total = services.inbox(member, 1)
        page_two, _ = services.inbox(member, 2)
    assert total == 25
    assert [n.id for n in page_one] == ids[::-1][:20]
    assert [n.id for n in page_two] == ids[::-1][20:]

    login(client, "member")
    html = client.get("/notifications/?page=2").get_data(as_text=True)
    assert "第 1/2 页" not in html and "第 2/2 页" in html
    assert "第 4 条消息" in html and "第 5 条消息" not in html
    assert html.index("第 4 条消息") < html.index("第 0 条消息")


def test_unread_ones_are_highlighted(app, client, world):
    first, _second = _notify(app, world.member, 2)
    login(client, "member")
    client.get(f"/notifications/{first}")
    html = client.get("/notifications/").get_data(as_text=True)
    assert html.count('class="is-unread"') == 1
    assert html.count("未读：") == 1


def test_read_all(app, client, world):
    ids = _notify(app, world.member, 3)
    _notify(app, world.other_member)
    with app.app_context():
        assert services.mark_all_read(_user(world.member)) == 3
        db.session.rollback()
    login(client, "member")
    assert "全部标为已读" in client.get("/notifications/").get_data(as_text=True)
    response = post(client, "/notifications/read-all")
    assert response.status_code == 302
    assert response.headers["Location"] == "/notifications/"
    assert all(_read_at(app, i) is not None for i in ids)
    with app.app_context():
        assert services.unread_count(_user(world.member)) == 0
        assert services.unread_count(_user(world.other_member)) == 1
        assert services.mark_all_read(_user(world.member)) == 0


def test_read_all_needs_a_csrf_token(app, client, world):
    (notification_id,) = _notify(app, world.member)
    login(client, "member")
    assert client.post("/notifications/read-all").status_code == 400
    assert _read_at(app, notification_id) is None


def _badge(html: str) -> str | None:
    match = re.search(
        r'<span class="nav-badge">(.*?)<span class="visually-hidden">(.*?)</span>', html
    )
    return match and f"{match.group(1)}{match.group(2)}"


def test_the_header_shows_the_unread_count(app, client, world):
    login(client, "member")
    assert _badge(client.get("/").get_data(as_text=True)) is None
    _notify(app, world.member, 3)
    _notify(app, world.other_member)
    assert _badge(client.get("/").get_data(as_text=True)) == "3 条未读"
    post(client, "/notifications/read-all")
    html = client.get("/").get_data(as_text=True)
    assert _badge(html) is None
    assert ">消息</a>" in html


def test_the_header_costs_one_query(app, client, engine, world):
    _notify(app, world.member, 2)
    login(client, "member")
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        # A course page: the home page also lists the replies waiting, a query of its own.
        client.get("/courses/rules")
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert len([s for s in statements if "notifications" in s]) == 1


# An app of its own (a configuration of its own): the test adds a route to it.
@pytest.mark.parametrize("config_overrides", [{"PROPAGATE_EXCEPTIONS": False}])
def test_the_error_page_survives_a_failed_transaction(app, client, world):
    @app.get("/boom")
    def boom():
        db.session.execute(text("SELECT * FROM no_such_table"))

    login(client, "member")
    response = client.get("/boom")
    assert response.status_code == 500
    assert "服务器出错了" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "config_overrides", [{"NOTIFY_EMAIL": True, "EXTERNAL_URL": "https://dangxiao.example.cn"}]
)
def test_email_is_logged_when_switched_on(app, world, caplog):
    with app.app_context(), caplog.at_level(logging.INFO, logger="school.mail"):
        services.notify([_user(world.member)], "answer", "教员解答了您的问题", "/x")
    # An email needs the full link, on the site's configured address.
    assert [r.getMessage() for r in caplog.records] == [
        "email to member: 教员解答了您的问题 (https://dangxiao.example.cn/x)"
    ]


def test_no_email_by_default(app, world, caplog):
    with app.app_context(), caplog.at_level(logging.INFO, logger="school.mail"):
        services.notify([_user(world.member)], "answer", "教员解答了您的问题", "/x")
    assert caplog.records == []


def test_notify_all_tells_the_active_users_selected_except_the_actor(app, world):
    with app.app_context():
        db.session.get(User, world.viewer).active = False
        secretary = _user(world.secretary)
        branch_a = secretary.home_org_id
        told = services.notify_all(
            User.home_org_id == branch_a, "notice", "长" * 400, "/notices/1", exclude=secretary
        )
        assert told == 1  # 张党员: 孙查看 is disabled, 赵书记 wrote it
        [notification] = db.session.scalars(select(Notification)).all()
        assert notification.user_id == world.member and notification.url == "/notices/1"
        assert len(notification.text) == 300 and notification.text.endswith("…")
        assert notification.created_at is not None and notification.read_at is None
        assert services.unread_count(_user(world.member)) == 1


def test_notify_all_refuses_a_url_that_is_not_a_local_path(app, world):
    with app.app_context():
        with pytest.raises(ValueError):
            services.notify_all(User.id.is_not(None), "notice", "消息", "https://evil.example/")
        assert db.session.scalar(select(Notification)) is None


@pytest.mark.parametrize(
    "config_overrides", [{"NOTIFY_EMAIL": True, "EXTERNAL_URL": "https://dangxiao.example.cn"}]
)
def test_notify_all_logs_one_email_line_for_the_whole_audience(app, world, caplog):
    with app.app_context(), caplog.at_level(logging.INFO, logger="school.mail"):
        told = services.notify_all(User.role == "member", "notice", "新通知：大会", "/notices/1")
    assert [r.getMessage() for r in caplog.records] == [
        f"email to {told} users: 新通知：大会 (https://dangxiao.example.cn/notices/1)"
    ]
