"""A failed login takes as long whether or not the name belongs to an account.

Roster imports create accounts without a password whose usernames are membership numbers; if a
login for one of them answered faster than one for an unknown name, anyone could list which
numbers exist. The password hasher runs at production strength here, since the gap to catch is
exactly the time of one hash.
"""

from time import perf_counter

import pytest

from school.auth.models import User
from school.auth.passwords import hash_one_time
from school.db import db
from tests.conftest import csrf_token


@pytest.fixture
def config_overrides():
    return {"FAST_PASSWORD_HASHING": False}


def test_failed_logins_cost_the_same_for_every_kind_of_name(app, client, world):
    with app.app_context():
        imported = User(username="11010020230001", name="名册导入", password_hash="")
        # An activation slip printed, not yet used: its light hash must not answer faster.
        slip = User(
            username="11010020230002",
            name="已打印激活单",
            password_hash=hash_one_time("slip-password"),
            must_change_password=True,
        )
        disabled = db.session.get(User, world.other_member)
        disabled.active = False
        db.session.add_all([imported, slip])
        db.session.commit()
    names = {
        "no password yet": "11010020230001",
        "one-time password": "11010020230002",
        "unknown": "11010020239999",
        "wrong password": "member",
        "disabled": disabled.username,
    }
    token = csrf_token(client)
    timings: dict[str, list[float]] = {kind: [] for kind in names}
    for _ in range(3):
        for kind, username in names.items():
            started = perf_counter()
            response = client.post(
                "/login",
                data={"username": username, "password": "guess-123456", "csrf_token": token},
            )
            timings[kind].append(perf_counter() - started)
            assert "用户名或密码不正确。" in response.get_data(as_text=True)
    # The fastest of each kind: a busy machine only ever adds time, so the minimum is the cost.
    fastest = {kind: min(values) for kind, values in timings.items()}
    # One argon2id verification at production strength takes tens of milliseconds; skipping it
    # made the no-password case about forty times faster. Equal work stays well within 3×.
    assert min(fastest.values()) > max(fastest.values()) / 3, fastest
