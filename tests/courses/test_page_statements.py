"""The member's course pages run a fixed few SQL statements, however large the catalogue.

Counted with ``count_statements`` for one request, the login session's lookup included. A page
that starts loading one row per theme, course or lesson fails here with its statements listed.
"""

import pytest
from sqlalchemy import select

from school.courses.models import Course, Theme
from school.db import db
from tests.conftest import login, post
from tests.factories import make_course
from tests.quizzes import factories as f

# The home page: the login check, the courses, their progress, the year's 学时, the newest
# notices, the outline of the course to continue, the quizzes due, the replies waiting and the
# notices not yet read.
CATALOGUE = 9
COURSE = 9
LESSON = 3


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
