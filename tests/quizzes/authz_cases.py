"""Authorization matrix cases for the quiz builder and quiz ownership (collected by
tests/test_authz.py).

Three quizzes: one of the course 课程 rules, whose instructors do not include 王教员 (so only
admins may change it), a standalone one that 王教员 created, and a standalone one that another
instructor created. Instructors read every quiz; writes they may not make answer 403 (what a
refusal leaves unchanged is checked in tests/quizzes/test_builder.py). Members never reach the
instructors' pages (403).
"""

from sqlalchemy import select

from school.auth.models import User
from school.courses.models import Course
from school.db import db
from school.quizzes import attempts as svc
from tests.factories import make_user
from tests.quizzes import factories as f

READ = {"anonymous": 302, "instructor": 200, "admin": 200, "*": 403}
# A write on a quiz only admins may edit.
ADMIN_ONLY = {"anonymous": 302, "admin": 302, "*": 403}
# A write on 王教员's own quiz.
OWNER = {"anonymous": 302, "instructor": 302, "admin": 302, "*": 403}

CASES: list = [
    # The builder is open to every instructor, read-only where they may not edit.
    ("GET", "/manage/quizzes/{qz_course}/questions", READ),
    ("GET", "/manage/quizzes/{qz_own}/questions", READ),
    ("GET", "/manage/quizzes/999999/questions", {**READ, "instructor": 404, "admin": 404}),
    ("GET", "/manage/quizzes/{qz_course}/edit", READ),
    # The picker only adds: for those who may edit.
    # The course's quiz is live (a published course): its picker sends even an admin back to
    # the builder, whose 建修改稿 is the way to change it.
    ("GET", "/manage/quizzes/{qz_course}/picker", ADMIN_ONLY),
    ("GET", "/manage/quizzes/{qz_own}/picker", READ),
    ("GET", "/manage/quizzes/{qz_other}/picker", {**ADMIN_ONLY, "admin": 200}),
    ("GET", "/manage/quizzes/{qz_own}/picker?q=党员&type=single&use=unused&page=3", READ),
    # Settings: an empty form is shown again to those who may edit.
    ("POST", "/manage/quizzes/{qz_course}/edit", {**ADMIN_ONLY, "admin": 200}),
    ("POST", "/manage/quizzes/{qz_other}/edit", {**ADMIN_ONLY, "admin": 200}),
    ("POST", "/manage/quizzes/{qz_own}/edit", READ),
    # Slots of the course's quiz: 王教员 is not one of the course's instructors.
    ("POST", "/manage/quizzes/{qz_course}/slots/fixed", ADMIN_ONLY),
    ("POST", "/manage/quizzes/{qz_course}/slots/random", ADMIN_ONLY),
    ("POST", "/manage/quizzes/{qz_course}/slots/{qz_course_slot}/delete", ADMIN_ONLY),
    ("POST", "/manage/quizzes/{qz_course}/slots/{qz_course_slot}/move", ADMIN_ONLY),
    ("POST", "/manage/quizzes/{qz_course}/slots/{qz_course_slot}/mark", ADMIN_ONLY),
    ("POST", "/manage/quizzes/{qz_course}/slots/order", ADMIN_ONLY),
    # Another instructor's standalone quiz.
    ("POST", "/manage/quizzes/{qz_other}/slots/fixed", ADMIN_ONLY),
    ("POST", "/manage/quizzes/{qz_other}/slots/{qz_other_slot}/delete", ADMIN_ONLY),
    ("POST", "/manage/quizzes/{qz_other}/slots/{qz_other_slot}/move", ADMIN_ONLY),
    ("POST", "/manage/quizzes/{qz_other}/slots/{qz_other_slot}/mark", ADMIN_ONLY),
    ("POST", "/manage/quizzes/{qz_other}/slots/order", ADMIN_ONLY),
    # 王教员's own quiz.
    ("POST", "/manage/quizzes/{qz_own}/slots/fixed", OWNER),
    ("POST", "/manage/quizzes/{qz_own}/slots/random", OWNER),
    ("POST", "/manage/quizzes/{qz_own}/slots/{qz_own_slot}/move", OWNER),
    ("POST", "/manage/quizzes/{qz_own}/slots/{qz_own_slot}/mark", OWNER),
    ("POST", "/manage/quizzes/{qz_own}/slots/order", OWNER),
    ("POST", "/manage/quizzes/{qz_own}/slots/{qz_own_slot}/delete", OWNER),
    # A slot of another quiz is not found through this one.
    (
        "POST",
        "/manage/quizzes/{qz_own}/slots/{qz_other_slot}/delete",
        {**OWNER, "instructor": 404, "admin": 404},
    ),
    ("POST", "/manage/quizzes/999999/slots/1/move", {**READ, "instructor": 404, "admin": 404}),
    # A draft copy of a live quiz (the course's): made by who may edit the quiz.
    ("POST", "/manage/quizzes/{qz_course}/draft-copy", ADMIN_ONLY),
    ("POST", "/manage/quizzes/{qz_own}/draft-copy", OWNER),
    ("POST", "/manage/quizzes/999999/draft-copy", {**READ, "instructor": 404, "admin": 404}),
    # Grading: every instructor sees the list; an essay is graded by who may edit its quiz.
    ("GET", "/manage/grading/?mine=1", READ),
    ("GET", "/manage/grading/{qz_course_essay}", READ),
    ("POST", "/manage/grading/{qz_course_essay}", {**ADMIN_ONLY, "admin": 200}),
]


def objects(world, tmp_path) -> dict:
    """A quiz of the course rules (no instructors of its own), one standalone quiz by 王教员 and
    one by another instructor; an essay answer waiting in the course's quiz."""
    rules = db.session.scalar(select(Course).where(Course.slug == world.course))
    course_quiz = f.make_quiz([f.single(), f.essay()], course=rules, category="课程题")
    other = make_user("teacher2", "二号教员", role="instructor")
    own = f.make_quiz([f.truefalse()], category="自编", created_by=world.instructor)
    others = f.make_quiz([f.fillin()], category="他编", created_by=other.id)
    attempt = svc.start_attempt(db.session.get(User, world.member), course_quiz)
    svc.save_answers(attempt, {2: ["在外地也参加组织生活。"]})
    svc.finish_attempt(attempt)
    return {
        "qz_course": course_quiz.id,
        "qz_course_slot": course_quiz.slots[0].id,
        "qz_course_essay": attempt.questions[1].id,
        "qz_own": own.id,
        "qz_own_slot": own.slots[0].id,
        "qz_other": others.id,
        "qz_other_slot": others.slots[0].id,
    }
