"""Activation slips: staff print one-time passwords for accounts never used, in their scope only."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from sqlalchemy import func, select

from school.accounts import activation
from school.auth.models import User
from school.auth.passwords import verify_password
from school.db import db, utcnow
from school.orgs.models import AuditEntry
from school.orgs.services import find_org
from tests.conftest import login, post
from tests.factories import make_user
from tests.members.test_roster import apply, token_of, upload, xlsx

_SLIP = re.compile(
    r'<p class="slip-name">([^<]+)</p>.*?slip-password">(\w{5})<span class="gap">(\w{5})</span>',
    re.S,
)


def slips(page: str) -> dict[str, str]:
    """Name → one-time password, as printed."""
    return {name: first + rest for name, first, rest in _SLIP.findall(page)}


def listed(page: str) -> set[str]:
    return set(re.findall(r'/manage/accounts/\d+"><strong>([^<]+)</strong>', page))


def state(app, user_id: int) -> tuple:
    with app.app_context():
        user = db.session.get(User, user_id)
        return user.password_hash, user.must_change_password, user.activation_printed_at


def audit(app) -> list[AuditEntry]:
    with app.app_context():
        return list(
            db.session.scalars(select(AuditEntry).where(AuditEntry.action == "account.activation"))
        )


def print_for(client, *ids: int, scope: str = "ticked", **fields):
    data = {"scope": scope, "member": [str(i) for i in ids], **fields}
    return post(client, "/manage/accounts/activation/print", data)


def new_members(app, *names: str, org: str = "一支部") -> list[int]:
    """Accounts never used; the usernames are n0, n1 … in the order made in a test."""
    with app.app_context():
        taken = db.session.scalar(select(func.count()).where(User.username.like("n%"))) or 0
        ids = [
            make_user(f"n{taken + index}", name, home_org=find_org(org)).id
            for index, name in enumerate(names)
        ]
        db.session.commit()
        return ids


def test_the_list_shows_accounts_never_used_in_the_staff_members_scope(app, client, world):
    new_members(app, "周新", "吴新")
    new_members(app, "郑外支", org="二支部")
    with app.app_context():
        db.session.get(User, world.member).last_login_at = utcnow()
        db.session.commit()
    login(client, "secretary")
    names = listed(client.get("/manage/accounts/activation").get_data(as_text=True))
    # Not 张党员 (has logged in), nor staff of the branch, nor another branch's members.
    assert names == {"周新", "吴新"}
    admin = app.test_client()
    login(admin, "admin")
    names = listed(admin.get("/manage/accounts/activation").get_data(as_text=True))
    assert {"周新", "吴新", "郑外支", "李党员", "陈流动"} <= names and "张党员" not in names


def test_printing_slips_gives_one_time_passwords_that_must_be_changed(
    app, client, world, monkeypatch
):
    monkeypatch.setitem(app.config, "EXTERNAL_URL", "https://dangxiao.example.cn")
    zhou, wu = new_members(app, "周新", "吴新")
    login(client, "secretary")
    response = print_for(client, zhou, wu)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    printed = slips(page)
    assert set(printed) == {"周新", "吴新"}
    assert "n0" in page and "n1" in page  # usernames
    # One QR code of the login page, drawn once and used on every slip.
    assert page.count('<symbol id="login-qr"') == 1 and page.count('href="#login-qr"') == 2
    assert "https://dangxiao.example.cn/login" in page  # EXTERNAL_URL, never the Host
    for user_id, name in ((zhou, "周新"), (wu, "吴新")):
        password_hash, must_change, printed_at = state(app, user_id)
        assert printed[name] not in password_hash and must_change and printed_at is not None
        with app.app_context():
            assert verify_password(password_hash, printed[name])
    entries = audit(app)
    assert sorted(e.user_id for e in entries) == sorted([zhou, wu])
    assert all(e.actor_id == world.secretary for e in entries)
    assert any("周新" in e.detail for e in entries)

    # The member logs in with it and can do nothing else before choosing a password.
    member = app.test_client()
    response = post(member, "/login", {"username": "n0", "password": printed["周新"]})
    assert response.headers["Location"] == "/account/password"
    assert member.get("/archive/").headers["Location"] == "/account/password"
    new = "my-own-password-1"
    post(member, "/account/password", {"current": printed["周新"], "new": new, "confirm": new})
    assert member.get("/archive/").status_code == 200
    assert state(app, zhou)[1] is False
    # Activated: the list no longer offers it.
    page = client.get("/manage/accounts/activation").get_data(as_text=True)
    assert "周新" not in listed(page) and "吴新" in listed(page)


def test_printing_again_replaces_the_earlier_slip(app, client, world):
    [zhou] = new_members(app, "周新")
    login(client, "secretary")
    first = slips(print_for(client, zhou).get_data(as_text=True))["周新"]
    page = client.get("/manage/accounts/activation").get_data(as_text=True)
    assert "已打印激活单" in page
    second_page = print_for(client, zhou).get_data(as_text=True)
    second = slips(second_page)["周新"]
    assert first != second and "之前打印的激活单已作废" in second_page
    member = app.test_client()
    response = post(member, "/login", {"username": "n0", "password": first})
    assert "用户名或密码不正确。" in response.get_data(as_text=True)
    login(member, "n0", second)
    assert len(audit(app)) == 2 and "作废" in audit(app)[1].detail


def test_out_of_scope_ids_are_refused_without_names_and_nothing_changes(app, client, world):
    [zhou] = new_members(app, "周新")
    before = {i: state(app, i) for i in (zhou, world.other_member, world.floating)}
    login(client, "secretary")
    for ids in ((zhou, world.other_member), (zhou, 999999), (world.floating,)):
        response = print_for(client, *ids)
        assert response.status_code == 302
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "不在您管理的范围内，没有打印任何激活单" in page
        assert "李党员" not in page and "陈流动" not in page
    assert {i: state(app, i) for i in before} == before
    assert audit(app) == []


def test_a_secretary_cannot_print_for_a_superior_registered_in_the_branch(app, client, world):
    with app.app_context():
        boss = db.session.scalar(select(User).where(User.username == "committee"))
        boss.home_org = find_org("一支部")
        db.session.commit()
        boss_id = boss.id
    before = state(app, boss_id)
    login(client, "secretary")
    response = print_for(client, boss_id)
    assert response.status_code == 302 and state(app, boss_id) == before


def test_used_disabled_and_too_many_accounts_are_refused_whole(app, client, world, monkeypatch):
    zhou, wu, zheng = new_members(app, "周新", "吴新", "郑新")
    with app.app_context():
        db.session.get(User, wu).last_login_at = utcnow()
        db.session.get(User, zheng).active = False
        db.session.commit()
    before = {i: state(app, i) for i in (zhou, wu, zheng)}
    login(client, "secretary")
    cases = {
        (zhou, wu): "吴新 已经登录过",
        (zhou, zheng): "郑新 的账号已停用",
        (): "请先勾选要打印激活单的党员。",
    }
    for ids, message in cases.items():
        response = print_for(client, *ids)
        assert message in client.get(response.headers["Location"]).get_data(as_text=True)
    monkeypatch.setattr(activation, "MAX_PER_PRINT", 1)
    [other] = new_members(app, "冯新")
    response = print_for(client, zhou, other)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "一次最多打印 1 张激活单，这次选了 2 人" in page
    assert {i: state(app, i) for i in before} == before and audit(app) == []


def test_the_page_or_everything_the_filters_match(app, client, world, monkeypatch):
    ids = new_members(app, "周新", "吴新", "郑新")
    login(client, "secretary")
    page = client.get("/manage/accounts/activation?q=n").get_data(as_text=True)
    on_page = re.findall(r'name="page_member" value="(\d+)"', page)
    assert sorted(map(int, on_page)) == sorted(ids)
    response = post(
        client,
        "/manage/accounts/activation/print",
        {"scope": "page", "page_member": on_page[:2]},
    )
    assert len(slips(response.get_data(as_text=True))) == 2
    # "All the filters match" re-reads the filters: not yet printed, named 郑…
    response = post(
        client,
        "/manage/accounts/activation/print",
        {"scope": "all", "printed": "no", "q": "郑"},
    )
    assert set(slips(response.get_data(as_text=True))) == {"郑新"}
    monkeypatch.setattr(activation, "MAX_PER_PRINT", 2)
    response = post(client, "/manage/accounts/activation/print", {"scope": "all"})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "筛选结果共 4 人，一次最多打印 2 张激活单" in page  # with 张党员
    # Naming more ids than a print takes is refused before any of them is looked up.
    response = print_for(client, *ids, 999998, 999999)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "一次最多打印 2 张激活单，这次选了 5 人" in page


def test_the_print_needs_a_csrf_token(app, client, world):
    [zhou] = new_members(app, "周新")
    before = state(app, zhou)
    login(client, "secretary")
    response = client.post("/manage/accounts/activation/print", data={"member": str(zhou)})
    assert response.status_code == 400 and state(app, zhou) == before


def test_after_an_import_the_slips_of_that_import(app, client, world):
    new_members(app, "早先的")
    login(client, "secretary")
    rows = [
        ["A-001", "周导入", "女", "13800138000", "2001-07-01", "一支部"],
        ["A-002", "吴导入", "男", "13800138001", "2002-07-01", "一支部"],
    ]
    result = apply(client, token_of(upload(client, xlsx(rows)))).get_data(as_text=True)
    link = re.search(r'href="(/manage/accounts/activation\?since=[^"]+)"', result)
    assert link, result
    page = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert listed(page) == {"周导入", "吴导入"}
    assert listed(client.get("/manage/accounts/activation").get_data(as_text=True)) >= {
        "周导入",
        "早先的",
    }
    with app.app_context():
        imported = db.session.scalar(select(User).where(User.username == "A-001"))
        imported_id = imported.id
    printed = slips(print_for(client, imported_id).get_data(as_text=True))
    login(app.test_client(), "A-001", printed["周导入"])


def test_member_list_and_account_page_lead_to_the_slips(app, client, world):
    login(client, "secretary")
    assert "/manage/accounts/activation" in client.get("/manage/members/").get_data(as_text=True)
    page = client.get(f"/manage/accounts/{world.member}").get_data(as_text=True)
    assert "还没有激活" in page and "/manage/accounts/activation?q=member" in page
    viewer = app.test_client()
    login(viewer, "viewer")
    assert "/manage/accounts/activation" not in viewer.get("/manage/members/").get_data(
        as_text=True
    )


def test_workbench_counts_accounts_never_activated(app, world):
    with app.app_context():
        branch = find_org("一支部")
        fresh = make_user("fresh", "新人", home_org=branch)
        stale = make_user("stale", "久未登录", home_org=branch)
        make_user("used", "已登录", home_org=branch).last_login_at = utcnow()
        stale.activation_printed_at = datetime(2026, 11, 1, 12, tzinfo=UTC)
        fresh.activation_printed_at = datetime(2026, 11, 30, 12, tzinfo=UTC)
        db.session.flush()
        secretary = db.session.get(User, world.secretary)
        with app.test_request_context():
            part = activation.workbench_part(secretary, date(2026, 12, 6))
            [(name, tally)] = part.items()
            assert name == "accounts_to_activate"
            # 张党员, 新人, 久未登录; staff and the used account are not counted.
            assert (tally.label, tally.count, tally.urgent) == ("账号未激活", 3, 1)
            assert tally.url == "/manage/accounts/activation"
            viewer = db.session.get(User, world.viewer)
            assert activation.workbench_part(viewer, date(2026, 12, 6)) == {}
            member = db.session.get(User, world.member)
            assert activation.workbench_part(member, date(2026, 12, 6)) == {}
            committee = db.session.get(User, world.committee_secretary)
            # The floating member hosted by the committee's branch.
            assert activation.workbench_part(committee, date(2026, 12, 6))[name].count == 1
        db.session.rollback()
