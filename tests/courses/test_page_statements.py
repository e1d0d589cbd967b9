"""The member's course pages run a fixed few SQL statements, however large the catalogue.

Counted with ``count_statements`` for one request, the login session's lookup included. A page
that starts loading one row per theme, course or lesson fails here with its statements listed.
"""

from datetime import timedelta

import pytest
from sqlalchemy import select

from school.auth.models import User
from school.courses import activity
from school.courses import services as courses
from school.courses.models import Course, Theme
from school.db import db, utcnow
from tests.conftest import csrf_token, login, post
from tests.factories import make_course
from tests.quizzes import factories as f

# The home page: the login check, the courses, their progress, the year's 学时, the newest
# notices, the outline of the course to continue, the quizzes due, the replies waiting, the
# notices not yet read, the campaigns that reach the member, the training classes with a
# session to come, the recommendation ballots open to the member, the appraisal rounds the
# member takes part in and the daily practice streak.
CATALOGUE = 14
COURSE = 9
# The lesson, the outline with what the member studied, and the member's study row (the active
# time the countdown starts from and the position to restore), besides the login session.
LESSON = 4
# A heartbeat: the login session, the lesson, the member's recent study rows, whether the lesson
# is completed, and one UPDATE of one row, the same however long the member studies; on
# PostgreSQL first an advisory lock on the member (SQLite locks the database at BEGIN).
HEARTBEAT = {"sqlite": 5, "postgresql": 6}


def _school(app, themes: int) -> None:
    """``themes`` more themes of one three-lesson course each, and an exam in the main course."""
    with app.app_context():
        for n in range(themes):
            course = make_course(f"course-{n}")
            course.theme = Theme(slug=f"theme-{n}", title=f"专题 {n}", position=n + 1)
        rules = db.session.scalar(select(Course).where(Course.slug == "rules"))
        f.make_quiz([f.single()], course=rules, kind="exam", required=True)
        db.session.commit()


@pytest.fixture(params=[1, 4], ids=["small", "large"])
def member(request, app, client, world):
    """The member logged in, one lesson studied, in a school of one or four more themes."""
    _school(app, request.param)
    login(client, "member")
    client.get("/courses/rules/one")
    post(client, "/courses/rules/one/complete")
    return client


def test_the_catalogue(member, count_statements):
    response, statements = count_statements(member, "/")
    assert response.status_code == 200 and "专题 0" in response.get_data(as_text=True)
    assert len(statements) == CATALOGUE, "\n".join(statements)


def test_the_course_page(member, count_statements):
    response, statements = count_statements(member, "/courses/rules")
    assert response.status_code == 200 and "单元测验" in response.get_data(as_text=True)
    assert len(statements) == COURSE, "\n".join(statements)


@pytest.mark.parametrize("lesson", ["one", "two"])
def test_the_lesson_page(member, count_statements, lesson):
    response, statements = count_statements(member, f"/courses/rules/{lesson}")
    assert response.status_code == 200 and f"正文 {lesson}" in response.get_data(as_text=True)
    assert len(statements) == LESSON, "\n".join(statements)


def test_a_heartbeat(member, app, world, count_statements, backend):
    with app.app_context():
        lesson = courses.get_lesson(courses.get_course("rules"), "two")
        user = db.session.get(User, world.member)
        earlier = utcnow() - timedelta(seconds=60)
        views = [activity.issue_view(user, lesson, earlier + timedelta(seconds=n)) for n in (0, 1)]
    token = csrf_token(member)
    for number, view in enumerate(views, 1):
        # The first heartbeat of the lesson inserts its row; the next ones update it.
        fields = {"view": view, "seq": str(number), "scroll": "0.5", "csrf_token": token}
        response, statements = count_statements(member, "/courses/rules/two/study", fields)
        assert response.get_json()["accepted"], response.get_json()
    assert [s.split()[0] for s in statements].count("UPDATE") == 1, "\n".join(statements)
    assert len(statements) == HEARTBEAT[backend], "\n".join(statements)
