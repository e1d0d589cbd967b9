"""A graded essay tells the member: once the attempt has its grade, linking to the result."""

from decimal import Decimal

from flask import url_for
from sqlalchemy import select

from school.auth.models import User
from school.db import db
from school.notifications.models import Notification
from school.quizzes import attempts as svc
from tests.conftest import login, post
from tests.quizzes import factories as f


def _finished(member: User, questions, **settings):
    quiz = f.make_quiz(questions, title="结业考试", pass_percent=60, **settings)
    attempt = svc.start_attempt(member, quiz)
    svc.save_answers(
        attempt, {aq.position: ["在外地也坚持参加组织生活。"] for aq in attempt.questions}
    )
    return svc.finish_attempt(attempt)


def _notifications() -> list[Notification]:
    return list(db.session.scalars(select(Notification).order_by(Notification.id)))


def test_the_member_alone_hears_when_the_last_essay_is_graded(app, world):
    with app.app_context():
        member = db.session.get(User, world.member)
        instructor = db.session.get(User, world.instructor)
        attempt = _finished(member, [f.essay(), f.essay()])
        svc.grade_essay(attempt.questions[0], Decimal(1), "", instructor)
        # Half graded: the attempt has no grade yet, so nothing changed for the member.
        assert attempt.score is None and _notifications() == []
        svc.grade_essay(attempt.questions[1], Decimal("0.5"), "再具体些", instructor)
        [notice] = _notifications()
        assert (notice.user_id, notice.kind, notice.url) == (
            member.id,
            "graded",
            f"/attempts/{attempt.id}/result",
        )
        assert notice.text == "您的“结业考试”第 1 次答题已阅卷：75 分，及格。"
        # The comment waits for the result page (and its review rule), never in the inbox.
        assert "再具体些" not in notice.text


def test_the_link_is_the_result_page(app, world):
    with app.app_context():
        attempt = _finished(db.session.get(User, world.member), [f.essay()])
    with app.test_request_context():
        assert svc.result_path(attempt) == url_for("quizzes.result", attempt_id=attempt.id)


def test_a_failed_grade_says_so_and_a_preview_tells_no_one(app, world):
    with app.app_context():
        instructor = db.session.get(User, world.instructor)
        attempt = _finished(db.session.get(User, world.member), [f.essay()])
        svc.grade_essay(attempt.questions[0], Decimal("0.2"), "", instructor)
        [notice] = _notifications()
        assert notice.text.endswith("20 分，未及格。")
        quiz = f.make_quiz([f.essay()])
        preview = svc.start_attempt(db.session.get(User, world.admin), quiz, preview=True)
        svc.save_answers(preview, {1: ["试答"]})
        svc.finish_attempt(preview)
        svc.grade_essay(preview.questions[0], Decimal(1), "", instructor)
        assert len(_notifications()) == 1


def test_grading_in_the_browser_notifies_the_member_who_follows_the_link(app, client, world):
    with app.app_context():
        attempt = _finished(db.session.get(User, world.member), [f.single(), f.essay()])
        db.session.commit()
        answer_id, attempt_id = attempt.questions[1].id, attempt.id
    login(client, "instructor")
    post(client, f"/manage/grading/{answer_id}", {"percent": "100", "comment": "很好"})
    # A second grade of the same answer is refused and tells no one again.
    post(client, f"/manage/grading/{answer_id}", {"percent": "0", "comment": ""})
    with app.app_context():
        rows = [(n.user_id, n.url) for n in _notifications()]
        assert rows == [(world.member, f"/attempts/{attempt_id}/result")]
        notification_id = _notifications()[0].id
    # Someone else cannot follow it; the member lands on the result.
    other = app.test_client()
    login(other, "other")
    assert other.get(f"/notifications/{notification_id}").status_code == 404
    assert other.get(f"/attempts/{attempt_id}/result").status_code == 404
    member = app.test_client()
    login(member, "member")
    followed = member.get(f"/notifications/{notification_id}")
    assert followed.headers["Location"] == f"/attempts/{attempt_id}/result"
    assert "结业考试" in member.get(followed.headers["Location"]).get_data(as_text=True)
