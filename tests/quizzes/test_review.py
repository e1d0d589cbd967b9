"""Exams that test: the answers stay hidden while the member may still try again.

``after_last`` shows the right answers once the member has finished every attempt the exam
allows or once it has closed, whichever comes first; the settings page warns an instructor who
shows answers at once on an exam that can be retaken; the demo exam is set up that way.
"""

import re
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from school.auth.models import User
from school.db import db, utcnow
from school.quizzes import attempts as svc
from school.quizzes.forms import QuizForm
from school.quizzes.models import Quiz
from tests.conftest import login, post
from tests.quizzes import factories as f

# What a result page shows only when the answers are out: the right answer in words, the
# general feedback, the questions with their marks; and the per-option feedback of a wrong
# single choice ("不对").
SHOWN = ("正确答案：", "解析：组织关系随人走", 'class="card review')
SECRETS = (*SHOWN, "不对")


def _single_with_explanation():
    question = f.single()
    question.general_feedback = "组织关系随人走"
    return question


def _exam(app, **settings) -> int:
    with app.app_context():
        quiz = f.make_quiz(
            [_single_with_explanation(), f.truefalse()], title="结业考试", **settings
        )
        db.session.commit()
        return quiz.id


def _start(client, quiz_id: int) -> int:
    started = post(client, f"/quizzes/{quiz_id}/start")
    return int(re.search(r"/attempts/(\d+)", started.headers["Location"]).group(1))


def _answer_and_submit(client, attempt_id: int, single: str) -> None:
    # Option 1 of the single choice is wrong ("不对"), option 0 right; the true/false is right.
    form = {"present": ["1", "2"], "q1": single, "q2": "true"}
    post(client, f"/attempts/{attempt_id}/save", form)
    post(client, f"/attempts/{attempt_id}/submit")


def _take(client, quiz_id: int, single: str = "1") -> int:
    """Take an attempt through the web and submit it; returns its id."""
    attempt_id = _start(client, quiz_id)
    _answer_and_submit(client, attempt_id, single)
    return attempt_id


def _result(client, attempt_id: int, **kwargs) -> str:
    response = client.get(f"/attempts/{attempt_id}/result", **kwargs)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _assert_hidden(page: str) -> None:
    for secret in SECRETS:
        assert secret not in page, secret


def _assert_shown(page: str) -> None:
    for secret in SHOWN:
        assert secret in page, secret


def _selected(page: str, value: str) -> bool:
    return any(
        f'value="{value}"' in option and "selected" in option
        for option in re.findall(r"<option[^>]*>", page)
    )


# --- the rule ----------------------------------------------------------------------------------


def test_new_exams_keep_answers_back_until_the_last_attempt(app, world):
    with app.app_context():
        quiz = f.make_quiz([f.truefalse()])
        assert quiz.review == "after_last"
    with app.test_request_context():
        assert QuizForm().review.data == "after_last"


def test_after_last_shows_answers_once_every_attempt_is_finished(app, world):
    with app.app_context():
        member = db.session.get(User, world.member)
        quiz = f.make_quiz([f.truefalse()], attempts_allowed=2)
        first = svc.start_attempt(member, quiz)
        svc.finish_attempt(first)
        assert svc.review_policy(first) == svc.ReviewPolicy(answers=False, score=True)
        # The last attempt started but not finished: it is not used yet (another tab).
        last = svc.start_attempt(member, quiz)
        assert svc.review_policy(first).answers is False
        svc.finish_attempt(last)
        assert svc.review_policy(first).answers is True
        assert svc.review_policy(last).answers is True
        # Another member's attempts are counted for them alone.
        other = svc.start_attempt(db.session.get(User, world.other_member), quiz)
        svc.finish_attempt(other)
        assert svc.review_policy(other).answers is False


def test_after_last_shows_answers_after_the_close_date_and_its_grace(app, world):
    with app.app_context():
        member = db.session.get(User, world.member)
        closes = utcnow() + timedelta(hours=1)
        quiz = f.make_quiz([f.truefalse()], attempts_allowed=3, close_at=closes)
        attempt = svc.start_attempt(member, quiz)
        svc.finish_attempt(attempt)
        assert svc.review_policy(attempt, closes).answers is False
        # Answers still on their way from a slow phone are taken for a few seconds more.
        assert svc.review_policy(attempt, closes + svc.grace()).answers is False
        assert svc.review_policy(attempt, closes + timedelta(minutes=1)).answers is True


