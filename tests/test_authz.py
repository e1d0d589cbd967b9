"""The authorization matrix: every protected endpoint against every kind of user.

404 where the object is hidden from the user (another member's archive, a draft course),
403 where the page exists but the role may not use it, 302 to login for anonymous users.
"""

import io
import re

import pytest
from PIL import Image
from sqlalchemy import select

from school import create_app
from school.auth.models import User
from school.courses.models import Course, Lesson
from school.db import db
from school.forum import services as forum
from school.forum.models import Attachment
from school.images import store_image
from school.quizzes import attempts as svc
from tests.accounts import authz_cases as accounts_cases
from tests.appraisal import authz_cases as appraisal_cases
from tests.ballots import authz_cases as ballots_cases
from tests.campaigns import authz_cases as campaigns_cases
from tests.cards import authz_cases as cards_cases
from tests.certificates import authz_cases as certificates_cases
from tests.classes import authz_cases as classes_cases
from tests.conftest import app_config, login, post
from tests.courses import authz_cases as courses_cases
from tests.credits import authz_cases as credits_cases
from tests.factories import build_world
from tests.forum import authz_cases as forum_cases
from tests.honours import authz_cases as honours_cases
from tests.members import authz_cases as members_cases
from tests.members import roster_authz_cases as roster_cases
from tests.members import transfer_authz_cases as transfer_cases
from tests.notices import authz_cases as notices_cases
from tests.orgs import authz_cases as orgs_cases
from tests.points import authz_cases as points_cases
from tests.practice import authz_cases as practice_cases
from tests.projects import authz_cases as projects_cases
from tests.quizzes import authz_cases as quizzes_cases
from tests.quizzes import factories as f
from tests.reports import authz_cases as reports_cases
from tests.reports import bulletin_authz_cases as bulletin_cases
from tests.reports import remind_authz_cases as remind_cases
from tests.search import authz_cases as search_cases
from tests.studio import authz_cases as studio_cases
from tests.studio import export_authz_cases as studio_export_cases
from tests.studio import files_authz_cases as studio_files_cases
from tests.targets import authz_cases as targets_cases

ROLES = [
    "anonymous",
    "member",
    "floating",
    "instructor",
    "secretary",
    "committee",
    "viewer",
    "admin",
]

