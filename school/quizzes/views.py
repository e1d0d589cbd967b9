"""Taking quizzes: start, answer (saved as you go), summary, submit, result."""

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select

from school.clock import to_local
from school.db import db, utcnow
from school.quizzes import attempts as svc
from school.quizzes.models import Attempt, Quiz
from school.quizzes.permissions import can_preview, can_see_attempt, can_view_quiz
from school.quizzes.types import QUESTION_TYPES

bp = Blueprint("quizzes", __name__, template_folder="templates")


def _load_quiz(quiz_id: int) -> Quiz:
    quiz = db.session.get(Quiz, quiz_id)
    if quiz is None or not can_view_quiz(current_user, quiz):
        abort(404)
    return quiz


def _load_attempt(attempt_id: int, *, pages: bool = False) -> Attempt:
    # The question and summary pages show every question: load them together, not one by one.
    attempt = svc.load_for_pages(attempt_id) if pages else db.session.get(Attempt, attempt_id)
    if attempt is None or not can_see_attempt(current_user, attempt):
        abort(404)
    return attempt


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.get("/quizzes/")
@login_required
def index():
    query = select(Quiz).where(Quiz.course_id.is_(None)).order_by(Quiz.id.desc())
    if not current_user.is_instructor:
        query = query.where(Quiz.status == "published")
    return render_template("quizzes/index.html", quizzes=db.session.scalars(query).all())


@bp.get("/quizzes/<int:quiz_id>")
@login_required
def quiz(quiz_id: int):
    quiz = _load_quiz(quiz_id)
    mine = svc.attempts_of(current_user, quiz)
    for attempt in mine:
        if svc.finish_if_overdue(attempt):
            db.session.commit()
    used = svc.used_attempts(current_user, quiz)
    return render_template(
        "quizzes/quiz.html",
        quiz=quiz,
        attempts=mine,
        open_attempt=next((a for a in mine if a.is_open), None),
        left=None if not quiz.attempts_allowed else max(0, quiz.attempts_allowed - used),
        is_open=quiz.is_open(utcnow()),
        can_preview=can_preview(current_user, quiz),
    )


@bp.post("/quizzes/<int:quiz_id>/start")
@login_required
def start(quiz_id: int):
    quiz = _load_quiz(quiz_id)
    preview = request.form.get("preview") == "1" and can_preview(current_user, quiz)
    try:
        attempt = svc.start_attempt(current_user, quiz, preview=preview)
    except svc.QuizUnavailable:
        flash("这个测验现在不开放。", "warning")
        return redirect(url_for("quizzes.quiz", quiz_id=quiz.id))
    except svc.AttemptLimitReached:
        flash("您的答题次数已用完。", "warning")
        return redirect(url_for("quizzes.quiz", quiz_id=quiz.id))
    except svc.NotEnoughQuestions as exc:
        flash(f"题库“{exc}”中的题目不够抽取，请联系教员。", "warning")
        return redirect(url_for("quizzes.quiz", quiz_id=quiz.id))
    db.session.commit()
    return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))


def _pages(attempt: Attempt) -> list[list]:
    questions = attempt.questions
    return [[aq] for aq in questions] if attempt.quiz.one_per_page else [questions]


@bp.get("/attempts/<int:attempt_id>")
@login_required
def attempt(attempt_id: int):
    attempt = _load_attempt(attempt_id, pages=True)
    if svc.finish_if_overdue(attempt):
        db.session.commit()
        flash("答题时间已到，系统已按您保存的答案交卷。", "info")
    if not attempt.is_open:
        return redirect(url_for("quizzes.result", attempt_id=attempt.id))
    pages = _pages(attempt)
    page = min(max(1, request.args.get("page", 1, type=int)), len(pages))
    now = utcnow()
    return render_template(
        "quizzes/attempt.html",
        attempt=attempt,
        quiz=attempt.quiz,
        questions=pages[page - 1],
        page=page,
        pages=len(pages),
        remaining=(
            max(0, int((attempt.deadline_at - now).total_seconds()))
            if attempt.deadline_at
            else None
        ),
        types=QUESTION_TYPES,
    )


