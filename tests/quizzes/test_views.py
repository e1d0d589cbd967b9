"""Taking a quiz through the web, and what the pages must never reveal."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from school.db import db, utcnow
from school.quizzes.models import Attempt
from tests.conftest import csrf_token, login, post
from tests.quizzes import factories as f


def _quiz(app, **settings) -> int:
    with app.app_context():
        quiz = f.make_quiz(
            [
                f.single(),
                f.multiple(),
                f.truefalse(),
                f.fillin(),
                f.numerical(),
                f.matching(),
                f.essay(),
            ],
            **settings,
        )
        db.session.commit()
        return quiz.id


def _start(client, quiz_id: int) -> int:
    response = post(client, f"/quizzes/{quiz_id}/start")
    return int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))


def test_member_takes_a_quiz_page_by_page_and_sees_the_result(app, client, world):
    quiz_id = _quiz(app, one_per_page=True, review="immediate")
    login(client, "member")
    attempt_id = _start(client, quiz_id)
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "党员的组织关系一般应当转到哪里？" in page and "1/7" in page
    response = post(
        client,
        f"/attempts/{attempt_id}/save",
        {"present": "1", "q1": "0", "page": "1", "go": "next"},
    )
    assert response.headers["Location"].endswith(f"/attempts/{attempt_id}?page=2")
    post(client, f"/attempts/{attempt_id}/save", {"present": "7", "q7": "坚持线上参加支部会议。"})
    summary = client.get(f"/attempts/{attempt_id}/summary").get_data(as_text=True)
    assert "还有 <strong>5</strong> 题未作答" in summary
    post(client, f"/attempts/{attempt_id}/submit")
    result = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "简答题需要教员阅卷" in result
    assert "正确答案：工作或居住地的党组织" in result


def test_answer_keys_never_reach_the_page_before_review(app, client, world):
    quiz_id = _quiz(app, one_per_page=False, review="never")
    login(client, "member")
    attempt_id = _start(client, quiz_id)
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    # Weights, per-option feedback, accepted fill-in answers, the right answer in words.
    for secret in ("fraction", "0.3333333", "不对", "章程", "正确答案："):
        assert secret not in page, secret
    post(client, f"/attempts/{attempt_id}/submit")
    result = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "正确答案：" not in result and "本测验不公布正确答案" in result


def test_background_save_answers_json_and_survives_an_expired_token(app, client, world):
    quiz_id = _quiz(app)
    login(client, "member")
    attempt_id = _start(client, quiz_id)
    headers = {"Accept": "application/json"}
    stale = client.post(
        f"/attempts/{attempt_id}/save",
        data={"present": "4", "q4": "党章", "csrf_token": "expired"},
        headers=headers,
    )
    assert stale.status_code == 400 and stale.json["error"] == "csrf"
    fresh = stale.json["csrf_token"]
    saved = client.post(
        f"/attempts/{attempt_id}/save",
        data={"present": "4", "q4": "党章", "csrf_token": fresh},
        headers=headers,
    )
    assert saved.status_code == 200 and saved.json["ok"] is True
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.questions[3].answer == {"text": "党章"}


def test_saving_after_the_deadline_is_refused_and_the_attempt_finished(app, client, world):
    quiz_id = _quiz(app, time_limit_seconds=60)
    login(client, "member")
    attempt_id = _start(client, quiz_id)
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        attempt.started_at -= timedelta(minutes=5)
        attempt.deadline_at -= timedelta(minutes=5)
        db.session.commit()
    response = client.post(
        f"/attempts/{attempt_id}/save",
        data={"present": "1", "q1": "0", "csrf_token": csrf_token(client)},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 409 and response.json["error"] == "closed"
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.state == "finished" and attempt.questions[0].answer is None


def test_another_members_attempt_is_404_and_untouched(app, client, world):
    quiz_id = _quiz(app)
    owner = app.test_client()
    login(owner, "member")
    attempt_id = _start(owner, quiz_id)
    login(client, "other")
    for url in (
        f"/attempts/{attempt_id}",
        f"/attempts/{attempt_id}/summary",
        f"/attempts/{attempt_id}/result",
    ):
        assert client.get(url).status_code == 404
    assert (
        post(client, f"/attempts/{attempt_id}/save", {"present": "1", "q1": "1"}).status_code == 404
    )
    assert post(client, f"/attempts/{attempt_id}/submit").status_code == 404
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.state == "open" and attempt.questions[0].answer is None


def test_double_submit_from_two_tabs_gives_one_result(app, client, world):
    quiz_id = _quiz(app)
    login(client, "member")
    attempt_id = _start(client, quiz_id)
    second = app.test_client()
    login(second, "member")
    assert _start(second, quiz_id) == attempt_id  # the second tab joins the same attempt
    post(client, f"/attempts/{attempt_id}/submit")
    post(second, f"/attempts/{attempt_id}/submit")
    with app.app_context():
        assert len(db.session.scalars(select(Attempt)).all()) == 1


def test_practice_check_shows_feedback_for_that_question(app, client, world):
    quiz_id = _quiz(app, kind="practice")
    login(client, "member")
    attempt_id = _start(client, quiz_id)
    post(client, f"/attempts/{attempt_id}/check/1", {"present": "1", "q1": "1", "page": "1"})
    page = client.get(f"/attempts/{attempt_id}?page=1").get_data(as_text=True)
    assert "回答错误" in page and "正确答案：工作或居住地的党组织" in page and "不对" in page


def test_instructor_previews_a_draft_without_it_counting(app, client, world):
    quiz_id = _quiz(app, status="draft")
    login(client, "instructor")
    response = post(client, f"/quizzes/{quiz_id}/start", {"preview": "1"})
    attempt_id = int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))
    post(client, f"/attempts/{attempt_id}/submit")
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.preview and attempt.state == "finished"


@pytest.mark.parametrize("closed", [{"close_at": utcnow() - timedelta(hours=1)}])
def test_closed_quiz_start_is_refused_with_a_message(app, client, world, closed):
    quiz_id = _quiz(app, **closed)
    login(client, "member")
    response = post(client, f"/quizzes/{quiz_id}/start")
    assert response.headers["Location"].endswith(f"/quizzes/{quiz_id}")
    assert "不开放" in client.get(f"/quizzes/{quiz_id}").get_data(as_text=True)


def test_a_logged_out_background_save_gets_json_not_a_login_page(app, client, world):
    quiz_id = _quiz(app)
    login(client, "member")
    attempt_id = _start(client, quiz_id)
    token = csrf_token(client)
    post(client, "/logout")

    def save(csrf: str):
        return client.post(
            f"/attempts/{attempt_id}/save",
            data={"present": "1", "q1": "0", "csrf_token": csrf},
            headers={"Accept": "application/json"},
        )

    # Logout gave the browser a new session, so the page's token is refused first; the page
    # takes the fresh token from the answer and sends the answers again (attempt.js).
    refused = save(token)
    assert refused.status_code == 400 and refused.json["error"] == "csrf"
    response = save(refused.json["csrf_token"])
    # JSON the page can act on (keep the answers, ask to log in), not a login page in HTML.
    assert response.status_code == 401 and response.json["error"] == "login"
    with app.app_context():
        assert db.session.get(Attempt, attempt_id).questions[0].answer is None


def test_a_save_from_a_session_ended_elsewhere_gets_json_not_a_login_page(app, client, world):
    quiz_id = _quiz(app)
    login(client, "member")
    attempt_id = _start(client, quiz_id)
    token = csrf_token(client)
    other = app.test_client()
    login(other, "member")
    post(other, "/account/sessions/end-others")  # the member signs this phone out from another
    response = client.post(
        f"/attempts/{attempt_id}/save",
        data={"present": "1", "q1": "0", "csrf_token": token},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 401 and response.json["error"] == "login"
    with app.app_context():
        assert db.session.get(Attempt, attempt_id).questions[0].answer is None