def test_after_last_with_unlimited_attempts_waits_for_the_close_date_or_never(app, world):
    with app.app_context():
        member = db.session.get(User, world.member)
        closes = utcnow() + timedelta(hours=1)
        quiz = f.make_quiz([f.truefalse()], attempts_allowed=0, close_at=closes)
        attempts = []
        for _ in range(5):
            attempts.append(svc.start_attempt(member, quiz))
            svc.finish_attempt(attempts[-1])
        assert svc.review_policy(attempts[0]).answers is False
        assert svc.review_policy(attempts[0], closes + timedelta(hours=1)).answers is True
        quiz.close_at = None
        assert svc.review_policy(attempts[0], closes + timedelta(days=999)).answers is False


def test_previews_and_practice_show_answers_at_once(app, world):
    with app.app_context():
        instructor = db.session.get(User, world.instructor)
        exam = f.make_quiz([f.truefalse()], attempts_allowed=3)
        preview = svc.start_attempt(instructor, exam, preview=True)
        svc.finish_attempt(preview)
        assert svc.review_policy(preview).answers is True
        practice = f.make_quiz([f.truefalse()], kind="practice")
        attempt = svc.start_attempt(db.session.get(User, world.member), practice)
        svc.finish_attempt(attempt)
        assert practice.review == "after_last" and svc.review_policy(attempt).answers is True


# --- what the member's pages show ---------------------------------------------------------------


def test_a_member_with_attempts_left_sees_the_score_but_no_answers(app, client, world):
    quiz_id = _exam(app, attempts_allowed=2, pass_percent=100)
    login(client, "member")
    first = _take(client, quiz_id, single="1")  # one of two right: 50 分
    page = _result(client, first)
    assert "<strong>50</strong> 分" in page and "未及格" in page
    assert "用完全部 2 次答题机会后，可查看正确答案和解析。" in page
    _assert_hidden(page)
    # Asking for JSON, or the attempt's question and summary pages, reveal nothing either.
    _assert_hidden(_result(client, first, headers={"Accept": "application/json"}))
    for path in (f"/attempts/{first}", f"/attempts/{first}/summary"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].endswith("/result")
    quiz_page = client.get(f"/quizzes/{quiz_id}").get_data(as_text=True)
    _assert_hidden(quiz_page)
    assert "用完全部 2 次答题机会后" in quiz_page
    # No per-question check for an exam, whatever is posted.
    assert post(client, f"/attempts/{first}/check/1").status_code == 404


def test_the_answers_come_out_after_the_last_attempt(app, client, world):
    quiz_id = _exam(app, attempts_allowed=2, pass_percent=100)
    login(client, "member")
    first = _take(client, quiz_id, single="1")
    # The second attempt is open in another tab: the first result still hides the answers.
    second = _start(client, quiz_id)
    _assert_hidden(_result(client, first))
    _answer_and_submit(client, second, single="0")
    first_page = _result(client, first)
    _assert_shown(first_page)
    assert "不对" in first_page
    _assert_shown(_result(client, second))


def test_the_answers_come_out_after_the_close_date(app, client, world):
    quiz_id = _exam(app, attempts_allowed=3)
    login(client, "member")
    attempt_id = _take(client, quiz_id)
    _assert_hidden(_result(client, attempt_id))
    with app.app_context():
        db.session.get(Quiz, quiz_id).close_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    page = _result(client, attempt_id)
    _assert_shown(page)
    assert "再答一次" not in page


