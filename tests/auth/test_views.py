"""Logging in and out, passwords, and the protections around them."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from school.auth.models import User
from school.auth.passwords import PRODUCTION
from school.db import db
from tests.conftest import PASSWORD, csrf_token, login, post


def test_member_logs_in_and_out(client, world):
    response = login(client, "member")
    assert response.headers["Location"] == "/"
    assert "张党员" in client.get("/").get_data(as_text=True)
    post(client, "/logout")
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("username", ["member", "nobody"])
def test_wrong_credentials_get_one_message_whether_or_not_the_account_exists(
    client, world, username
):
    response = post(client, "/login", {"username": username, "password": "wrong-password"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "用户名或密码不正确。" in page
    assert "不存在" not in page
    assert client.get("/").status_code == 302


def test_username_is_case_insensitive(client, world):
    login(client, "MEMBER")


def test_deactivated_account_cannot_log_in(app, client, world):
    with app.app_context():
        db.session.get(User, world.member).active = False
        db.session.commit()
    response = post(client, "/login", {"username": "member", "password": PASSWORD})
    assert "用户名或密码不正确。" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/archive/", "/archive/"),
        ("/courses/rules?x=1", "/courses/rules?x=1"),
        ("//evil.example", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("evil.example", "/"),
    ],
)
def test_next_only_redirects_to_local_paths(client, world, target, expected):
    response = client.post(
        f"/login?next={target}",
        data={"username": "member", "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert response.headers["Location"] == expected


def test_login_without_or_with_forged_csrf_token_is_refused(client, world):
    for token in (None, "forged"):
        data = {"username": "member", "password": PASSWORD}
        if token:
            data["csrf_token"] = token
        response = client.post("/login", data=data)
        assert response.status_code == 400
        assert "页面已过期" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still logged out


class TestRateLimit:
    @pytest.fixture
    def config_overrides(self):
        return {"RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "3 per minute"}

    def test_guessing_is_throttled(self, client, world):
        for _ in range(3):
            post(client, "/login", {"username": "member", "password": "guess"})
        response = post(client, "/login", {"username": "member", "password": PASSWORD})
        assert response.status_code == 429
        assert "操作太频繁" in response.get_data(as_text=True)
        assert client.get("/").status_code == 302  # the right password did not get through


def test_member_changes_own_password_and_other_sessions_end(app, client, world):
    other_device = app.test_client()
    login(other_device, "member")
    login(client, "member")
    response = post(
        client,
        "/account/password",
        {"current": PASSWORD, "new": "a-new-secret-1", "confirm": "a-new-secret-1"},
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # this session continues
    assert other_device.get("/").status_code == 302  # the other one is logged out
    post(client, "/logout")
    login(client, "member", "a-new-secret-1")


@pytest.mark.parametrize(
    ("current", "new", "confirm", "message"),
    [
        ("wrong-one-123", "a-new-secret-1", "a-new-secret-1", "当前密码不正确"),
        (PASSWORD, "short", "short", "至少需要 8 个字符"),
        (PASSWORD, "a-new-secret-1", "different-123", "两次输入的新密码不一致"),
    ],
)
def test_bad_password_changes_are_refused_and_change_nothing(
    app, client, world, current, new, confirm, message
):
    login(client, "member")
    with app.app_context():
        before = db.session.get(User, world.member).password_hash
    response = post(
        client, "/account/password", {"current": current, "new": new, "confirm": confirm}
    )
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, world.member).password_hash == before


def test_one_time_password_must_be_changed_before_anything_else(app, client, world):
    secretary = app.test_client()
    login(secretary, "secretary")
    page = post(secretary, f"/manage/members/{world.member}/reset-password").get_data(as_text=True)
    one_time = page.split('id="one-time-password">')[1].split("<")[0]
    response = post(client, "/login", {"username": "member", "password": one_time})
    assert response.headers["Location"] == "/account/password"
    assert client.get("/").headers["Location"] == "/account/password"
    assert client.get("/archive/").headers["Location"] == "/account/password"
    post(
        client,
        "/account/password",
        {"current": one_time, "new": "mine-at-last-1", "confirm": "mine-at-last-1"},
    )
    assert client.get("/").status_code == 200
    with app.app_context():
        assert db.session.get(User, world.member).must_change_password is False


def test_passwords_are_hashed_with_argon2id_at_production_strength(app, world):
    with app.app_context():
        stored = db.session.scalar(select(User.password_hash).where(User.id == world.member))
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    params = PRODUCTION
    assert (params.time_cost, params.memory_cost, params.parallelism) == (3, 65536, 4)


def test_cookies_are_httponly_lax_and_remember_me_is_capped(app, client, world):
    assert app.config["REMEMBER_COOKIE_DURATION"] <= timedelta(days=30)
    response = client.post(
        "/login",
        data={
            "username": "member",
            "password": PASSWORD,
            "remember": "y",
            "csrf_token": csrf_token(client),
        },
    )
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("session="))
    remember_cookie = next(c for c in cookies if c.startswith("remember_token="))
    for cookie in (session_cookie, remember_cookie):
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


class TestSecureCookies:
    @pytest.fixture
    def config_overrides(self):
        return {"SESSION_COOKIE_SECURE": True}

    def test_login_over_https_sets_secure_cookies_and_keeps_the_member_logged_in(
        self, client, world
    ):
        https = {"base_url": "https://localhost"}
        page = client.get("/login", **https).get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        response = client.post(
            "/login",
            data={"username": "member", "password": PASSWORD, "csrf_token": token},
            # Over HTTPS Flask-WTF also checks that the form came from this site.
            headers={"Referer": "https://localhost/login"},
            **https,
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        cookies = response.headers.getlist("Set-Cookie")
        cookie = next(c for c in cookies if c.startswith("__Host-session="))
        assert "Secure" in cookie
        assert "Strict-Transport-Security" in response.headers
        assert client.get("/archive/", **https).status_code == 200


def test_pages_send_protective_headers(client, world):
    response = client.get("/login")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_password_equal_to_the_username_is_refused(app, client, world):
    login(client, "committee")
    response = post(
        client,
        "/account/password",
        {"current": PASSWORD, "new": "Committee", "confirm": "Committee"},
    )
    assert "新密码不能与用户名相同" in response.get_data(as_text=True)