def _submitted_values() -> dict[int, list[str]]:
    # Every question on the page is listed in "present", so a cleared answer is saved as cleared.
    positions = {int(p) for p in request.form.getlist("present") if p.isdigit()}
    return {p: request.form.getlist(f"q{p}") for p in positions}


@bp.post("/attempts/<int:attempt_id>/save")
@login_required
def save(attempt_id: int):
    attempt = svc.locked_attempt(attempt_id)
    if attempt is None or not can_see_attempt(current_user, attempt):
        abort(404)
    try:
        saved_at = svc.save_answers(attempt, _submitted_values())
    except svc.AttemptClosed:
        db.session.commit()  # the attempt may just have been finished at its deadline
        result = url_for("quizzes.result", attempt_id=attempt.id)
        if _wants_json():
            return jsonify(
                error="closed", message="答题已结束，答案不再接收。", redirect=result
            ), 409
        flash("答题已结束，之后提交的答案没有被接收。", "warning")
        return redirect(result)
    db.session.commit()
    if _wants_json():
        return jsonify(
            ok=True,
            saved_at=saved_at.isoformat(),
            saved_at_local=to_local(saved_at).strftime("%H:%M:%S"),
        )
    page = request.form.get("page", 1, type=int)
    go = request.form.get("go", "stay")
    if go == "summary":
        return redirect(url_for("quizzes.summary", attempt_id=attempt.id))
    target = {"next": page + 1, "prev": page - 1}.get(go, page)
    return redirect(url_for("quizzes.attempt", attempt_id=attempt.id, page=target))


@bp.post("/attempts/<int:attempt_id>/check/<int:position>")
@login_required
def check(attempt_id: int, position: int):
    attempt = _load_attempt(attempt_id)
    if not attempt.quiz.is_practice or position not in {aq.position for aq in attempt.questions}:
        abort(404)
    try:
        svc.save_answers(attempt, _submitted_values())
        svc.check_answer(attempt, position)
    except svc.AttemptClosed:
        db.session.commit()
        return redirect(url_for("quizzes.result", attempt_id=attempt.id))
    db.session.commit()
    page = request.form.get("page", 1, type=int)
    return redirect(url_for("quizzes.attempt", attempt_id=attempt.id, page=page))


@bp.get("/attempts/<int:attempt_id>/summary")
@login_required
def summary(attempt_id: int):
    attempt = _load_attempt(attempt_id, pages=True)
    if svc.finish_if_overdue(attempt):
        db.session.commit()
    if not attempt.is_open:
        return redirect(url_for("quizzes.result", attempt_id=attempt.id))
    pages = _pages(attempt)
    page_of = {aq.position: i for i, group in enumerate(pages, 1) for aq in group}
    return render_template(
        "quizzes/summary.html",
        attempt=attempt,
        quiz=attempt.quiz,
        page_of=page_of,
        types=QUESTION_TYPES,
    )


@bp.post("/attempts/<int:attempt_id>/submit")
@login_required
def submit(attempt_id: int):
    attempt = _load_attempt(attempt_id)
    svc.finish_attempt(attempt)
    db.session.commit()
    return redirect(url_for("quizzes.result", attempt_id=attempt.id))


@bp.get("/attempts/<int:attempt_id>/result")
@login_required
def result(attempt_id: int):
    attempt = _load_attempt(attempt_id)
    if svc.finish_if_overdue(attempt):
        db.session.commit()
    if attempt.is_open:
        return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))
    quiz = attempt.quiz
    used = svc.used_attempts(current_user, quiz)
    return render_template(
        "quizzes/result.html",
        attempt=attempt,
        quiz=quiz,
        policy=svc.review_policy(attempt),
        types=QUESTION_TYPES,
        can_retry=quiz.is_open(utcnow())
        and (not quiz.attempts_allowed or used < quiz.attempts_allowed),
        left=max(0, quiz.attempts_allowed - used) if quiz.attempts_allowed else None,
    )