def test_an_essay_comment_waits_with_the_answers(app, client, world):
    with app.app_context():
        quiz = f.make_quiz([f.essay()], attempts_allowed=2)
        attempt = svc.start_attempt(db.session.get(User, world.member), quiz)
        svc.save_answers(attempt, {1: ["坚持线上参加组织生活。"]})
        svc.finish_attempt(attempt)
        svc.grade_essay(
            attempt.questions[0], Decimal("0.9"), "写得具体", db.session.get(User, world.instructor)
        )
        db.session.commit()
        attempt_id = attempt.id
    login(client, "member")
    page = _result(client, attempt_id)
    assert "<strong>90</strong> 分" in page and "写得具体" not in page and "教员评语" not in page


# --- the settings page --------------------------------------------------------------------------

FIELDS = {
    "title": "结业考试",
    "placement": "",
    "kind": "exam",
    "status": "draft",
    "attempts_allowed": "3",
    "pass_percent": "60",
    "review": "immediate",
    "one_per_page": "y",
    "required": "y",
}
WARNING = "学员可以照着第一次的答案再答一次"


def test_settings_warn_of_answers_at_once_on_an_exam_with_retakes_but_save(app, client, world):
    login(client, "instructor")
    response = post(client, "/manage/quizzes/new", FIELDS)
    assert response.status_code == 302  # a warning, not a refusal
    quiz_id = int(response.headers["Location"].split("/")[-2])
    with app.app_context():
        quiz = db.session.get(Quiz, quiz_id)
        assert (quiz.review, quiz.attempts_allowed) == ("immediate", 3)
    page = client.get(f"/manage/quizzes/{quiz_id}/edit").get_data(as_text=True)
    assert WARNING in page and "这场考试可以答 3 次" in page
    # Unlimited attempts too; the form re-shown with an error keeps the warning.
    unlimited = post(client, f"/manage/quizzes/{quiz_id}/edit", {**FIELDS, "attempts_allowed": "0"})
    assert unlimited.status_code == 302
    page = client.get(f"/manage/quizzes/{quiz_id}/edit").get_data(as_text=True)
    assert WARNING in page and "这场考试不限答题次数" in page
    refused = post(client, f"/manage/quizzes/{quiz_id}/edit", {**FIELDS, "title": ""})
    assert "请填写测验名称" in refused.get_data(as_text=True)
    assert WARNING in refused.get_data(as_text=True)


def test_no_warning_for_one_attempt_a_practice_or_answers_after_the_last(app, client, world):
    login(client, "instructor")
    for changed in (
        {"attempts_allowed": "1"},
        {"kind": "practice"},
        {"review": "after_last"},
        {"review": "never"},
    ):
        response = post(client, "/manage/quizzes/new", {**FIELDS, **changed})
        quiz_id = int(response.headers["Location"].split("/")[-2])
        page = client.get(f"/manage/quizzes/{quiz_id}/edit").get_data(as_text=True)
        assert WARNING not in page, changed


def test_settings_say_when_the_answers_would_never_be_shown(app, client, world):
    login(client, "instructor")
    fields = {**FIELDS, "review": "after_last", "attempts_allowed": "0"}
    quiz_id = int(post(client, "/manage/quizzes/new", fields).headers["Location"].split("/")[-2])
    page = client.get(f"/manage/quizzes/{quiz_id}/edit").get_data(as_text=True)
    assert "没有截止时间、答题次数不限，答案不会公布。" in page
    assert _selected(client.get("/manage/quizzes/new").get_data(as_text=True), "after_last")


def test_existing_quizzes_keep_their_stored_review(app, client, world):
    quiz_id = _exam(app, review="immediate", attempts_allowed=1)
    login(client, "instructor")
    page = client.get(f"/manage/quizzes/{quiz_id}/edit").get_data(as_text=True)
    assert _selected(page, "immediate") and not _selected(page, "after_last")


# --- the demo ------------------------------------------------------------------------------------


def test_the_demo_exam_keeps_its_answers_until_the_last_attempt(app):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        exam = db.session.scalar(select(Quiz).where(Quiz.title.contains("结业测验")))
        assert (exam.kind, exam.attempts_allowed, exam.review) == ("exam", 3, "after_last")
        assert "交卷后即可查看答案" not in exam.description
        assert "用完 3 次答题机会后" in exam.description
        practice = db.session.scalar(select(Quiz).where(Quiz.kind == "practice"))
        assert practice is not None
