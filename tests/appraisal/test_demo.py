"""The demo school has one democratic appraisal open now: 红星村党支部's members (陈志强 among
them, from Shenzhen) see it on their home page; the branch secretary sees the turnout."""

import re

from tests.conftest import login


def test_the_demo_round_is_open_for_the_branch(app):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    client = app.test_client()
    login(client, "liudong", "dangxiao2026")
    home = client.get("/").get_data(as_text=True)
    assert "年度民主评议党员" in home
    link = re.search(r'href="(/appraisal/\d+)"', home).group(1)
    page = client.get(link).get_data(as_text=True)
    assert "王建国" in page and "保存自我评议" in page
    staff = app.test_client()
    login(staff, "shuji", "dangxiao2026")
    manage = staff.get(link.replace("/appraisal/", "/appraisal/manage/")).get_data(as_text=True)
    assert "已投票 <strong>0</strong> 人" in manage
    # 张丽 of 东城 is not in the round.
    other = app.test_client()
    login(other, "dangyuan", "dangxiao2026")
    assert other.get(link).status_code == 404
