"""Login sessions live on the server: logout, the device list and the account's staff end them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select

from school.auth import sessions
from school.auth.models import LoginSession, User
from school.db import db, utcnow
from school.forum.models import Thread
from school.orgs.models import StaffGrant
from tests.conftest import PASSWORD, csrf_token, login, post

_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _copy_cookies(source, target, names=("session", "remember_token")) -> None:
    for name in names:
        cookie = source.get_cookie(name)
        if cookie is not None:
            target.set_cookie(name, cookie.value)


def _threads(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Thread.id)))


def _ask(client):
    return post(
        client,
        "/forum/qa/new",
        {
            "title": "问题",
            "body": "内容",
            "target": "home",
            "help_category": "",
            "client_token": "",
        },
        content_type="multipart/form-data",
    )


def _login_remembered(client) -> None:
    """Log in as the member with "keep me logged in" ticked."""
    data = {"username": "member", "password": PASSWORD, "remember": "y"}
    assert post(client, "/login", data).status_code == 302


def _live(app, username: str) -> list[LoginSession]:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        return sessions.live_sessions(user)


def test_a_copied_session_cookie_stops_working_after_logout(app, client, world):
    login(client, "member")
    thief = app.test_client()
    _copy_cookies(client, thief, names=("session",))
    assert thief.get("/archive/").status_code == 200  # the copy works while the login lasts
    form_token = _TOKEN.search(thief.get("/account/password").get_data(as_text=True)).group(1)

    post(client, "/logout")

    assert thief.get("/archive/").status_code == 302
    before = _threads(app)
    response = thief.post(
        "/forum/qa/new",
        data={"title": "冒名", "body": "内容", "target": "home", "csrf_token": form_token},
        content_type="multipart/form-data",
    )
    assert response.status_code in (302, 400)
    assert "/login" in response.headers.get("Location", "/login")
    assert _threads(app) == before


def test_the_remember_cookie_alone_stops_working_after_logout(app, client, world):
    _login_remembered(client)
    fresh = app.test_client()
    _copy_cookies(client, fresh, names=("remember_token",))
    assert fresh.get("/archive/").status_code == 200  # a new browser session from the cookie

    post(client, "/logout")

    stale = app.test_client()
    _copy_cookies(client, stale, names=())
    stale.set_cookie("remember_token", fresh.get_cookie("remember_token").value)
    assert stale.get("/archive/").status_code == 302
    assert fresh.get("/archive/").status_code == 302  # the one it opened ended too
    assert _live(app, "member") == []


def test_logout_ends_the_record_and_asks_the_browser_to_drop_the_remember_cookie(
    app, client, world
):
    _login_remembered(client)
    response = post(client, "/logout")
    assert any(c.startswith("remember_token=;") for c in response.headers.getlist("Set-Cookie"))
    with app.app_context():
        [row] = db.session.scalars(select(LoginSession)).all()
        assert row.end_reason == "logout" and row.ended_at is not None


def test_login_and_logout_each_give_a_new_csrf_token(app, client, world):
    before_login = csrf_token(client)
    login(client, "member")
    logged_in = csrf_token(client)
    assert logged_in != before_login
    post(client, "/logout")

    # A form kept from before the logout (or before the login) cannot post any more.
    for old in (logged_in, before_login):
        response = client.post(
            "/login", data={"username": "member", "password": PASSWORD, "csrf_token": old}
        )
        assert response.status_code == 400
    assert client.get("/archive/").status_code == 302
    assert csrf_token(client) not in (before_login, logged_in)


def test_member_sees_devices_and_signs_one_out(app, client, world):
    phone = app.test_client()
    phone.environ_base.update(
        HTTP_USER_AGENT="Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) "
        "AppleWebKit/605.1.15 Mobile/15E148 MicroMessenger/8.0.40",
        REMOTE_ADDR="10.1.2.3",
    )
    login(phone, "member")
    login(client, "member")
    page = client.get("/account/sessions").get_data(as_text=True)
    assert "iPhone · 微信" in page and "10.1.2.3" in page and "本机" in page

    with app.app_context():
        member = db.session.get(User, world.member)
        phone_row = next(
            row for row in sessions.live_sessions(member) if row.first_ip == "10.1.2.3"
        )
    response = post(client, f"/account/sessions/{phone_row.id}/end")
    assert response.status_code == 302
    assert phone.get("/archive/").status_code == 302
    assert client.get("/archive/").status_code == 200
    assert len(_live(app, "member")) == 1


def test_member_signs_out_every_other_device(app, client, world):
    others = [app.test_client() for _ in range(2)]
    for other in others:
        login(other, "member")
    login(client, "member")
    post(client, "/account/sessions/end-others")
    assert [other.get("/").status_code for other in others] == [302, 302]
    assert client.get("/").status_code == 200
    assert len(_live(app, "member")) == 1


def test_a_member_cannot_end_another_members_session(app, client, world):
    victim = app.test_client()
    login(victim, "other")
    [row] = _live(app, "other")
    login(client, "member")
    assert post(client, f"/account/sessions/{row.id}/end").status_code == 404
    assert victim.get("/archive/").status_code == 200
    assert len(_live(app, "other")) == 1
    assert "other" not in client.get("/account/sessions").get_data(as_text=True)


def test_a_staff_reset_ends_every_session(app, client, world):
    login(client, "member")
    secretary = app.test_client()
    login(secretary, "secretary")
    post(secretary, f"/manage/members/{world.member}/reset-password")
    assert client.get("/archive/").status_code == 302
    assert _live(app, "member") == []


def test_a_session_idle_for_half_a_day_ends_and_a_remembered_one_lasts(app, world):
    with app.app_context():
        member = db.session.get(User, world.member)
        start = utcnow() - timedelta(hours=13)
        brief = sessions.start(member, remember=False, ip=None, user_agent=None, now=start)
        kept = sessions.start(member, remember=True, ip=None, user_agent=None, now=start)
        assert sessions.resolve(brief, ip=None) is None
        assert sessions.resolve(kept, ip=None) is not None
        ended = db.session.scalar(select(LoginSession).where(LoginSession.remember.is_(False)))
        assert ended.end_reason == "expired"
        days = app.config["REMEMBER_COOKIE_DURATION"]
        assert sessions.resolve(kept, ip=None, now=start + days) is None


def test_activity_slides_the_idle_limit(app, world):
    with app.app_context():
        member = db.session.get(User, world.member)
        start = utcnow() - timedelta(hours=20)
        token = sessions.start(member, remember=False, ip=None, user_agent=None, now=start)
        assert sessions.resolve(token, ip=None, now=start + timedelta(hours=11)) is not None
        assert sessions.resolve(token, ip=None, now=start + timedelta(hours=20)) is not None


@pytest.mark.parametrize(
    ("agent", "label"),
    [
        (
            "Mozilla/5.0 (Linux; Android 13; HarmonyOS) Chrome/120.0 Mobile Safari/537.36",
            "鸿蒙 · Chrome",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0 Safari/537.36 Edg/120.0",
            "Windows · Edge",
        ),
        ("curl/8.5.0", "curl"),
        (None, "未知设备"),
    ],
)
def test_devices_get_names_a_member_recognises(agent, label):
    assert sessions.describe(agent) == label


def test_old_ended_sessions_are_cleared_at_the_next_login(app, world):
    with app.app_context():
        member = db.session.get(User, world.member)
        long_ago = utcnow() - sessions.KEEP_ENDED - timedelta(days=1)
        old = sessions.start(member, remember=False, ip=None, user_agent=None, now=long_ago)
        sessions.end(old, now=long_ago)
        recent = sessions.start(member, remember=False, ip=None, user_agent=None)
        sessions.end(recent)
        sessions.start(member, remember=False, ip=None, user_agent=None)
        rows = db.session.scalars(select(LoginSession).order_by(LoginSession.id)).all()
        assert [row.end_reason for row in rows] == ["logout", None]


def _menu(client) -> set[str]:
    """The link texts of the header's menu on the member's home page."""
    html = client.get("/").get_data(as_text=True)
    nav = re.search(r'<nav class="site-nav"[^>]*>(.*?)</nav>', html, re.S).group(1)
    return set(re.findall(r">([^<>]+)</a>", nav))


def test_the_header_follows_a_staff_grant_made_while_logged_in(app, client, world):
    # The login check loads whether the account holds a grant with the session, once a request:
    # a grant or its removal shows on the member's next page, not at their next login.
    login(client, "member")
    assert {"课程", "学习档案"} <= _menu(client) and "管理" not in _menu(client)
    with app.app_context():
        branch = db.session.get(User, world.member).home_org_id
        db.session.add(StaffGrant(user_id=world.member, org_id=branch, role="viewer"))
        db.session.commit()
    assert {"管理", "报表"} <= _menu(client)
    with app.app_context():
        db.session.execute(delete(StaffGrant).where(StaffGrant.user_id == world.member))
        db.session.commit()
    assert not {"管理", "报表"} & _menu(client)