# (method, url template, {role: status}); "*" is the status for roles not listed.
# The member's private suggestion in branch A: the author, that branch's staff and admins.
THREAD = {"anonymous": 302, "member": 200, "secretary": 200, "viewer": 200, "admin": 200, "*": 404}
THREAD_POST = {
    "anonymous": 302,
    "member": 302,
    "secretary": 302,
    "viewer": 302,
    "admin": 302,
    "*": 404,
}
TEACH = {"anonymous": 302, "instructor": 200, "admin": 200, "*": 403}
TEACH_POST = {"anonymous": 302, "instructor": 302, "admin": 302, "*": 403}
CORE = [
    ("GET", "/", {"anonymous": 302, "*": 200}),
    # The workbench: staff only (the instructor holds no staff grant).
    (
        "GET",
        "/workbench/",
        {"anonymous": 302, "member": 403, "floating": 403, "instructor": 403, "*": 200},
    ),
    ("GET", "/courses/rules", {"anonymous": 302, "*": 200}),
    ("GET", "/courses/rules/one", {"anonymous": 302, "*": 200}),
    ("GET", "/courses/no-such-course", {"anonymous": 302, "*": 404}),
    ("GET", "/courses/rules/no-such-lesson", {"anonymous": 302, "*": 404}),
    ("GET", "/courses/draft-course", {"anonymous": 302, "instructor": 200, "admin": 200, "*": 404}),
    (
        "GET",
        "/courses/draft-course/one",
        {"anonymous": 302, "instructor": 200, "admin": 200, "*": 404},
    ),
    ("POST", "/courses/rules/one/complete", {"anonymous": 302, "*": 302}),
    (
        "POST",
        "/courses/draft-course/one/complete",
        {"anonymous": 302, "instructor": 404, "admin": 404, "*": 404},
    ),
    ("GET", "/archive/", {"anonymous": 302, "*": 200}),
    ("GET", "/archive/print", {"anonymous": 302, "*": 200}),
    # The member in branch A: their branch's staff and admins may look, nobody else.
    (
        "GET",
        "/archive/members/{member}",
        {"anonymous": 302, "member": 200, "secretary": 200, "viewer": 200, "admin": 200, "*": 404},
    ),
    (
        "GET",
        "/archive/members/{member}/print",
        {"anonymous": 302, "member": 200, "secretary": 200, "viewer": 200, "admin": 200, "*": 404},
    ),
    # The floating member: home branch B, host branch under the work committee.
    (
        "GET",
        "/archive/members/{floating}",
        {"anonymous": 302, "floating": 200, "committee": 200, "admin": 200, "*": 404},
    ),
    ("GET", "/archive/members/999999", {"anonymous": 302, "*": 404}),
    (
        "GET",
        "/manage/members/",
        {
            "anonymous": 302,
            "secretary": 200,
            "committee": 200,
            "viewer": 200,
            "admin": 200,
            "*": 403,
        },
    ),
    (
        "POST",
        "/manage/members/{member}/reset-password",
        {
            "anonymous": 302,
            "secretary": 200,
            "admin": 200,
            "viewer": 403,
            "committee": 404,
            "*": 403,
        },
    ),
    (
        "POST",
        "/manage/members/{floating}/reset-password",
        {
            "anonymous": 302,
            "committee": 200,
            "admin": 200,
            "secretary": 404,
            "viewer": 404,
            "*": 403,
        },
    ),
    ("GET", "/media/lessons/{media}", {"anonymous": 302, "*": 200}),
    (
        "GET",
        "/media/lessons/{draft_media}",
        {"anonymous": 302, "instructor": 200, "admin": 200, "*": 404},
    ),
    ("GET", "/login", {"anonymous": 200, "*": 302}),
    ("GET", "/quizzes/", {"anonymous": 302, "*": 200}),
    ("GET", "/quizzes/{quiz}", {"anonymous": 302, "*": 200}),
    ("GET", "/quizzes/{draft_quiz}", {"anonymous": 302, "instructor": 200, "admin": 200, "*": 404}),
    ("POST", "/quizzes/{quiz}/start", {"anonymous": 302, "*": 302}),
    (
        "POST",
        "/quizzes/{draft_quiz}/start",
        {"anonymous": 302, "instructor": 302, "admin": 302, "*": 404},
    ),
    # The member's own attempts: everyone else is told they do not exist.
    ("GET", "/attempts/{attempt}", {"anonymous": 302, "member": 200, "*": 404}),
    ("POST", "/attempts/{attempt}/save", {"anonymous": 302, "member": 302, "*": 404}),
    ("POST", "/attempts/{attempt}/check/1", {"anonymous": 302, "member": 302, "*": 404}),
    ("GET", "/attempts/{attempt}/summary", {"anonymous": 302, "member": 200, "*": 404}),
    ("POST", "/attempts/{attempt}/submit", {"anonymous": 302, "member": 302, "*": 404}),
    ("GET", "/attempts/{finished}/result", {"anonymous": 302, "member": 200, "*": 404}),
    # Instructor tools: instructors and admins only.
    ("GET", "/manage/bank/", TEACH),
    ("GET", "/manage/bank/new", TEACH),
    ("POST", "/manage/bank/new", TEACH),
    ("GET", "/manage/bank/{question}/edit", TEACH),
    ("POST", "/manage/bank/{question}/retire", TEACH_POST),
    ("GET", "/manage/bank/import", TEACH),
    ("POST", "/manage/bank/import", TEACH),
    ("POST", "/manage/bank/import/confirm", TEACH_POST),
    ("GET", "/manage/bank/template.xlsx", TEACH),
    ("GET", "/manage/bank/export?category={category}", TEACH),
    ("GET", "/manage/quizzes/", TEACH),
    ("GET", "/manage/quizzes/new", TEACH),
    ("POST", "/manage/quizzes/new", TEACH),
    ("GET", "/manage/quizzes/{quiz}/edit", TEACH),
    ("POST", "/manage/quizzes/{quiz}/edit", TEACH),
    ("POST", "/manage/quizzes/{quiz}/slots/fixed", TEACH_POST),
    ("POST", "/manage/quizzes/{quiz}/slots/random", TEACH_POST),
    ("POST", "/manage/quizzes/{quiz}/slots/{slot}/delete", TEACH_POST),
    ("GET", "/manage/quizzes/{quiz}/stats", TEACH),
    (
        "GET",
        "/manage/quizzes/999999/stats",
        {"anonymous": 302, "instructor": 404, "admin": 404, "*": 403},
    ),
    ("GET", "/manage/grading/", TEACH),
    ("GET", "/manage/grading/{essay}", TEACH),
    ("POST", "/manage/grading/{essay}", TEACH),
    # Everyone has an inbox; another user's notification is as missing as one that never was
    # (tests/notifications checks that with a real notification).
    ("GET", "/notifications/", {"anonymous": 302, "*": 200}),
    ("GET", "/notifications/999999", {"anonymous": 302, "*": 404}),
    ("POST", "/notifications/read-all", {"anonymous": 302, "*": 302}),
    ("GET", "/account/password", {"anonymous": 302, "*": 200}),
    ("GET", "/account/sessions", {"anonymous": 302, "*": 200}),
    # Another member's session is as missing as one that never was (tests/auth checks it).
    ("POST", "/account/sessions/999999/end", {"anonymous": 302, "*": 404}),
    ("POST", "/account/sessions/end-others", {"anonymous": 302, "*": 302}),
    ("GET", "/forum/", {"anonymous": 302, "*": 200}),
    ("GET", "/forum/mine", {"anonymous": 302, "*": 200}),
    ("GET", "/forum/qa/", {"anonymous": 302, "*": 200}),
    ("GET", "/forum/nope/", {"anonymous": 302, "*": 404}),
    ("GET", "/forum/qa/new", {"anonymous": 302, "*": 200}),
    ("POST", "/forum/suggestion/new", {"anonymous": 302, "*": 200}),  # empty: shown again
    ("GET", "/forum/threads/{thread}", THREAD),
    ("POST", "/forum/threads/{thread}/reply", THREAD),  # empty: the thread again, with the form
    ("POST", "/forum/threads/{thread}/state", THREAD_POST),
    ("POST", "/forum/threads/{thread}/assign", {"anonymous": 302, "*": 404}),  # no assignee
    ("POST", "/forum/threads/{thread}/accept/{reply}", THREAD_POST),
    ("POST", "/forum/threads/{thread}/withdraw", THREAD_POST),
    ("POST", "/forum/threads/{thread}/moderate", THREAD_POST),
    ("POST", "/forum/threads/{thread}/report", THREAD_POST),
    ("POST", "/forum/posts/{reply}/publish", THREAD_POST),
    # Editing: the author (thread) or the post's author and the handlers; others never see it.
    ("GET", "/forum/threads/{thread}/edit", THREAD),
    ("POST", "/forum/threads/{thread}/edit", THREAD),  # empty form: shown again
    ("GET", "/forum/posts/{reply}/edit", {**THREAD, "member": 403}),
    ("POST", "/forum/posts/{reply}/hide", THREAD_POST),
    ("GET", "/forum/attachments/{attachment}", THREAD),
    (
        "GET",
        "/forum/queue",
        {"anonymous": 302, "member": 403, "floating": 403, "*": 200},
    ),
    ("POST", "/logout", {"anonymous": 302, "*": 302}),
    # The service worker that keeps lessons for offline reading: nothing personal in it.
    ("GET", "/service-worker.js", {"*": 200}),
]

