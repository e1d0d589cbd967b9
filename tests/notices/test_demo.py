"""The demo school as `make run` builds it (content import, then demo load) shows what a member
meets: published notices that arrived in 消息, and a course in review only the instructor sees."""

from pathlib import Path

import pytest
from sqlalchemy import select

from school import create_app
from school.auth.models import User
from school.db import db
from school.demo.cli import DEMO_PASSWORD
from school.demo.news import READ_BY, REQUIRED_TITLE
from school.notices.models import Notice
from school.notifications.models import Notification
from tests.conftest import app_config, login
from tests.databases import clone_database, drop_database

CONTENT = Path(__file__).resolve().parents[2] / "content"
DRAFT = ("homecoming-class", "春节返乡培训：家乡这一年")


@pytest.fixture(scope="module")
def app(migrated_template, tmp_path_factory):
    """The demo school, built once for this module's tests (they only read it): a copy of the
    migrated database with `make run`'s content import and demo load."""
    folder = tmp_path_factory.mktemp("demo-notices")
    url = clone_database(migrated_template, folder)
    demo_app = create_app(app_config(url, folder, CONTENT_DIR=str(CONTENT)))
    try:
        for command in (["content", "import"], ["demo", "load"]):
            result = demo_app.test_cli_runner().invoke(args=command)
            assert result.exit_code == 0, result.output
        yield demo_app
    finally:
        demo_app.extensions["school.db"].engine.dispose()
        drop_database(url)


def _as(app, username: str):
    client = app.test_client()
    login(client, username, DEMO_PASSWORD)
    return client


def _told(username: str) -> list[str]:
    return sorted(
        db.session.scalars(
            select(Notification.text)
            .join(User, User.id == Notification.user_id)
            .where(User.username == username, Notification.text.startswith("新通知："))
        )
    )


def test_the_demo_publishes_notices_from_three_levels_and_members_are_told(app):
    with app.app_context():
        notices = db.session.scalars(
            select(Notice).where(Notice.category == "notice").order_by(Notice.id)
        ).all()
        assert [n.org.name for n in notices] == [
            "青川市委",
            "青川市驻外流动党员工作委员会",
            "南山镇红星村党支部",
        ]
        assert all(n.is_published for n in notices)
        titles = [n.title for n in notices]
        # 陈志强: home 红星村 and host 深圳 (under the work committee) hear from all three.
        assert _told("liudong") == sorted(f"新通知：{t}" for t in titles)
        # 张丽 (东城街道) hears only the city's.
        assert _told("dangyuan") == [f"新通知：{titles[0]}"]
        # Members without a login yet find it when their branch issues their password.
        waiting = select(Notification.id).join(User, User.id == Notification.user_id)
        assert db.session.scalar(waiting.where(User.password_hash == "").limit(1))
    member = _as(app, "dangyuan")
    listing = member.get("/notices/").get_data(as_text=True)
    assert titles[0] in listing and titles[1] not in listing
    assert f"新通知：{titles[0]}" in member.get("/notifications/").get_data(as_text=True)
    assert titles[2] in _as(app, "liudong").get("/notices/").get_data(as_text=True)


def test_the_demo_has_a_course_in_review_for_the_instructor_only(app):
    slug, title = DRAFT
    instructor = _as(app, "jiaoyuan")
    assert title in instructor.get("/").get_data(as_text=True)
    page = instructor.get(f"/courses/{slug}").get_data(as_text=True)
    assert "这门课程正在审核" in page
    # The city's reviewer finds it waiting for her.
    assert title in _as(app, "shenhe").get("/studio/reviews/").get_data(as_text=True)
    member = _as(app, "dangyuan")
    assert title not in member.get("/").get_data(as_text=True)
    assert member.get(f"/courses/{slug}").status_code == 404


def test_the_demo_news_has_its_categories_and_a_required_notice_half_read(app):
    with app.app_context():
        categories = set(db.session.scalars(select(Notice.category)))
        assert categories >= {"requirement", "news", "law", "hometown", "notice"}
        required = db.session.scalar(select(Notice).where(Notice.required.is_(True)))
        assert required.title == REQUIRED_TITLE and required.deadline is not None
        told = db.session.scalars(
            select(User.username)
            .join(Notification, Notification.user_id == User.id)
            .where(Notification.url == f"/notices/{required.id}")
        ).all()
        assert {"liudong", "dangyuan", "shuji"} <= set(told)
        required_id = required.id
    secretary = _as(app, "shuji")
    page = secretary.get(f"/notices/{required_id}/readers").get_data(as_text=True)
    assert f"已读 {READ_BY}" in page and "陈志强" in page
    laws = _as(app, "liudong").get("/notices/laws").get_data(as_text=True)
    assert "党员权利保障条例" in laws and "党内法规" in laws
