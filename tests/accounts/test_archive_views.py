"""Who looked at a member's archive: the member, and the staff who manage the member."""

from __future__ import annotations

import re

from tests.conftest import login


def lookers(client, member_id: int) -> list[str]:
    response = client.get(f"/manage/accounts/{member_id}/archive-views")
    assert response.status_code == 200
    return re.findall(r"<li><strong>([^<]+)</strong>", response.get_data(as_text=True))


def test_the_members_secretaries_see_who_looked(app, client, world):
    viewer = app.test_client()
    login(viewer, "viewer")
    assert viewer.get(f"/archive/members/{world.member}").status_code == 200
    admin = app.test_client()
    login(admin, "admin")
    assert admin.get(f"/archive/members/{world.member}").status_code == 200
    login(client, "secretary")
    assert lookers(client, world.member) == ["管理员", "孙查看"]
    # The secretary's own look is listed too, from the account page's link.
    client.get(f"/archive/members/{world.member}")
    assert lookers(client, world.member)[0] == "赵书记"
    for page in (f"/manage/accounts/{world.member}", f"/manage/members/{world.member}"):
        assert f"/manage/accounts/{world.member}/archive-views" in client.get(page).get_data(
            as_text=True
        )
    # A viewer reads the member's page but gets no link to a list they may not open.
    assert "archive-views" not in viewer.get(f"/manage/members/{world.member}").get_data(
        as_text=True
    )
    assert lookers(admin, world.member) == ["赵书记", "管理员", "孙查看"]


def test_the_host_side_sees_the_looks_at_its_floating_member(app, client, world):
    login(client, "committee")
    client.get(f"/archive/members/{world.floating}")
    assert lookers(client, world.floating) == ["钱工委"]


def test_staff_of_other_organisations_and_viewers_see_nothing(app, client, world):
    admin = app.test_client()
    login(admin, "admin")
    admin.get(f"/archive/members/{world.member}")
    login(client, "committee")
    response = client.get(f"/manage/accounts/{world.member}/archive-views")
    assert response.status_code == 404 and "管理员" not in response.get_data(as_text=True)
    viewer = app.test_client()
    login(viewer, "viewer")
    assert viewer.get(f"/manage/accounts/{world.member}/archive-views").status_code == 403
    member = app.test_client()
    login(member, "member")
    assert member.get(f"/manage/accounts/{world.member}/archive-views").status_code == 403
    # The member reads the same list on their own page.
    assert "管理员" in member.get("/profile/").get_data(as_text=True)