# Each feature keeps its own cases (and the objects they point at) beside its tests.
FEATURES = [
    courses_cases,
    accounts_cases,
    orgs_cases,
    members_cases,
    roster_cases,
    transfer_cases,
    cards_cases,
    reports_cases,
    bulletin_cases,
    remind_cases,
    notices_cases,
    search_cases,
    studio_cases,
    studio_files_cases,
    forum_cases,
    studio_export_cases,
    quizzes_cases,
    credits_cases,
    campaigns_cases,
    classes_cases,
    certificates_cases,
    targets_cases,
    honours_cases,
    ballots_cases,
    practice_cases,
    appraisal_cases,
    projects_cases,
    points_cases,
]
MATRIX = CORE + [case for feature in FEATURES for case in feature.CASES]

USERNAMES = {
    "member": "member",
    "floating": "floating",
    "instructor": "instructor",
    "secretary": "secretary",
    "committee": "committee",
    "viewer": "viewer",
    "admin": "admin",
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "url", "expected"), MATRIX, ids=[f"{m} {u}" for m, u, _ in MATRIX]
)
def test_authorization_matrix(matrix, role, method, url, expected):
    app, world, objects, sessions = matrix
    client = app.test_client()
    if role != "anonymous":
        client.set_cookie(app.config["SESSION_COOKIE_NAME"], sessions[role])
    target = url.format(member=world.member, floating=world.floating, **objects)
    with client.get(target) if method == "GET" else post(client, target) as response:
        want = expected.get(role, expected["*"])
        assert response.status_code == want, (role, method, target)
        if want == 302 and role == "anonymous":
            assert response.headers["Location"].startswith("/login")


