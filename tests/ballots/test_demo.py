"""The demo school has one recommendation ballot open now: a member and a floating member in
another city see it on their home page; the city's staff see it on the workbench."""

import re

from tests.conftest import login


def test_the_demo_ballot_is_open_for_the_citys_members(app):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    for username in ("dangyuan", "liudong"):
        client = app.test_client()
        login(client, username, "dangxiao2026")
        home = client.get("/").get_data(as_text=True)
        assert "推荐青川市第十三次党代会代表候选人" in home
        link = re.search(r'href="(/ballots/\d+)"', home).group(1)
        assert "陈卫东" in client.get(link).get_data(as_text=True)
    staff = app.test_client()
    login(staff, "admin", "dangxiao2026")
    assert "进行中的推荐投票" in staff.get("/workbench/").get_data(as_text=True)
