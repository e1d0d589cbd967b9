"""The demo school's Spring-Festival class: its organiser runs it, a floating member is in it."""

from pathlib import Path

import pytest
from sqlalchemy import select

from school.classes.models import TrainingClass
from school.db import db
from school.demo.classes import TITLE
from school.demo.cli import DEMO_PASSWORD
from tests.conftest import login

CONTENT = Path(__file__).resolve().parents[2] / "content"


@pytest.fixture
def config_overrides() -> dict:
    return {"CONTENT_DIR": str(CONTENT)}


def test_the_demo_has_a_spring_festival_class_with_two_sessions(app):
    for command in (["content", "import"], ["demo", "load"]):
        result = app.test_cli_runner().invoke(args=command)
        assert result.exit_code == 0, result.output
    with app.app_context():
        training_class = db.session.scalar(select(TrainingClass))
        assert (training_class.title, training_class.kind_label) == (TITLE, "春节返乡培训")
        assert training_class.org.name == "南山镇红星村党支部"
        assert len(training_class.sessions) == 2
        class_id = training_class.id

    member = app.test_client()
    login(member, "liudong", DEMO_PASSWORD)
    page = member.get("/classes/").get_data(as_text=True)
    assert TITLE in page and "已报名" in page

    organiser = app.test_client()
    login(organiser, "shuji", DEMO_PASSWORD)
    page = organiser.get(f"/manage/classes/{class_id}").get_data(as_text=True)
    assert "陈志强" in page and "打开签到屏" in page
