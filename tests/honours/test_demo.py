"""The demo school's commendation: the city's round with 陈志强 in the 公示."""

from sqlalchemy import select

from school.db import db
from school.demo.cli import DEMO_PASSWORD
from school.demo.honours import TITLE
from school.honours.models import HonourRound
from tests.conftest import login


def test_the_demo_has_a_round_in_its_notice_period(app):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        round_ = db.session.scalar(select(HonourRound))
        assert (round_.title, round_.state, round_.org.name) == (TITLE, "notice", "青川市委")
        round_id = round_.id
    member = app.test_client()
    login(member, "dangyuan", DEMO_PASSWORD)
    assert TITLE in member.get("/honours/").get_data(as_text=True)
    page = member.get(f"/honours/rounds/{round_id}/notice").get_data(as_text=True)
    assert "陈志强" in page and "提出异议" in page
    staff = app.test_client()
    login(staff, "admin", DEMO_PASSWORD)
    assert "公示中" in staff.get(f"/manage/honours/{round_id}").get_data(as_text=True)
