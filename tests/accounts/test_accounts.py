"""Accounts in the browser: who sees which, disabling with a reason, roles, the audit log."""

from __future__ import annotations

import re

from sqlalchemy import select

from school.auth import services as accounts
from school.auth.models import User
from school.db import db, utcnow
from school.orgs.models import AuditEntry
from school.orgs.services import find_org
from tests.conftest import PASSWORD, login, post


def _names(page: str) -> set[str]:
    return set(re.findall(r'/manage/accounts/\d+"><strong>([^<]+)</strong>', page))


def _user(app, user_id: int) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def _audit(app, action: str) -> list[AuditEntry]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_secretary_lists_the_accounts_of_their_subtree_only(client, world):
    login(client, "secretary")
    names = _names(client.get("/manage/accounts/").get_data(as_text=True))
    assert {"张党员", "赵书记", "孙查看"} <= names
    assert names.isdisjoint({"李党员", "陈流动", "钱工委", "管理员", "王教员"})


def test_admin_lists_every_account_and_filters_them(app, client, world):
    with app.app_context():
        db.session.get(User, world.other_member).last_login_at = utcnow()
        db.session.get(User, world.floating).active = False
        db.session.commit()
    login(client, "admin")
    everyone = _names(client.get("/manage/accounts/").get_data(as_text=True))
    assert {"张党员", "李党员", "陈流动", "王教员", "管理员"} <= everyone

    def names(query: str) -> set[str]:
        return _names(client.get(f"/manage/accounts/?{query}").get_data(as_text=True))

    assert names("status=disabled") == {"陈流动"}
    assert "李党员" not in names("status=never") and "张党员" in names("status=never")
    assert names("role=instructor") == {"王教员"}
    assert names("role=staff") == {"赵书记", "钱工委", "孙查看"}
    assert names("org=二支部") == {"李党员", "陈流动"}
    assert names("q=membe") == {"张党员"}


def test_secretary_disables_an_account_with_a_reason_and_its_sessions_end(app, client, world):
    member = app.test_client()
    login(member, "member")
    login(client, "secretary")
    response = post(client, f"/manage/accounts/{world.member}/disable", {"reason": "已转出本市"})
    assert response.status_code == 302
    assert member.get("/archive/").status_code == 302  # logged out at once
    response = post(member, "/login", {"username": "member", "password": PASSWORD})
    assert "用户名或密码不正确。" in response.get_data(as_text=True)

    stored = _user(app, world.member)
    assert not stored.active and stored.disabled_reason == "已转出本市"
    [entry] = _audit(app, "account.disable")
    assert entry.actor_id == world.secretary and entry.user_id == world.member
    assert "已转出本市" in entry.detail
    page = client.get(f"/manage/accounts/{world.member}").get_data(as_text=True)
    assert "已停用" in page and "已转出本市" in page

    post(client, f"/manage/accounts/{world.member}/enable")
    assert _user(app, world.member).active
    assert len(_audit(app, "account.enable")) == 1
    login(member, "member")


def test_disabling_without_a_reason_changes_nothing(app, client, world):
    member = app.test_client()
    login(member, "member")
    login(client, "secretary")
    response = post(client, f"/manage/accounts/{world.member}/disable", {"reason": "  "})
    assert response.status_code == 400
    assert "请填写停用原因。" in response.get_data(as_text=True)
    assert _user(app, world.member).active
    assert _audit(app, "account.disable") == []
    assert member.get("/archive/").status_code == 200


def test_a_secretary_cannot_touch_accounts_outside_their_reach(app, client, world):
    # The district secretary is registered in 一支部; its branch secretary must not reset or
    # disable a superior's account (a one-time password would let them sign in as the superior).
    with app.app_context():
        boss = db.session.scalar(select(User).where(User.username == "committee"))
        boss.home_org = find_org("一支部")
        accounts.grant_staff(boss, find_org("区委"), "secretary")
        db.session.commit()
        boss_id, boss_hash = boss.id, boss.password_hash
    login(client, "secretary")
    refusals = {
        f"/manage/accounts/{world.other_member}/disable": 404,  # another branch
        f"/manage/accounts/{boss_id}/disable": 403,  # a superior registered here
        f"/manage/members/{boss_id}/reset-password": 403,
        f"/manage/accounts/{world.viewer}/disable": 403,  # staff of the same branch
        f"/manage/accounts/{world.secretary}/disable": 403,  # oneself
        f"/manage/accounts/{world.member}/role": 403,  # roles are for admins
    }
    for url, status in refusals.items():
        assert post(client, url, {"reason": "试试", "role": "admin"}).status_code == status, url
    for user_id in (world.other_member, boss_id, world.viewer, world.secretary, world.member):
        assert _user(app, user_id).active
    assert _user(app, boss_id).password_hash == boss_hash
    assert _user(app, world.member).role == "member"
    assert _audit(app, "account.disable") == [] and _audit(app, "account.reset") == []


def test_admin_changes_a_role_and_it_is_audited(app, client, world):
    login(client, "admin")
    response = post(client, f"/manage/accounts/{world.member}/role", {"role": "instructor"})
    assert response.status_code == 302
    assert _user(app, world.member).role == "instructor"
    [entry] = _audit(app, "account.role")
    assert entry.actor_id == world.admin and "党员 → 教员" in entry.detail
    # An admin cannot demote themselves (the school could be left without one).
    assert (
        post(client, f"/manage/accounts/{world.admin}/role", {"role": "member"}).status_code == 403
    )
    assert _user(app, world.admin).role == "admin"


def test_password_resets_and_profile_edits_are_in_the_audit_log(app, client, world):
    login(client, "secretary")
    post(client, f"/manage/members/{world.member}/reset-password")
    [reset] = _audit(app, "account.reset")
    assert (reset.actor_id, reset.user_id) == (world.secretary, world.member)
    edit = post(
        client,
        f"/manage/members/{world.member}/edit",
        {"name": "张党员", "gender": "female", "phone": "13900001111", "current_city": "广州"},
    )
    assert edit.status_code == 302
    [entry] = _audit(app, "member.edit")
    assert "联系电话" in entry.detail and "所在城市" in entry.detail
    assert "13900001111" not in entry.detail  # which fields, not the personal data itself
    log = client.get(f"/manage/orgs/audit?user_id={world.member}").get_data(as_text=True)
    assert "重置密码" in log and "修改党员信息" in log


def test_a_command_line_reset_is_audited_without_an_actor(app, world):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "reset-password", "member"])
    assert result.exit_code == 0, result.output
    [entry] = _audit(app, "account.reset")
    assert entry.actor_id is None and entry.user_id == world.member
