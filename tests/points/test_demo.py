"""The demo school's points: the default rules, and 陈志强's history on his page."""

from sqlalchemy import func, select

from school.db import db
from school.demo.cli import DEMO_PASSWORD
from school.points.models import PointEntry, PointRule
from tests.conftest import login


def test_the_demo_has_the_default_rules_and_a_member_with_points(app):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(PointRule.id))) == 9
        assert db.session.scalar(select(func.count(PointEntry.id))) > 40
    member = app.test_client()
    login(member, "liudong", DEMO_PASSWORD)
    page = member.get("/points/").get_data(as_text=True)
    assert "每日答题：答对 4/5 题" in page and "学习一节课" in page
    admin = app.test_client()
    login(admin, "admin", DEMO_PASSWORD)
    assert "每日上限 10" in admin.get("/points/rules").get_data(as_text=True)
