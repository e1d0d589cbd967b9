"""An open attempt's question and summary pages run a fixed few SQL statements, however many
questions."""

import re

import pytest

from school.db import db
from tests.conftest import login, post
from tests.quizzes import factories as f

ATTEMPT = 3


@pytest.mark.parametrize("one_per_page", [True, False], ids=["one-per-page", "all-on-one"])
def test_the_question_page(app, client, world, count_statements, one_per_page):
    with app.app_context():
        questions = [f.single(), f.multiple(), f.truefalse(), f.fillin(), f.matching()]
        quiz_id = f.make_quiz(questions, one_per_page=one_per_page).id
        db.session.commit()
    login(client, "member")
    started = post(client, f"/quizzes/{quiz_id}/start")
    attempt = re.search(r"/attempts/\d+", started.headers["Location"]).group(0)
    for page in (1, 2) if one_per_page else (1,):
        response, statements = count_statements(client, f"{attempt}?page={page}")
        assert response.status_code == 200 and "第 " in response.get_data(as_text=True)
        assert len(statements) == ATTEMPT, "\n".join(statements)


def test_the_summary_page(app, client, world, count_statements):
    with app.app_context():
        quiz_id = f.make_quiz([f.single(), f.multiple(), f.truefalse(), f.fillin()]).id
        db.session.commit()
    login(client, "member")
    started = post(client, f"/quizzes/{quiz_id}/start")
    attempt = re.search(r"/attempts/\d+", started.headers["Location"]).group(0)
    response, statements = count_statements(client, f"{attempt}/summary")
    assert response.status_code == 200 and "4</strong> 题未作答" in response.get_data(as_text=True)
    assert len(statements) == ATTEMPT, "\n".join(statements)