@pytest.fixture(scope="module")
def matrix_world(empty_database, tmp_path_factory):
    """One school for the whole matrix (per backend): built once, each test in a savepoint."""
    database_url, engine = empty_database
    tmp_path = tmp_path_factory.mktemp("matrix")
    app = create_app(app_config(database_url, tmp_path))
    connection = engine.connect()
    outer = connection.begin()
    db.bind_to(app, connection)
    with app.app_context():
        world = build_world()
    objects = _objects(app, world, tmp_path)
    yield app, connection, world, objects, _logged_in(app)
    outer.rollback()
    connection.close()


def _logged_in(app) -> dict[str, str]:
    """Each role's session cookie after logging in through the form, once for the matrix: every
    test starts from it with a client of its own, and its changes (a logout, a revoked session)
    are rolled back with the rest. The login itself is tested in tests/auth."""
    cookies = {}
    for role, username in USERNAMES.items():
        client = app.test_client()
        login(client, username)
        cookies[role] = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    return cookies


@pytest.fixture
def matrix(matrix_world):
    """What a test changes (a reset password, a submitted attempt) is rolled back after it."""
    app, connection, world, objects, sessions = matrix_world
    savepoint = connection.begin_nested()
    yield app, world, objects, sessions
    savepoint.rollback()


def _objects(app, world, tmp_path) -> dict[str, int | str]:
    """PDF lessons, quizzes and the member's attempts that the matrix points at."""
    (tmp_path / "media").mkdir(exist_ok=True)
    (tmp_path / "media" / "doc.pdf").write_bytes(b"%PDF-1.4 test")
    ids = {}
    with app.app_context():
        for key, course_slug in (("media", "rules"), ("draft_media", "draft-course")):
            lesson = db.session.scalar(
                select(Lesson)
                .join(Course)
                .where(Course.slug == course_slug, Lesson.slug == "extra")
            )
            lesson.kind, lesson.media_name, lesson.media_type = (
                "document",
                "doc.pdf",
                "application/pdf",
            )
            ids[key] = lesson.id
        member = db.session.get(User, world.member)
        practice = f.make_quiz([f.single()], kind="practice")
        ids["attempt"] = svc.start_attempt(member, practice).id
        quiz = f.make_quiz([f.truefalse()])
        ids["quiz"] = quiz.id
        ids["slot"] = quiz.slots[0].id
        ids["question"] = quiz.slots[0].question_id
        ids["category"] = quiz.slots[0].question.category_id
        essay = svc.start_attempt(member, f.make_quiz([f.essay()], category="简答"))
        svc.save_answers(essay, {1: ["我的体会"]})
        ids["essay"] = svc.finish_attempt(essay).questions[0].id
        ids["finished"] = svc.finish_attempt(svc.start_attempt(member, quiz)).id
        ids["draft_quiz"] = f.make_quiz([f.single()], status="draft").id
        thread = forum.create_thread(member, forum.NewThread("suggestion", "建议", "内容"))
        ids["thread"] = thread.id
        secretary = db.session.get(User, world.secretary)
        ids["reply"] = forum.reply(secretary, thread, "已收到。").id
        image = store_image(_png(), "a.png", tmp_path / "uploads" / "forum")
        attachment = Attachment(
            thread_id=thread.id,
            stored_name=image.name,
            original_name="a.png",
            mime=image.mime,
            size=image.size,
            width=1,
            height=1,
        )
        db.session.add(attachment)
        db.session.flush()
        ids["attachment"] = attachment.id
        for feature in FEATURES:
            if hasattr(feature, "objects"):
                ids.update(feature.objects(world, tmp_path))
        db.session.commit()
    return ids


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1, 1), "red").save(out, "PNG")
    return out.getvalue()


def test_every_route_is_in_the_matrix(matrix):
    """A new endpoint must be added to the matrix above before it can ship."""
    app = matrix[0]
    covered = set()
    adapter = app.url_map.bind("localhost")
    for method, url, _ in MATRIX:
        sample = re.sub(r"\{\w+\}", "1", url).split("?")[0]
        covered.add(adapter.match(sample, method=method)[0])
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - {"static"}
    assert endpoints - covered == set()


def test_refused_reset_changes_nothing(matrix):
    app, world, _, _ = matrix
    client = app.test_client()
    with app.app_context():
        before = db.session.get(User, world.member).password_hash
    login(client, "viewer")
    assert post(client, f"/manage/members/{world.member}/reset-password").status_code == 403
    login(app.test_client(), "member")  # the old password still works
    with app.app_context():
        assert db.session.get(User, world.member).password_hash == before
