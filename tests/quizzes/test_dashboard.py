"""What quizzes put on the instructor's dashboard: essays to grade (overdue after a week),
published quizzes members cannot start, drafts; only on quizzes the instructor may edit."""

from datetime import timedelta

from sqlalchemy import event, select

from school.auth.models import User
from school.clock import to_local
from school.courses.models import Course
from school.db import db, utcnow
from school.page_parts import Tally
from school.quizzes import attempts as svc
from school.quizzes import bank, building
from school.quizzes.dashboard import dashboard_part
from school.quizzes.models import Question
from tests.factories import make_user
from tests.quizzes import factories as f


def _essay(member: User, **settings) -> None:
    attempt = svc.start_attempt(member, f.make_quiz([f.essay()], **settings))
    svc.save_answers(attempt, {1: ["体会"]})
    svc.finish_attempt(attempt, attempt.started_at + timedelta(minutes=5))


def test_the_instructors_tallies(app, world):
    with app.app_context(), app.test_request_context():
        member = db.session.get(User, world.member)
        instructor = db.session.get(User, world.instructor)
        rules = db.session.scalar(select(Course).where(Course.slug == "rules"))
        now = utcnow()
        # Two essays in 王教员's quizzes, one of them waiting for ten days; one in a course
        # 王教员 does not teach.
        _essay(member, created_by=instructor.id)
        old = svc.start_attempt(member, f.make_quiz([f.essay()], created_by=instructor.id))
        svc.save_answers(old, {1: ["早交的体会"]})
        svc.finish_attempt(old, now - timedelta(days=10))
        _essay(member, course=rules)
        # A published quiz of 王教员's whose draw cannot be filled, one that can, a draft.
        short = f.make_quiz([f.single()], created_by=instructor.id)
        fine = f.make_quiz([f.single()], created_by=instructor.id)
        pool = bank.add_questions([f.truefalse(), f.fillin()], category="抽题", by=None)
        category = pool.questions[0].category
        building.add_random(short, category, 2, False, None)
        building.add_random(fine, category, 1, False, None)
        db.session.get(Question, pool.questions[0].id).retired = True
        f.make_quiz([f.single()], created_by=instructor.id, status="draft")
        f.make_quiz([f.single()], course=rules, status="draft")
        db.session.flush()

        tallies = dashboard_part(instructor, to_local(now).date())
        assert tallies["quiz_essays"] == Tally("待阅简答题", 2, "/manage/grading/?mine=1", 1)
        assert tallies["quiz_short"] == Tally(
            "题目不足、学员无法开始的测验", 1, f"/manage/quizzes/{short.id}/questions"
        )
        assert tallies["quiz_drafts"] == Tally("未发布的测验", 1, "/manage/quizzes/?mine=1")

        admin = db.session.get(User, world.admin)
        everything = dashboard_part(admin, to_local(now).date())
        assert (everything["quiz_essays"].count, everything["quiz_drafts"].count) == (3, 2)
        assert dashboard_part(member, to_local(now).date()) == {}
        # Nothing short and no drafts: only the essays' tally, even at zero.
        teacher = make_user("teacher2", "二号教员", role="instructor")
        assert dashboard_part(teacher, to_local(now).date()) == {
            "quiz_essays": Tally("待阅简答题", 0, "/manage/grading/?mine=1", 0)
        }


def test_the_tallies_read_a_fixed_few_statements(app, world, engine):
    def tallies(quizzes: int) -> int:
        statements = []

        def record(*args):
            statements.append(args[2])

        with app.app_context(), app.test_request_context():
            instructor = db.session.get(User, world.instructor)
            pool = bank.add_questions([f.truefalse(), f.fillin()], category=f"抽{quizzes}", by=None)
            for _ in range(quizzes):
                quiz = f.make_quiz([f.single()], created_by=instructor.id)
                building.add_random(quiz, pool.questions[0].category, 1, False, None)
            db.session.flush()
            event.listen(engine, "before_cursor_execute", record)
            try:
                dashboard_part(instructor, utcnow().date())
            finally:
                event.remove(engine, "before_cursor_execute", record)
        return len([s for s in statements if s.lstrip().upper().startswith("SELECT")])

    assert tallies(1) == tallies(4)
