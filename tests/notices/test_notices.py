"""Notices end to end: who reads what, drafts, who writes for whom, publishing, the home page."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from school.auth import services as accounts
from school.auth.models import User
from school.db import db
from school.notices import services
from school.notices.models import Notice
from school.notices.permissions import can_edit, can_publish, can_read, can_write_for, reaches
from school.orgs.services import find_org
from tests.conftest import login, post
from tests.factories import make_user

BODY = "请各位党员按时参加。"


def _notice(username: str, org_name: str | None, title: str, *, publish: bool = True) -> int:
    """Inside an app context: a notice written by ``username`` for ``org_name``."""
    author = db.session.scalar(select(User).where(User.username == username))
    org = find_org(org_name) if org_name else None
    notice = services.create_notice(author, title, BODY, org, publish=publish)
    db.session.commit()
    return notice.id


def _as(app, username: str):
    """A fresh client logged in as ``username`` (a logged-in client cannot log in again)."""
    client = app.test_client()
    login(client, username)
    return client


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Notice.id)))


def _get(app, notice_id: int) -> Notice:
    with app.app_context():
        notice = db.session.get(Notice, notice_id)
        db.session.expunge(notice)
        return notice


@pytest.fixture
def school(app, world):
    """The world plus staff above, inside and beside 一支部, and notices at several levels."""
    with app.app_context():
        district = find_org("区委")
        above = make_user("district", "周区委", home_org=find_org("市委"))
        accounts.grant_staff(above, district, "organiser")
        sibling = make_user("sibling", "吴二支部", home_org=find_org("二支部"))
        accounts.grant_staff(sibling, find_org("二支部"), "secretary")
        # Staff of 一支部 living under 工委: reads 区委 notices through the grant alone.
        inside = make_user("inside", "郑一支部", home_org=find_org("工委"))
        accounts.grant_staff(inside, find_org("一支部"), "viewer")
        db.session.commit()
        return {
            "branch": _notice("secretary", "一支部", "一支部通知"),
            "branch_b": _notice("admin", "二支部", "二支部通知"),
            "district": _notice("district", "区委", "区委通知"),
            "committee": _notice("committee", "工委", "工委通知"),
            "school": _notice("admin", None, "全校通知"),
            "draft": _notice("secretary", "一支部", "一支部草稿", publish=False),
        }


def _titles(client) -> set[str]:
    page = client.get("/notices/").get_data(as_text=True)
    return set(re.findall(r'<span class="course-title">([^<]+)</span>', page))


READS = {
    # who: the notices they may open (everything else answers 404 and is not listed)
    "member": {"branch", "district", "school"},
    "other": {"branch_b", "district", "school"},
    # home 二支部 and host 驻深圳支部 (under 工委): both sides' notices
    "floating": {"branch_b", "district", "committee", "school"},
    "instructor": {"school"},
    "secretary": {"branch", "district", "school", "draft"},
    "committee": {"committee", "school"},
    "viewer": {"branch", "district", "school"},
    "district": {"branch", "branch_b", "district", "school", "draft"},  # managing staff above
    "sibling": {"branch_b", "district", "school"},  # staff of the sibling branch
    "inside": {"branch", "district", "committee", "school"},  # staff inside 区委
    "admin": {"branch", "branch_b", "district", "committee", "school", "draft"},
}
TITLES = {
    "branch": "一支部通知",
    "branch_b": "二支部通知",
    "district": "区委通知",
    "committee": "工委通知",
    "school": "全校通知",
    "draft": "一支部草稿",
}


@pytest.mark.parametrize("username", sorted(READS))
def test_each_reader_opens_and_lists_exactly_the_notices_that_reach_them(
    app, client, school, username
):
    login(client, username)
    for key, notice_id in school.items():
        response = client.get(f"/notices/{notice_id}")
        assert response.status_code == (200 if key in READS[username] else 404), key
        if response.status_code == 200:
            assert TITLES[key] in response.get_data(as_text=True)
    listed = _titles(client)
    # Drafts are listed only in the writers' own section, never among the published ones.
    assert listed - {TITLES["draft"]} == {TITLES[k] for k in READS[username] - {"draft"}}


@pytest.mark.parametrize("username", sorted(READS))
def test_the_visibility_query_agrees_with_the_predicate(app, school, username):
    with app.app_context():
        viewer = _user(username)
        listed = {n.id for n in db.session.scalars(services.visible_notices(viewer))}
        published = db.session.scalars(select(Notice).where(Notice.status == "published"))
        assert listed == {n.id for n in published if can_read(viewer, n)}


def test_predicates(app, school):
    with app.app_context():
        u = {name: _user(name) for name in READS}
        branch, committee, draft = (
            db.session.get(Notice, school[k]) for k in ("branch", "committee", "draft")
        )
        # Only admins write for the whole school; managers for their subtree; viewers never.
        assert can_write_for(u["admin"], None)
        assert not can_write_for(u["secretary"], None)
        assert can_write_for(u["secretary"], find_org("一支部"))
        assert not can_write_for(u["secretary"], find_org("区委"))
        assert can_write_for(u["district"], find_org("一支部"))
        assert not can_write_for(u["viewer"], find_org("一支部"))
        assert reaches(u["floating"], find_org("工委"))
        assert not reaches(u["member"], find_org("工委"))
        # Drafts: the author, the managers above and admins.
        assert can_read(u["secretary"], draft) and can_edit(u["secretary"], draft)
        assert can_read(u["district"], draft) and can_publish(u["district"], draft)
        assert not can_read(u["viewer"], draft) and not can_read(u["member"], draft)
        # Readers who do not manage may not touch it.
        assert can_read(u["viewer"], branch) and not can_edit(u["viewer"], branch)
        assert can_read(u["floating"], committee) and not can_edit(u["floating"], committee)
        assert not can_publish(u["secretary"], committee)


def test_staff_see_their_drafts_in_their_own_section(app, client, school):
    login(client, "secretary")
    page = client.get("/notices/").get_data(as_text=True)
    assert "我发布的/待发布" in page
    drafts, published = page.split("已发布的通知")
    assert "一支部草稿" in drafts and "一支部草稿" not in published
    page = _as(app, "member").get("/notices/").get_data(as_text=True)
    assert "我发布的/待发布" not in page and "一支部草稿" not in page


def _form(**fields) -> dict:
    return {"title": "换届选举通知", "org": "", "body": BODY, "action": "draft", **fields}


@pytest.mark.parametrize("username", ["viewer", "member", "floating", "instructor"])
def test_readers_may_not_write_and_nothing_is_created(app, client, world, username):
    login(client, username)
    before = _count(app)
    assert client.get("/notices/new").status_code == 403
    assert post(client, "/notices/new", _form(action="publish")).status_code == 403
    assert _count(app) == before


def test_a_secretary_cannot_publish_outside_their_subtree(app, client, world):
    login(client, "secretary")
    before = _count(app)
    for org in ("工委", "区委", "二支部"):
        response = post(client, "/notices/new", _form(org=org, action="publish"))
        assert response.status_code == 200
        assert f"您不能以“{org}”的名义发布通知" in response.get_data(as_text=True)
    response = post(client, "/notices/new", _form(org="没有这个组织"))
    assert "找不到组织代码或全称为“没有这个组织”的党组织" in response.get_data(as_text=True)
    assert _count(app) == before


def test_a_secretary_writes_for_their_own_branch_by_default(app, client, world):
    login(client, "secretary")
    page = client.get("/notices/new").get_data(as_text=True)
    assert 'value="一支部"' in page  # prefilled with the grant's organisation
    response = post(client, "/notices/new", _form(action="publish"))
    assert response.status_code == 302
    notice = _get(app, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert notice.org_id is not None and notice.is_published and notice.published_at is not None
    with app.app_context():
        assert db.session.get(Notice, notice.id).org.name == "一支部"
    assert "通知已发布" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_the_organisation_may_be_given_by_code(app, client, world):
    with app.app_context():
        find_org("一支部").code = "D0101"
        db.session.commit()
    login(client, "admin")
    response = post(client, "/notices/new", _form(org="D0101"))
    with app.app_context():
        notice = db.session.get(Notice, int(response.headers["Location"].rsplit("/", 1)[1]))
        assert notice.org.name == "一支部" and notice.status == "draft"


def test_admins_write_for_the_whole_school_and_members_everywhere_read_it(app, client, world):
    login(client, "admin")
    response = post(client, "/notices/new", _form(action="publish"))
    notice_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert _get(app, notice_id).org_id is None
    for username in ("member", "floating", "instructor"):
        assert _as(app, username).get(f"/notices/{notice_id}").status_code == 200


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": ""}, "请填写标题。"),
        ({"title": "题" * 201}, "标题最多 200 个字。"),
        ({"body": "   "}, "请填写正文。"),
        ({"body": "字" * 20_001}, "正文最多 20000 个字。"),
    ],
)
def test_bad_input_is_shown_again_and_nothing_is_created(app, client, world, fields, message):
    login(client, "secretary")
    before = _count(app)
    response = post(client, "/notices/new", _form(**fields))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _count(app) == before


def test_writes_need_the_csrf_token(app, client, school):
    login(client, "secretary")
    before = _count(app)
    assert client.post("/notices/new", data=_form()).status_code == 400
    assert client.post(f"/notices/{school['draft']}/publish").status_code == 400
    assert _count(app) == before
    assert _get(app, school["draft"]).status == "draft"


def test_publish_edit_unpublish_and_publish_again(app, client, world):
    login(client, "secretary")
    response = post(client, "/notices/new", _form())
    notice_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert _get(app, notice_id).published_at is None
    member = _as(app, "member")
    assert member.get(f"/notices/{notice_id}").status_code == 404  # a draft

    assert post(client, f"/notices/{notice_id}/publish").status_code == 302
    first = _get(app, notice_id)
    assert first.is_published and first.published_at is not None
    assert member.get(f"/notices/{notice_id}").status_code == 200
    with app.app_context():  # as if published yesterday, so the edit's time is distinguishable
        notice = db.session.get(Notice, notice_id)
        notice.published_at -= timedelta(days=1)
        notice.updated_at -= timedelta(days=1)
        db.session.commit()
    published_at = _get(app, notice_id).published_at

    response = post(
        client,
        f"/notices/{notice_id}/edit",
        _form(title="换届选举通知（更正）", org="一支部", action="save"),
    )
    assert response.status_code == 302
    edited = _get(app, notice_id)
    assert edited.title == "换届选举通知（更正）" and edited.is_published
    assert edited.published_at == published_at and edited.updated_at > published_at
    assert "更正" in member.get(f"/notices/{notice_id}").get_data(as_text=True)

    assert post(client, f"/notices/{notice_id}/unpublish").status_code == 302
    assert _get(app, notice_id).status == "draft"
    assert member.get(f"/notices/{notice_id}").status_code == 404
    assert "换届选举" not in member.get("/notices/").get_data(as_text=True)

    before = _get(app, notice_id).updated_at
    post(client, f"/notices/{notice_id}/publish")
    again = _get(app, notice_id)
    assert again.is_published and again.published_at == published_at
    assert again.updated_at >= before
    # Publishing twice only says so.
    response = post(client, f"/notices/{notice_id}/publish", follow_redirects=True)
    assert "这条通知已经发布" in response.get_data(as_text=True)


def test_refused_edits_change_nothing(app, client, school):
    login(client, "viewer")  # reads it, may not change it
    assert client.get(f"/notices/{school['branch']}/edit").status_code == 403
    response = post(client, f"/notices/{school['branch']}/edit", _form(title="改掉"))
    assert response.status_code == 403
    assert post(client, f"/notices/{school['branch']}/unpublish").status_code == 403
    client = _as(app, "committee")  # does not even see it
    assert post(client, f"/notices/{school['branch']}/edit", _form()).status_code == 404
    assert post(client, f"/notices/{school['draft']}/publish").status_code == 404
    # The author may not move it to an organisation they do not manage.
    client = _as(app, "secretary")
    response = post(client, f"/notices/{school['branch']}/edit", _form(title="改掉", org="工委"))
    assert response.status_code == 200 and "不能以“工委”的名义" in response.get_data(as_text=True)
    notice = _get(app, school["branch"])
    assert notice.title == "一支部通知" and notice.is_published
    assert _get(app, school["draft"]).status == "draft"


def test_markdown_is_rendered_and_sanitised(app, client, world):
    login(client, "secretary")
    body = (
        "**务必参加**\n\n<script>alert('x')</script>\n\n"
        "[点这里](javascript:alert(1)) <img src=x onerror=alert(2)>"
    )
    response = post(client, "/notices/new", _form(body=body, action="publish"))
    notice_id = int(response.headers["Location"].rsplit("/", 1)[1])
    page = _as(app, "member").get(f"/notices/{notice_id}").get_data(as_text=True)
    assert "<strong>务必参加</strong>" in page
    assert "<script>alert" not in page and "javascript:" not in page and "onerror" not in page


def test_home_page_shows_the_three_latest_notices_that_reach_the_member(app, client, world):
    with app.app_context():
        ids = [_notice("secretary", "一支部", f"支部通知{i}") for i in range(4)]
        ids.append(_notice("admin", "二支部", "别的支部通知"))
        _notice("secretary", "一支部", "未发布的草稿", publish=False)
        for age, notice_id in enumerate(reversed(ids)):  # 支部通知0 is the oldest
            db.session.get(Notice, notice_id).published_at -= timedelta(hours=age)
        db.session.commit()
    login(client, "member")
    # Notices not yet opened are the member's to-dos (tests/courses/test_home.py); once read,
    # the home page keeps the three latest in a card of their own.
    for notice_id in ids[:4]:
        client.get(f"/notices/{notice_id}")
    page = client.get("/").get_data(as_text=True)
    assert "全部通知" in page and "待读的通知" not in page
    assert all(f"支部通知{i}" in page for i in (1, 2, 3))
    assert "支部通知0" not in page
    assert "别的支部通知" not in page and "未发布的草稿" not in page


def test_home_page_follows_the_member_to_a_host_organisation(app, client, world):
    # The organisations whose notices reach the member are read with the login, every request:
    # a member placed with a host branch sees its notices on their next page.
    with app.app_context():
        _notice("admin", "二支部", "二支部通知")
    login(client, "member")
    assert "二支部通知" not in client.get("/").get_data(as_text=True)
    with app.app_context():
        db.session.get(User, world.member).host_org_id = find_org("二支部").id
        db.session.commit()
    assert "二支部通知" in client.get("/").get_data(as_text=True)
    with app.app_context():
        db.session.get(User, world.member).host_org_id = None
        db.session.commit()
    assert "二支部通知" not in client.get("/").get_data(as_text=True)


def test_home_page_without_notices_shows_no_block(app, client, world):
    login(client, "member")
    assert "全部通知" not in client.get("/").get_data(as_text=True)


def test_the_list_is_paginated_newest_first(app, client, world):
    with app.app_context():
        for i in range(23):
            notice_id = _notice("secretary", "一支部", f"第{i:02d}号通知")
            db.session.get(Notice, notice_id).published_at -= timedelta(hours=100 - i)
        db.session.commit()
    login(client, "member")
    first = client.get("/notices/").get_data(as_text=True)
    second = client.get("/notices/?page=2").get_data(as_text=True)
    assert first.count('class="course-title"') == 20 and second.count('class="course-title"') == 3
    assert first.index("第22号通知") < first.index("第03号通知")
    assert "第02号通知" in second and "第22号通知" not in second
    assert client.get("/notices/?page=99").status_code == 200
