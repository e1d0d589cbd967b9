"""The demo school's daily practice: the 专项 bank feeds it, 陈志强 has practised three days
running and today is still to do; 张丽 starts today."""

from tests.conftest import login


def test_the_demo_has_a_practice_bank_and_a_streak(app):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    floating = app.test_client()
    login(floating, "liudong", "dangxiao2026")
    home = floating.get("/").get_data(as_text=True)
    assert "今日答题" in home and "今天还没答" in home and "连续 <strong>3</strong> 天" in home
    page = floating.get("/practice/").get_data(as_text=True)
    assert page.count('class="question card"') == 5 and "最长连续 3 天" in page
    member = app.test_client()
    login(member, "dangyuan", "dangxiao2026")
    assert "连续答题 <strong>0</strong> 天" in member.get("/practice/").get_data(as_text=True)
    teacher = app.test_client()
    login(teacher, "jiaoyuan", "dangxiao2026")
    settings = teacher.get("/practice/settings").get_data(as_text=True)
    assert 'value="' in settings and "现有 <strong>8</strong> 道题可抽" in settings
