"""One-time passwords: hashed with a light profile, yet as slow to refuse as any other login."""

import pytest

from school.auth import passwords
from school.auth.passwords import ONE_TIME, PRODUCTION, hash_one_time, verify_password


@pytest.fixture
def config_overrides():
    return {"FAST_PASSWORD_HASHING": False}


def test_one_time_passwords_use_the_light_profile_and_pay_a_full_check(app, monkeypatch):
    padded = []
    real = passwords.dummy_verify
    monkeypatch.setattr(passwords, "dummy_verify", lambda raw: padded.append(raw) or real(raw))
    with app.app_context():
        one_time = hash_one_time("abcdefghjk")
        assert one_time.startswith("$argon2id$") and f"m={ONE_TIME.memory_cost}," in one_time
        assert ONE_TIME.memory_cost < PRODUCTION.memory_cost
        assert verify_password(one_time, "abcdefghjk") is True
        assert verify_password(one_time, "wrong-guess") is False
        # Each check of a light hash also runs the full-strength one, right or wrong.
        assert padded == ["abcdefghjk", "wrong-guess"]
        padded.clear()
        assert verify_password(passwords.hash_password("chosen-pass-1"), "chosen-pass-1")
        assert padded == []
