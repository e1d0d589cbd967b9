"""A member's optional email address, set by their secretary on the registry edit form (the
member's own page is tested with the reminders that use it: tests/reports)."""

from __future__ import annotations

from school.auth.models import User
from school.db import db
from tests.conftest import login, post


def _form(**overrides) -> dict:
    return {"name": "张党员", "gender": "", "phone": "13812345678", **overrides}


def _email(app, member_id: int) -> str | None:
    with app.app_context():
        return db.session.get(User, member_id).email


def test_the_secretary_sets_and_clears_a_members_email(app, client, world):
    login(client, "secretary")
    url = f"/manage/members/{world.member}/edit"
    assert 'name="email"' in client.get(url).get_data(True)
    assert post(client, url, _form(email=" zhang@example.cn ")).status_code == 302
    assert _email(app, world.member) == "zhang@example.cn"
    assert 'value="zhang@example.cn"' in client.get(url).get_data(True)
    post(client, url, _form(email=""))
    assert _email(app, world.member) is None


def test_an_invalid_email_is_refused_and_nothing_changes(app, client, world):
    with app.app_context():
        member = db.session.get(User, world.member)
        member.email, member.phone = "old@example.cn", "13900000000"
        db.session.commit()
    login(client, "secretary")
    url = f"/manage/members/{world.member}/edit"
    response = post(client, url, _form(email="not-an-address"))
    assert response.status_code == 200 and "请填写有效的电子邮箱地址" in response.get_data(True)
    with app.app_context():
        member = db.session.get(User, world.member)
        assert (member.email, member.phone) == ("old@example.cn", "13900000000")
