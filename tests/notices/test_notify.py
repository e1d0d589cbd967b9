"""A published notice tells its members in 消息: once, whoever publishes it how many times, and
in one statement however many members it reaches."""

import threading

import pytest
from sqlalchemy import event, func, insert, select

from school.auth.models import User
from school.db import db
from school.notices import services
from school.notices.models import Notice
from school.notifications.models import Notification
from school.orgs.services import find_org
from tests.conftest import login, post
from tests.factories import build_world

BODY = "请各位党员按时参加。"


def _form(**fields) -> dict:
    return {"title": "换届选举通知", "org": "", "body": BODY, "action": "publish", **fields}


def _recipients(app, notice_id: int) -> list[str]:
    """Usernames told of the notice, one per notification (duplicates would show twice)."""
    with app.app_context():
        return sorted(
            db.session.scalars(
                select(User.username)
                .join(Notification, Notification.user_id == User.id)
                .where(Notification.url == f"/notices/{notice_id}")
            )
        )


def _publish(client, **fields) -> int:
    response = post(client, "/notices/new", _form(**fields))
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


@pytest.mark.parametrize(
    ("writer", "org", "told"),
    [
        # 一支部's members; never its publisher, the branch beside it or the district above.
        ("secretary", "一支部", ["member", "viewer"]),
        # 陈流动 lives in 驻深圳支部 under 工委: the host side reaches him too.
        ("committee", "工委", ["floating"]),
        # The whole school: every member, the instructor among them; admins run the site.
        (
            "admin",
            "",
            ["committee", "floating", "instructor", "member", "other", "secretary", "viewer"],
        ),
    ],
)
def test_publishing_tells_the_members_it_reaches(app, client, world, writer, org, told):
    login(client, writer)
    notice_id = _publish(client, org=org)
    assert _recipients(app, notice_id) == told
    with app.app_context():
        notification = db.session.scalar(
            select(Notification).where(Notification.url == f"/notices/{notice_id}").limit(1)
        )
        assert (notification.kind, notification.text) == ("notice", "新通知：换届选举通知")
        assert notification.read_at is None


def test_the_notification_opens_the_notice(app, client, world):
    login(client, "secretary")
    notice_id = _publish(client)
    member = app.test_client()
    login(member, "member")
    inbox = member.get("/notifications/").get_data(as_text=True)
    assert '1<span class="visually-hidden"> 条未读' in inbox and "新通知：换届选举通知" in inbox
    with app.app_context():
        notification_id = db.session.scalar(
            select(Notification.id).where(Notification.user_id == world.member)
        )
    response = member.get(f"/notifications/{notification_id}")
    assert response.headers["Location"] == f"/notices/{notice_id}"
    assert "换届选举通知" in member.get(f"/notices/{notice_id}").get_data(as_text=True)


def test_inactive_members_are_not_told(app, client, world):
    with app.app_context():
        db.session.get(User, world.viewer).active = False
        db.session.commit()
    login(client, "secretary")
    assert _recipients(app, _publish(client)) == ["member"]


def test_a_draft_tells_nobody_until_it_is_published(app, client, world):
    login(client, "secretary")
    notice_id = _publish(client, action="draft")
    assert _recipients(app, notice_id) == []
    assert post(client, f"/notices/{notice_id}/publish").status_code == 302
    assert _recipients(app, notice_id) == ["member", "viewer"]


def test_publishing_again_tells_nobody_twice(app, client, world):
    login(client, "secretary")
    notice_id = _publish(client)
    # A second tab, or a second tap, publishes again: refused, nobody is told again.
    response = post(client, f"/notices/{notice_id}/publish", follow_redirects=True)
    assert "这条通知已经发布" in response.get_data(as_text=True)
    # The edit form of a published notice sent with "publish" saves the text and tells nobody.
    post(client, f"/notices/{notice_id}/edit", _form(title="换届选举通知（更正）", org="一支部"))
    # Withdrawn and published again: the members already know of it.
    assert post(client, f"/notices/{notice_id}/unpublish").status_code == 302
    assert post(client, f"/notices/{notice_id}/publish").status_code == 302
    assert _recipients(app, notice_id) == ["member", "viewer"]


def test_a_refused_publication_tells_nobody(app, client, world):
    login(client, "committee")
    notice_id = _publish(client, action="draft", org="工委")
    secretary = app.test_client()
    login(secretary, "secretary")  # manages 一支部 only
    assert post(secretary, f"/notices/{notice_id}/publish").status_code == 404
    assert _recipients(app, notice_id) == []
    with app.app_context():
        assert db.session.get(Notice, notice_id).status == "draft"


def test_one_statement_tells_any_number_of_members(app, world, engine):
    """The audience is never loaded: one INSERT … SELECT, for 3 members or 3,000."""
    with app.app_context():
        branch = find_org("一支部")
        member = {"password_hash": "", "home_org_id": branch.id}
        members = [{**member, "username": f"bulk{n}", "name": f"党员{n}"} for n in range(3000)]
        db.session.execute(insert(User), members)
        notice = services.create_notice(_user("secretary"), "大会通知", BODY, branch)
        db.session.flush()
        inserts: list[str] = []

        def record(conn, cursor, statement, *args):
            if statement.lstrip().upper().startswith("INSERT INTO NOTIFICATIONS"):
                inserts.append(statement)

        event.listen(engine, "before_cursor_execute", record)
        try:
            services.publish_notice(_user("secretary"), notice)
        finally:
            event.remove(engine, "before_cursor_execute", record)
        assert len(inserts) == 1
        told = db.session.scalar(
            select(func.count(Notification.id)).where(Notification.kind == "notice")
        )
        assert told == 3000 + 2  # the bulk members, 张党员 and 孙查看


def test_two_tabs_publishing_at_once_tell_each_member_once(committed_app):
    with committed_app.app_context():
        build_world()
        secretary = _user("secretary")
        notice = services.create_notice(secretary, "大会通知", BODY, find_org("一支部"))
        db.session.commit()
        notice_id = notice.id
    barrier = threading.Barrier(3)
    outcomes: list[str] = []

    def tab() -> None:
        barrier.wait(timeout=10)
        with committed_app.app_context():
            try:
                services.publish_notice(_user("secretary"), db.session.get(Notice, notice_id))
                db.session.commit()
                outcomes.append("published")
            except services.NoticeError:
                db.session.rollback()
                outcomes.append("refused")

    threads = [threading.Thread(target=tab) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["published", "refused", "refused"]
    assert _recipients(committed_app, notice_id) == ["member", "viewer"]
