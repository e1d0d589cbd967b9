"""Error answers: a refused attempt says when to try again, on the page, in JSON and in headers."""

from __future__ import annotations

import math

import pytest

from school.auth.models import User
from school.cards import services as cards
from school.db import db
from tests.conftest import PASSWORD, csrf_token, post


def _guess(client, **kwargs):
    return post(client, "/login", {"username": "member", "password": "guess"}, **kwargs)


def _retry_after(response) -> int:
    value = response.headers["Retry-After"]
    assert value.isdigit(), value  # seconds, not an HTTP date
    return int(value)


@pytest.mark.parametrize(
    "config_overrides", [{"RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "2 per minute"}]
)
def test_a_throttled_login_says_in_how_many_minutes_to_try_again(client, world):
    assert [_guess(client).status_code for _ in range(2)] == [200, 200]

    response = post(client, "/login", {"username": "member", "password": PASSWORD})

    assert response.status_code == 429
    seconds = _retry_after(response)
    assert 1 <= seconds <= 60
    page = response.get_data(as_text=True)
    assert "请在 1 分钟后再试" in page and "操作太频繁" in page


@pytest.mark.parametrize(
    "config_overrides",
    [{"RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "10 per minute;2 per hour"}],
)
def test_the_wait_comes_from_the_limit_that_was_hit(client, world):
    for _ in range(2):
        _guess(client)

    response = _guess(client)

    assert response.status_code == 429
    seconds = _retry_after(response)
    assert 3500 < seconds <= 3600  # the hourly limit, not the one per minute
    assert f"请在 {math.ceil(seconds / 60)} 分钟后再试" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "config_overrides", [{"RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "1 per hour"}]
)
def test_a_json_client_gets_the_same_wait_as_json(client, world):
    _guess(client)
    token = csrf_token(client)

    response = client.post(
        "/login",
        data={"username": "member", "password": "guess", "csrf_token": token},
        headers={"Accept": "application/json"},
    )

    assert response.status_code == 429 and response.is_json
    body = response.json
    assert body["error"] == "rate_limited"
    assert body["retry_after"] == _retry_after(response)
    assert f"请在 {math.ceil(body['retry_after'] / 60)} 分钟后再试" in body["message"]


@pytest.mark.parametrize("config_overrides", [{"RATELIMIT_ENABLED": True}])
def test_a_throttled_card_scan_says_when_to_scan_again(app, client, world):
    with app.app_context():
        token = cards.sign_link(cards.current_card(db.session.get(User, world.member)))
        db.session.commit()
    statuses = [client.get(f"/card/v/{token}").status_code for _ in range(60)]
    assert set(statuses) == {200}

    response = client.get(f"/card/v/{token}")

    assert response.status_code == 429
    assert 1 <= _retry_after(response) <= 60
    assert "请在 1 分钟后再试" in response.get_data(as_text=True)
