"""The organisation picker: suggestions from the asker's own scope, by name or code."""

from __future__ import annotations

from sqlalchemy import select

from school.auth.models import User
from school.db import db, utcnow
from school.orgs import picker
from school.orgs.services import create_org, find_org
from tests.conftest import login


def names(client, query: str = "") -> list[str]:
    response = client.get(f"/manage/org-picker/?{query}", headers={"Accept": "application/json"})
    assert response.status_code == 200 and response.is_json
    return [choice["name"] for choice in response.get_json()["results"]]


def test_each_staff_member_gets_their_own_scope(app, client, world):
    with app.app_context():
        create_org("一支部第一党小组", "branch", find_org("一支部"), code="QC-A1")
        db.session.commit()
    login(client, "secretary")
    assert names(client, "q=支部") == ["一支部", "一支部第一党小组"]
    assert names(client, "q=二支部") == []
    committee = app.test_client()
    login(committee, "committee")
    assert names(committee, "q=支部") == ["驻深圳支部"]
    admin = app.test_client()
    login(admin, "admin")
    assert set(names(admin, "q=支部")) == {
        "一支部",
        "二支部",
        "驻深圳支部",
        "一支部第一党小组",
    }


def test_empty_text_gives_the_tops_of_the_scope_first(app, client, world):
    login(client, "committee")
    assert names(client) == ["工委", "驻深圳支部"]


def test_by_code_and_the_value_is_the_code_when_there_is_one(app, client, world):
    with app.app_context():
        create_org("第一党支部", "branch", find_org("一支部"), code="QC0101")
        create_org("第一党支部", "branch", find_org("二支部"), code="QC0201")
        db.session.commit()
    login(client, "secretary")
    response = client.get("/manage/org-picker/?q=qc01", headers={"Accept": "application/json"})
    assert response.get_json()["results"] == [
        {"value": "QC0101", "name": "第一党支部", "code": "QC0101", "parent": "一支部"}
    ]
    # Without a code the name is what the field takes.
    [one] = client.get("/manage/org-picker/?q=一支部").get_json()["results"]
    assert (one["value"], one["code"]) == ("一支部", "")


def test_viewers_read_but_manage_nothing(app, client, world):
    login(client, "viewer")
    assert names(client, "q=支部") == []
    assert names(client, "q=支部&scope=read") == ["一支部"]


def test_closed_organisations_and_wildcards_are_not_offered(app, world):
    with app.app_context():
        closed = create_org("已撤销支部", "branch", find_org("一支部"))
        closed.closed_at = utcnow()
        db.session.flush()
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        assert [c.name for c in picker.search(admin, "撤销")] == []
        assert picker.search(admin, "%") == [] and picker.search(admin, "_") == []
        assert len(picker.search(admin, "", limit=3)) == 3
        db.session.rollback()


def test_members_are_refused_and_anonymous_visitors_sent_to_log_in(app, client, world):
    login(client, "member")
    assert client.get("/manage/org-picker/?q=支部").status_code == 403
    anonymous = app.test_client()
    response = anonymous.get("/manage/org-picker/", headers={"Accept": "application/json"})
    assert response.status_code == 401 and response.get_json()["error"] == "login"


def test_org_fields_carry_the_picker_and_still_take_typed_text(app, client, world):
    login(client, "secretary")
    page = client.get(f"/manage/members/{world.member}").get_data(as_text=True)
    assert 'data-org-picker="/manage/org-picker/"' in page
    assert "/static/org-picker.js" in page
    listing = client.get("/manage/members/").get_data(as_text=True)
    assert 'data-org-picker="/manage/org-picker/?scope=read"' in listing
    # The plain text a browser without the script sends is read as before.
    filtered = client.get("/manage/members/?org=一支部").get_data(as_text=True)
    assert "张党员" in filtered
    member = app.test_client()
    login(member, "member")
    assert "/static/org-picker.js" not in member.get("/").get_data(as_text=True)
