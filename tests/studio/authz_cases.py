"""Authorization matrix cases for the studio (collected by tests/test_authz.py).

The instructor teaches the draft course (``objects`` adds them to it) and not the published
``rules``: another instructor's course is refused (403), an unknown one is not found. A form
posted empty comes back (200) or is turned away with a message (302) for those allowed.
Secretaries appoint their organisations' reviewers; nobody else but admins may.
"""

from sqlalchemy import select

from school.auth.models import User
from school.courses.models import Course, Lesson
from school.db import db
from school.orgs.models import Organisation
from school.studio.models import Review, ReviewerGrant

TEACHING = {"anonymous": 302, "instructor": 200, "admin": 200, "*": 403}
# The viewer is also a reviewer of branch A (``objects``): they use the studio's lists, and
# courses outside their reach stay closed to them.
STUDIO_USERS = {"anonymous": 302, "instructor": 200, "viewer": 200, "admin": 200, "*": 403}
TEACHING_POST = {"anonymous": 302, "instructor": 302, "admin": 302, "*": 403}
ADMIN_ONLY = {"anonymous": 302, "admin": 200, "*": 403}
ADMIN_ONLY_POST = {"anonymous": 302, "admin": 302, "*": 403}
UNKNOWN = {"anonymous": 302, "instructor": 404, "admin": 404, "*": 403}
DRAFT = "/studio/courses/draft-course"
LESSON = DRAFT + "/lessons/{studio_lesson}"
MODULE = DRAFT + "/modules/{studio_module}"

CASES: list = [
    ("GET", "/studio/", STUDIO_USERS),
    ("GET", "/studio/courses/new", TEACHING),
    ("POST", "/studio/courses/new", TEACHING),
    ("GET", DRAFT, TEACHING),
    ("GET", DRAFT + "/edit", TEACHING),
    ("POST", DRAFT + "/edit", TEACHING),
    ("GET", DRAFT + "/versions/0", TEACHING),
    ("GET", DRAFT + "/versions/{studio_lesson}", TEACHING),
    ("POST", DRAFT + "/versions/{studio_lesson}/1/restore", UNKNOWN),
    ("GET", "/studio/courses/rules", ADMIN_ONLY),
    ("GET", "/studio/courses/rules/edit", ADMIN_ONLY),
    ("GET", "/studio/courses/rules/versions/0", ADMIN_ONLY),
    ("GET", "/studio/courses/rules/lessons/{rules_lesson}/edit", ADMIN_ONLY),
    ("POST", "/studio/courses/rules/lessons/{rules_lesson}/edit", ADMIN_ONLY),
    ("GET", "/studio/courses/no-such-course", {**UNKNOWN, "viewer": 404}),
    # A lesson of another course under this one's address is not found.
    ("GET", DRAFT + "/lessons/{rules_lesson}/edit", UNKNOWN),
    ("GET", DRAFT + "/lessons/new", TEACHING),
    ("POST", DRAFT + "/lessons/new", TEACHING),
    ("GET", LESSON + "/edit", TEACHING),
    ("POST", LESSON + "/edit", TEACHING),
    ("POST", LESSON + "/move", TEACHING_POST),
    ("POST", LESSON + "/offline", TEACHING_POST),
    ("POST", DRAFT + "/modules", TEACHING_POST),
    ("POST", MODULE + "/rename", TEACHING_POST),
    ("POST", MODULE + "/move", TEACHING_POST),
    ("POST", MODULE + "/delete", TEACHING_POST),
    ("POST", "/studio/courses/rules/modules", ADMIN_ONLY_POST),
    ("POST", DRAFT + "/instructors", TEACHING_POST),
    ("POST", DRAFT + "/instructors/{instructor_id}/remove", TEACHING_POST),
    ("POST", "/studio/courses/rules/instructors/{instructor_id}/remove", ADMIN_ONLY_POST),
    ("POST", DRAFT + "/submit", TEACHING_POST),
    ("POST", "/studio/courses/rules/submit", ADMIN_ONLY_POST),
    ("POST", DRAFT + "/archive", TEACHING_POST),
    ("POST", "/studio/preview", STUDIO_USERS),
    ("GET", "/studio/reviews/", STUDIO_USERS),
    # A school-wide course: the branch's reviewer is told it does not exist.
    ("GET", "/studio/reviews/{studio_review}", {**TEACHING, "viewer": 404}),
    ("GET", "/studio/reviews/999999", {**UNKNOWN, "viewer": 404}),
    # Only reviewers decide: the instructor sent it and reviews nothing.
    ("POST", "/studio/reviews/{studio_review}/decide", {**ADMIN_ONLY_POST, "viewer": 404}),
    ("POST", "/studio/reviews/{studio_review}/withdraw", {**TEACHING_POST, "viewer": 404}),
    (
        "GET",
        "/studio/reviewers",
        {"anonymous": 302, "secretary": 200, "committee": 200, "admin": 200, "*": 403},
    ),
    (
        "POST",
        "/studio/reviewers",
        {"anonymous": 302, "secretary": 200, "committee": 200, "admin": 200, "*": 403},
    ),
    # A reviewer of branch A: its secretary and admins may take it back; to others it is unknown.
    (
        "POST",
        "/studio/reviewers/{studio_grant}/revoke",
        {"anonymous": 302, "secretary": 302, "admin": 302, "*": 404},
    ),
]


def objects(world, tmp_path) -> dict[str, int]:
    """The instructor on the draft course, its lesson and unit, a request waiting, a reviewer."""
    instructor = db.session.get(User, world.instructor)
    draft = db.session.scalar(select(Course).where(Course.slug == "draft-course"))
    draft.instructors.append(instructor)
    rules_lesson = db.session.scalar(
        select(Lesson).join(Course).where(Course.slug == "rules", Lesson.slug == "one")
    )
    waiting = Review(course_id=draft.id, revision_ids=[], submitted_by_id=instructor.id)
    branch_a = db.session.scalar(select(Organisation).where(Organisation.name == "一支部"))
    grant = ReviewerGrant(user_id=world.viewer, org_id=branch_a.id, granted_by_id=world.admin)
    db.session.add_all([waiting, grant])
    db.session.flush()
    return {
        "studio_lesson": next(lesson.id for lesson in draft.lessons if lesson.slug == "one"),
        "studio_module": draft.modules[0].id,
        "rules_lesson": rules_lesson.id,
        "instructor_id": instructor.id,
        "studio_review": waiting.id,
        "studio_grant": grant.id,
    }
