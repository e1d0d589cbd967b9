"""Who may edit a quiz: a course's quiz its course's instructors, a standalone quiz its creator,
admins every quiz. Others read it, and their writes are refused with nothing changed."""

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from school.auth.models import User
from school.courses.models import Course
from school.db import db
from school.quizzes import attempts as svc
from school.quizzes import building
from school.quizzes.models import AttemptQuestion, Quiz
from school.quizzes.permissions import can_edit_quiz, can_grade
from tests.conftest import login, post
from tests.factories import make_course, make_user
from tests.quizzes import factories as f


def _course(slug: str = "rules") -> Course:
    return db.session.scalar(select(Course).where(Course.slug == slug))


@pytest.fixture
def people(app, world):
    """王教员 (on no course), 二号教员 who teaches 课程 rules, a member and an admin."""
    with app.app_context():
        teacher = make_user("teacher2", "二号教员", role="instructor")
        course = _course()
        course.instructors.append(teacher)
        db.session.commit()
        return {
            "instructor": world.instructor,
            "teacher2": teacher.id,
            "member": world.member,
            "admin": world.admin,
        }


def test_the_predicate_and_its_query_agree(app, people):
    with app.app_context():
        course_quiz = f.make_quiz([f.single()], course=_course())
        own = f.make_quiz([f.single()], created_by=people["instructor"])
        theirs = f.make_quiz([f.single()], created_by=people["teacher2"])
        legacy = f.make_quiz([f.single()])
        quizzes = {"course": course_quiz, "own": own, "theirs": theirs, "legacy": legacy}
        expected = {
            "instructor": {"own", "legacy"},
            "teacher2": {"course", "theirs", "legacy"},
            "member": set(),
            "admin": {"course", "own", "theirs", "legacy"},
        }
        for who, may in expected.items():
            user = db.session.get(User, people[who])
            by_rule = {name for name, quiz in quizzes.items() if can_edit_quiz(user, quiz)}
            assert by_rule == may, who
            assert {name for name, quiz in quizzes.items() if can_grade(user, quiz)} == may
            found = set(db.session.scalars(select(Quiz.id).where(building.editable_by(user))))
            assert {name for name, quiz in quizzes.items() if quiz.id in found} == may, who


def _state(app, quiz_id: int) -> tuple:
    with app.app_context():
        quiz = db.session.get(Quiz, quiz_id)
        slots = [(s.id, s.position, s.question_id, s.category_id, s.mark) for s in quiz.slots]
        return quiz.title, quiz.status, quiz.course_id, slots


def test_an_instructor_not_on_the_course_cannot_change_its_quiz(app, client, people):
    with app.app_context():
        quiz = f.make_quiz([f.single(), f.truefalse()], course=_course(), status="draft")
        extra = f.make_quiz([f.fillin()], category="别处")
        db.session.commit()
        quiz_id, first, second = quiz.id, quiz.slots[0].id, quiz.slots[1].id
        extra_question = extra.slots[0].question_id
        category = extra.slots[0].question.category_id
    before = _state(app, quiz_id)
    login(client, "instructor")
    base = f"/manage/quizzes/{quiz_id}"
    writes = [
        (f"{base}/slots/fixed", {"question_ids": str(extra_question)}),
        (f"{base}/slots/random", {"category": str(category), "tag": "0", "draw_count": "1"}),
        (f"{base}/slots/{first}/delete", {}),
        (f"{base}/slots/{second}/move", {"step": "-1"}),
        (f"{base}/slots/order", {"order": f"{second},{first}"}),
        (f"{base}/slots/{first}/mark", {"mark": "9"}),
        (
            f"{base}/edit",
            {
                "title": "改名",
                "placement": "",
                "kind": "exam",
                "status": "published",
                "attempts_allowed": "0",
                "pass_percent": "60",
                "review": "immediate",
            },
        ),
    ]
    for url, data in writes:
        assert post(client, url, data).status_code == 403, url
    assert client.get(f"{base}/picker").status_code == 403
    assert _state(app, quiz_id) == before
    # Reading is allowed, without the controls.
    page = client.get(f"{base}/questions").get_data(as_text=True)
    assert "只读" in page and "《课程 rules》" in page
    assert "/slots/" not in page and "从题库选题" not in page
    settings = client.get(f"{base}/edit").get_data(as_text=True)
    assert "只读" in settings and "保存设置" not in settings
    assert re.search(r'<option selected value="c:\d+">《课程 rules》课程测验', settings)
    # The course's own instructor may.
    teacher = app.test_client()
    login(teacher, "teacher2")
    assert post(teacher, f"{base}/slots/{first}/delete").status_code == 302
    assert [s[0] for s in _state(app, quiz_id)[3]] == [second]


