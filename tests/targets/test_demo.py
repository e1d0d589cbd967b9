"""The demo school's target management: the work committee's published scheme, 陈志强's sheet
with his self-report, and the committee secretary's list."""

from pathlib import Path

import pytest
from sqlalchemy import select

from school.db import db
from school.demo.cli import DEMO_PASSWORD
from school.demo.targets import TITLE
from school.targets.models import TargetScheme
from tests.conftest import login

CONTENT = Path(__file__).resolve().parents[2] / "content"


@pytest.fixture
def config_overrides() -> dict:
    return {"CONTENT_DIR": str(CONTENT)}


def test_the_demo_has_a_published_host_scheme_with_a_self_report(app):
    for command in (["content", "import"], ["demo", "load"]):
        result = app.test_cli_runner().invoke(args=command)
        assert result.exit_code == 0, result.output
    with app.app_context():
        scheme = db.session.scalar(select(TargetScheme))
        assert (scheme.title, scheme.status, scheme.side) == (TITLE, "published", "host")
        assert scheme.org.name == "青川市驻外流动党员工作委员会" and scheme.total_weight == 100
        scheme_id = scheme.id

    member = app.test_client()
    login(member, "liudong", DEMO_PASSWORD)
    page = member.get("/targets/").get_data(as_text=True)
    assert TITLE in page and "在深圳坚持线上学习" in page and "保存自评述职" in page

    staff = app.test_client()
    login(staff, "gongwei", DEMO_PASSWORD)
    page = staff.get(f"/manage/targets/{scheme_id}/members").get_data(as_text=True)
    assert "陈志强" in page and "已填写" in page
    assert "待评分的目标考核" in staff.get("/workbench/").get_data(as_text=True)
