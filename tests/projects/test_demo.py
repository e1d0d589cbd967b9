"""The demo school has three projects of 南山县委: 陈志强 (home 红星村, living in Shenzhen)
finds them and his interest in the first; 刘志远, the county secretary, sees it waiting."""

import re

from tests.conftest import login


def test_the_demo_projects_reach_the_floating_member_and_wait_for_the_county(app):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    member = app.test_client()
    login(member, "liudong", "dangxiao2026")
    board = member.get("/projects/").get_data(as_text=True)
    for title in ("红星村茶旅融合示范园", "南山县农产品冷链物流中心", "石桥村屋顶分布式光伏"):
        assert title in board
    assert "已登记意向" in board
    # 张丽 lives in 东城区: not her county's projects.
    other = app.test_client()
    login(other, "dangyuan", "dangxiao2026")
    assert "红星村茶旅融合示范园" not in other.get("/projects/").get_data(as_text=True)
    county = app.test_client()
    login(county, "xianwei", "dangxiao2026")
    workbench = county.get("/workbench/").get_data(as_text=True)
    assert "家乡项目待跟进的意向和推荐" in workbench
    listing = county.get("/manage/projects/?waiting=1").get_data(as_text=True)
    link = re.search(r'href="(/manage/projects/\d+)"', listing).group(1)
    assert "陈志强" in county.get(link).get_data(as_text=True)
