"""Every action that earns points, done for real (or its event sent, for the features built
elsewhere): the points land once, under the right action, through the events only."""

from datetime import time
from decimal import Decimal

from sqlalchemy import select

from school import events
from school.auth.models import User
from school.classes import services as classes
from school.classes.services import ClassFields
from school.clock import local_today
from school.courses import services as courses
from school.db import db, utcnow
from school.forum import services as forum
from school.honours import services as honours
from school.notices.models import Notice
from school.orgs.services import find_org
from school.points import services
from school.points.models import PointEntry
from school.quizzes import attempts
from tests.honours.publishing import publish_for
from tests.points.factories import set_rules
from tests.quizzes import factories as f


def _user(user_id: int) -> User:
    return db.session.get(User, user_id)


def _ledger(member_id: int) -> list[tuple[str, int]]:
    rows = db.session.scalars(
        select(PointEntry).where(PointEntry.member_id == member_id).order_by(PointEntry.id)
    )
    return [(e.action, e.points) for e in rows]


def test_lessons_and_the_course_they_complete(app, world):
    with app.app_context():
        set_rules()
        member = _user(world.member)
        course = courses.get_course(world.course)
        for slug in ("one", "one", "two", "extra"):  # a lesson studied again earns nothing
            courses.complete_lesson(member, courses.get_lesson(course, slug))
        assert _ledger(world.member) == [("lesson", 1), ("lesson", 1), ("course", 5), ("lesson", 1)]
        reasons = db.session.scalars(select(PointEntry.reason).order_by(PointEntry.id)).all()
        assert reasons[0] == "课时：课时 one" and reasons[2] == "课程：课程 rules"


def _take(member: User, quiz, answer: str):
    attempt = attempts.start_attempt(member, quiz)
    attempts.save_answers(attempt, {1: [answer]})
    return attempts.finish_attempt(attempt)


def test_an_exam_passed_earns_once_and_a_failed_one_nothing(app, world):
    with app.app_context():
        set_rules()
        member = _user(world.member)
        quiz = f.make_quiz([f.single()])
        assert not _take(member, quiz, "1").passed
        assert _ledger(world.member) == []
        _take(member, quiz, "0")
        _take(member, quiz, "0")  # passing again is not a new exam
        assert _ledger(world.member) == [("exam", 3)]


def test_practice_quizzes_earn_once_a_day(app, world):
    with app.app_context():
        set_rules()
        member = _user(world.member)
        for _ in range(2):
            _take(member, f.make_quiz([f.single()], kind="practice"), "1")  # wrong counts too
        assert _ledger(world.member) == [("practice", 1)]


def test_the_days_practice_earns_once_a_day(app, world):
    with app.app_context():
        set_rules()
        member = _user(world.member)
        for _ in range(2):  # delivered twice
            events.daily_practice_completed.send(member, day=local_today(), correct=4, total=5)
        assert _ledger(world.member) == [("daily_practice", 2)]
        assert db.session.scalar(select(PointEntry.reason)) == "每日答题：答对 4/5 题"


def test_a_class_session_attended(app, world):
    with app.app_context():
        set_rules()
        secretary, member = _user(world.secretary), _user(world.member)
        training = classes.create_class(
            secretary, find_org("一支部"), ClassFields(title="讲座", kind="lecture", place="会议室")
        )
        session = classes.add_session(
            secretary,
            training,
            title="第一讲",
            day=local_today(),
            start=time(9),
            end=time(11),
            hours=Decimal(2),
        )
        classes.enrol(training, member, secretary)
        for method in ("qr", "hand"):
            classes.check_in(session, member, secretary, method)
        assert _ledger(world.member) == [("class", 3)]
        assert db.session.scalar(select(PointEntry.reason)) == "培训：讲座·第一讲"


def test_an_accepted_answer_earns_for_its_author(app, world):
    with app.app_context():
        set_rules()
        asker, secretary = _user(world.member), _user(world.secretary)
        thread = forum.create_thread(
            asker, forum.NewThread(board="qa", title="学时怎么算", body="请问", public=True)
        )
        answer = forum.reply(secretary, thread, "一天培训记 8 学时。")
        forum.accept(asker, thread, answer)
        assert _ledger(world.secretary) == [("answer", 2)]
        assert _ledger(world.member) == []


def test_a_required_notice_read_on_time_and_no_other(app, world):
    with app.app_context():
        set_rules()
        member = _user(world.member)
        notices = [
            Notice(title=f"通知{n}", body_md="内容", author_id=world.admin) for n in range(3)
        ]
        db.session.add_all(notices)
        db.session.flush()
        for notice, required, on_time in zip(
            notices, (True, True, False), (True, False, False), strict=True
        ):
            for _ in range(2):
                events.notice_read.send(
                    member, notice=notice, at=utcnow(), required=required, on_time=on_time
                )
        assert _ledger(world.member) == [("notice", 1)]


def test_a_published_honour(app, world):
    with app.app_context():
        set_rules()
        (honour,) = publish_for(_user(world.admin), _user(world.floating))
        assert _ledger(world.floating) == [("honour", 20)]
        entry = db.session.scalar(select(PointEntry))
        assert (entry.source, entry.reason) == (f"honour:{honour.id}", "表彰：优秀共产党员")


def test_a_revoked_honour_takes_its_points_back_once(app, world):
    with app.app_context():
        set_rules()
        admin, member = _user(world.admin), _user(world.floating)
        (honour,) = publish_for(admin, member)
        year = local_today().year
        assert services.year_total(member.id, year) == 20
        revocation = honours.revoke_honour(admin, honour, "经核实不符合条件")
        assert _ledger(world.floating) == [("honour", 20), ("honour", -20)]
        back = db.session.scalars(select(PointEntry).order_by(PointEntry.id.desc())).first()
        assert (back.source, back.reason) == (f"honour:{honour.id}:back", "撤销表彰：优秀共产党员")
        assert services.year_total(member.id, year) == 0
        # The same news delivered again takes nothing more; the first entry is untouched.
        events.honour_revoked.send(member, honour=honour, revocation=revocation, at=utcnow())
        assert _ledger(world.floating) == [("honour", 20), ("honour", -20)]
        assert services.year_total(member.id, year) == 0


def test_revoking_an_honour_that_earned_nothing_takes_nothing(app, world):
    with app.app_context():
        admin, member = _user(world.admin), _user(world.floating)
        (honour,) = publish_for(admin, member)  # no rules set: nothing earned
        honours.revoke_honour(admin, honour, "经核实不符合条件")
        assert _ledger(world.floating) == []
