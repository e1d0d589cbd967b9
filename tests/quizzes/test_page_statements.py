"""An open attempt's question and summary pages run a fixed few SQL statements, however many
questions."""

import re

import pytest

from school.db import db
from tests.conftest import csrf_token, login, post
from tests.quizzes import factories as f

ATTEMPT = 3
# The login check, the attempt loaded and locked, the page's questions, their answers written.
SAVE = 4


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


def test_an_autosave(app, client, world, count_statements):
    with app.app_context():
        quiz_id = f.make_quiz([f.single(), f.truefalse(), f.fillin()], one_per_page=True).id
        db.session.commit()
    login(client, "member")
    started = post(client, f"/quizzes/{quiz_id}/start")
    attempt = re.search(r"/attempts/\d+", started.headers["Location"]).group(0)
    form = {"csrf_token": csrf_token(client, f"{attempt}?page=2"), "present": "2", "q2": "true"}
    response, statements = count_statements(
        client, f"{attempt}/save", form, headers={"Accept": "application/json"}
    )
    assert response.status_code == 200 and response.get_json()["ok"] is True
    assert len(statements) == SAVE, "\n".join(statements)
    summary = client.get(f"{attempt}/summary").get_data(as_text=True)
    assert "2</strong> 题未作答" in summary  # the answer is stored: one of three answered


def _start_reads(app, client, count_statements, questions) -> int:
    with app.app_context():
        quiz_id = f.make_quiz(questions).id
        db.session.commit()
    form = {"csrf_token": csrf_token(client, f"/quizzes/{quiz_id}")}
    response, statements = count_statements(client, f"/quizzes/{quiz_id}/start", form)
    assert response.status_code == 302 and "/attempts/" in response.headers["Location"]
    return sum(statement.startswith("SELECT") for statement in statements)


def test_starting_reads_as_much_for_three_questions_as_for_six(
    app, client, world, count_statements
):
    # Every candidate starts at once on exam day: nothing is read once per question (each
    # question's row of the attempt is still written by a statement of its own).
    login(client, "member")
    three = _start_reads(app, client, count_statements, [f.single(), f.truefalse(), f.fillin()])
    six = _start_reads(
        app,
        client,
        count_statements,
        [f.single(), f.truefalse(), f.fillin(), f.multiple(), f.single(), f.truefalse()],
    )
    assert three == six, (three, six)
