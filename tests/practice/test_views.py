"""Daily practice pages: today's five on one page, the result, forged posts, the settings page,
the home page's part, and how many statements the member's pages run."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from school.auth.models import User
from school.clock import local_today
from school.db import db
from school.practice import services
from school.practice.models import PracticeCategory, PracticeCompletion, PracticeDraw
from school.quizzes import bank
from tests.conftest import csrf_token, login, post
from tests.practice.factories import all_right, make_bank

# The login check, the draw with its completion, its questions with their versions, the streak.
PAGE = 4
# The login check, the lock on the member, the draw with its completion, its questions with
# their versions, the completion's INSERT, the answers' UPDATE (one executemany), the streak
# read and its INSERT, and the points' look-up of the day's practice rule (none in this test).
SUBMIT = 9


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _draw(app, user_id: int) -> PracticeDraw:
    with app.app_context():
        draw = services.load_draw(db.session.get(User, user_id), local_today())
        fields = all_right(draw)
        db.session.expunge_all()
        draw.form = fields  # type: ignore[attr-defined]
        return draw


def _choice(draw) -> str:
    """The field of a choice question in the draw."""
    return next(
        f"q{item.position}"
        for item in draw.items
        if item.version.qtype in ("single", "multiple", "truefalse")
    )


@pytest.fixture
def practice_bank(app, world):
    with app.app_context():
        make_bank(7)
        db.session.commit()


def test_a_member_answers_todays_five_and_sees_the_result(app, client, world, practice_bank):
    login(client, "member")
    page = client.get("/practice/").get_data(as_text=True)
    assert page.count('class="question card"') == 5 and "连续答题 <strong>0</strong> 天" in page
    draw = _draw(app, world.member)
    client.get("/practice/")  # a reload: the same draw
    with app.app_context():
        assert _count(PracticeDraw) == 1
    answers = {**draw.form, "q1": []}
    response = post(client, "/practice/", {"draw": draw.id, **answers})
    assert response.status_code == 302 and response.headers["Location"] == "/practice/"
    result = client.get("/practice/").get_data(as_text=True)
    assert "答对 4 题，共 5 题" in result and "（未作答）" in result and "正确答案：" in result
    assert "连续答题 <strong>1</strong> 天" in result and "交卷" not in result
    home = client.get("/").get_data(as_text=True)
    assert "今日答题" in home and "今天已完成" in home


def test_a_second_submission_shows_the_first_result(app, client, world, practice_bank):
    login(client, "member")
    client.get("/practice/")
    draw = _draw(app, world.member)
    post(client, "/practice/", {"draw": draw.id, **draw.form})
    # Another tab's form, or the same one sent again with a fresh token: nothing changes.
    response = post(client, "/practice/", {"draw": draw.id}, follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "今天的题目已经提交过了" in text and "答对 5 题，共 5 题" in text
    with app.app_context():
        assert _count(PracticeCompletion) == 1


def test_a_post_without_a_valid_token_changes_nothing(app, client, world, practice_bank):
    login(client, "member")
    client.get("/practice/")
    draw = _draw(app, world.member)
    response = client.post("/practice/", data={"draw": draw.id, **draw.form})
    assert response.status_code == 400
    with app.app_context():
        assert _count(PracticeCompletion) == 0


@pytest.mark.parametrize(
    ("forge", "message"),
    [
        (lambda draw, theirs: {"draw": draw.id, "q6": ["0"]}, "与今天的题目不符"),
        (lambda draw, theirs: {"draw": draw.id, _choice(draw): ["99"]}, "与今天的题目不符"),
        (lambda draw, theirs: {"draw": theirs.id, **theirs.form}, "不是您今天的题目"),
        (lambda draw, theirs: {"draw": "abc"}, "不是您今天的题目"),
    ],
    ids=["unknown question", "unknown choice", "another member's draw", "no draw"],
)
def test_a_forged_post_is_refused_with_a_message(app, client, world, practice_bank, forge, message):
    other = app.test_client()
    login(other, "other")
    other.get("/practice/")
    theirs = _draw(app, world.other_member)
    login(client, "member")
    client.get("/practice/")
    draw = _draw(app, world.member)
    response = post(client, "/practice/", forge(draw, theirs), follow_redirects=True)
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert _count(PracticeCompletion) == 0


def test_yesterdays_page_sent_today_is_refused(app, client, world, practice_bank):
    with app.app_context():
        member = db.session.get(User, world.member)
        day = local_today()
        stale_id = services.draw_for(member, day - timedelta(days=1)).id
        db.session.commit()
    login(client, "member")
    response = post(client, "/practice/", {"draw": stale_id}, follow_redirects=True)
    assert "已经过了当天，没有记录" in response.get_data(as_text=True)
    with app.app_context():
        assert _count(PracticeCompletion) == 0


def test_an_empty_bank_says_so_and_shows_instructors_the_way(app, client, world):
    login(client, "member")
    page = client.get("/practice/").get_data(as_text=True)
    assert "题库里暂时没有可用于每日答题的题目" in page and "/practice/settings" not in page
    instructor = app.test_client()
    login(instructor, "instructor")
    page = instructor.get("/practice/").get_data(as_text=True)
    assert "/practice/settings" in page
    settings = instructor.get("/practice/settings").get_data(as_text=True)
    assert "还没有选择分类" in settings and "题库里没有可抽的题" in settings


def test_instructors_choose_the_categories(app, client, world):
    with app.app_context():
        make_bank(3, category="练习", choose=False)
        exam = bank.get_or_create_category("考试")
        chosen = db.session.scalar(select(PracticeCategory.category_id))
        assert chosen is None
        practice_id = db.session.scalar(
            select(bank.Category.id).where(bank.Category.path == "练习")
        )
        exam_id = exam.id
        db.session.commit()
    login(client, "member")
    assert client.get("/practice/settings").status_code == 403
    assert post(client, "/practice/settings", {"category": practice_id}).status_code == 403
    instructor = app.test_client()
    login(instructor, "instructor")
    response = post(
        instructor, "/practice/settings", {"category": [practice_id]}, follow_redirects=True
    )
    text = response.get_data(as_text=True)
    assert "已保存" in text and "现有 <strong>3</strong> 道题可抽" in text
    assert "可抽的题不足 5 道" in text
    for forged in (["999999"], ["x"], [str(exam_id), "-1"]):
        response = post(
            instructor, "/practice/settings", {"category": forged}, follow_redirects=True
        )
        assert "设置没有保存" in response.get_data(as_text=True)
    with app.app_context():
        assert list(db.session.scalars(select(PracticeCategory.category_id))) == [practice_id]


def test_the_home_page_shows_the_streak(app, client, world, practice_bank):
    login(client, "member")
    home = client.get("/").get_data(as_text=True)
    assert "今日答题" in home and "今天还没答" in home
    assert re.search(r"连续 <strong>0</strong> 天", home)


def test_the_practice_page_runs_a_fixed_few_statements(
    app, client, world, practice_bank, count_statements
):
    login(client, "member")
    client.get("/practice/")  # today's draw made
    response, statements = count_statements(client, "/practice/")
    assert response.status_code == 200
    assert len(statements) == PAGE, "\n".join(statements)
    draw = _draw(app, world.member)
    token = csrf_token(client)
    response, statements = count_statements(
        client, "/practice/", {"draw": draw.id, **draw.form, "csrf_token": token}
    )
    assert response.status_code == 302
    assert len(statements) == SUBMIT, "\n".join(statements)
    response, statements = count_statements(client, "/practice/")
    assert "答对 5 题" in response.get_data(as_text=True)
    assert len(statements) == PAGE, "\n".join(statements)