def test_a_standalone_quiz_is_its_creators(app, client, people):
    login(client, "instructor")
    fields = {
        "title": "我的专项答题",
        "placement": "",
        "kind": "practice",
        "status": "draft",
        "attempts_allowed": "0",
        "pass_percent": "60",
        "review": "immediate",
    }
    response = post(client, "/manage/quizzes/new", fields)
    assert response.status_code == 302 and response.headers["Location"].endswith("/questions")
    quiz_id = int(response.headers["Location"].split("/")[-2])
    with app.app_context():
        assert db.session.get(Quiz, quiz_id).created_by_id == people["instructor"]
        question = f.make_quiz([f.single()]).slots[0].question_id
        db.session.commit()
    assert (
        post(client, f"/manage/quizzes/{quiz_id}/slots/fixed", {"question_ids": str(question)})
        .headers["Location"]
        .endswith("/questions")
    )
    before = _state(app, quiz_id)
    other = app.test_client()
    login(other, "teacher2")
    slot = before[3][0][0]
    assert post(other, f"/manage/quizzes/{quiz_id}/slots/{slot}/delete").status_code == 403
    assert post(other, f"/manage/quizzes/{quiz_id}/edit", fields).status_code == 403
    assert _state(app, quiz_id) == before
    admin = app.test_client()
    login(admin, "admin")
    assert post(admin, f"/manage/quizzes/{quiz_id}/slots/{slot}/delete").status_code == 302
    assert _state(app, quiz_id)[3] == []


def test_a_quiz_can_only_be_attached_to_a_course_one_may_edit(app, client, people):
    with app.app_context():
        mine = make_course("mine")
        mine.instructors.append(db.session.get(User, people["instructor"]))
        db.session.commit()
        mine_id, rules_id = mine.id, _course().id
    login(client, "instructor")
    page = client.get("/manage/quizzes/new").get_data(as_text=True)
    assert f'value="c:{mine_id}"' in page and f'value="c:{rules_id}"' not in page
    # A course's page links here with its placement filled in.
    page = client.get(f"/manage/quizzes/new?placement=c:{mine_id}").get_data(as_text=True)
    assert f'<option selected value="c:{mine_id}">' in page
    fields = {
        "title": "混进别人的课程",
        "placement": f"c:{rules_id}",
        "kind": "exam",
        "status": "draft",
        "attempts_allowed": "0",
        "pass_percent": "60",
        "review": "immediate",
    }
    response = post(client, "/manage/quizzes/new", fields)
    assert "只能放进您可以编辑的课程" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Quiz).where(Quiz.title == "混进别人的课程")) is None
    response = post(client, "/manage/quizzes/new", {**fields, "placement": f"c:{mine_id}"})
    assert response.status_code == 302


def test_the_quiz_list_marks_what_one_may_edit(app, client, people):
    with app.app_context():
        f.make_quiz([f.single()], title="课程的测验", course=_course())
        f.make_quiz([f.single()], title="自己的测验", created_by=people["instructor"])
        db.session.commit()
    login(client, "instructor")
    everything = client.get("/manage/quizzes/").get_data(as_text=True)
    assert "课程的测验" in everything and "只读" in everything
    mine = client.get("/manage/quizzes/?mine=1").get_data(as_text=True)
    assert "自己的测验" in mine and "课程的测验" not in mine


@pytest.fixture
def essays(app, people):
    """An essay waiting in a course's quiz and one in 王教员's own quiz."""
    with app.app_context():
        member = db.session.get(User, people["member"])
        ids = {}
        for name, settings in (
            ("course", {"course": _course(), "title": "课程简答"}),
            ("own", {"created_by": people["instructor"], "title": "自己的简答"}),
        ):
            attempt = svc.start_attempt(member, f.make_quiz([f.essay()], **settings))
            svc.save_answers(attempt, {1: [f"{name} 的体会"]})
            svc.finish_attempt(attempt)
            ids[name] = attempt.questions[0].id
        db.session.commit()
        return ids


def test_essays_are_graded_by_who_may_edit_the_quiz(app, client, essays):
    login(client, "instructor")
    page = client.get("/manage/grading/?mine=1").get_data(as_text=True)
    assert "自己的简答" in page and "课程简答" not in page
    everything = client.get("/manage/grading/").get_data(as_text=True)
    assert "课程简答" in everything and "由本测验的教员评分" in everything
    shown = client.get(f"/manage/grading/{essays['course']}").get_data(as_text=True)
    assert "只有这个测验的教员和管理员可以评分" in shown and "保存评分" not in shown
    refused = post(client, f"/manage/grading/{essays['course']}", {"percent": "90"})
    assert refused.status_code == 403
    with app.app_context():
        answer = db.session.get(AttemptQuestion, essays["course"])
        assert answer.fraction is None and answer.attempt.score is None
    post(client, f"/manage/grading/{essays['own']}", {"percent": "90"})
    with app.app_context():
        assert db.session.get(AttemptQuestion, essays["own"]).fraction == Decimal("0.9")
    teacher = app.test_client()
    login(teacher, "teacher2")
    post(teacher, f"/manage/grading/{essays['course']}", {"percent": "50"})
    with app.app_context():
        assert db.session.get(AttemptQuestion, essays["course"]).fraction == Decimal("0.5")
