"""The studio in the browser's place: an instructor builds a course, a reviewer approves it."""

import io
import re

from sqlalchemy import func, select

from school.courses.models import Course, Lesson, Theme
from school.db import db
from school.notifications.models import Notification
from school.orgs.models import Organisation
from school.studio import revisions
from school.studio.models import ContentRevision, ReviewerGrant
from tests.conftest import csrf_token, login, post
from tests.factories import make_user
from tests.studio import samples


def _theme_id(app) -> int:
    with app.app_context():
        return db.session.scalars(select(Theme.id)).first()


def _new_course(app, client, slug="party-rules") -> Course:
    response = post(
        client,
        "/studio/courses/new",
        {"title": "党章学习", "theme": _theme_id(app), "org": 0, "slug": slug, "summary": ""},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"] == f"/studio/courses/{slug}"
    with app.app_context():
        return db.session.scalar(select(Course).where(Course.slug == slug))


def _new_lesson(app, client, course) -> int:
    with app.app_context():
        module_id = db.session.scalar(select(Course).where(Course.id == course.id)).modules[0].id
    response = post(
        client,
        f"/studio/courses/{course.slug}/lessons/new",
        {"title": "第一课", "kind": "text", "module": module_id, "hours": "1.5"},
    )
    assert response.status_code == 302
    return int(re.search(r"/lessons/(\d+)/edit", response.headers["Location"]).group(1))


def _lesson_form(app, lesson_id: int, **changes) -> dict:
    with app.app_context():
        lesson = db.session.get(Lesson, lesson_id)
        form = {
            "title": lesson.title,
            "kind": lesson.kind,
            "module": lesson.module_id,
            "hours": str(lesson.hours),
            "required": "y",
            "media": "",
            "body_md": lesson.body_md,
            "base": "1",
        }
    form.update(changes)
    return form


def test_instructor_builds_a_course_and_a_reviewer_publishes_it(app, world, client):
    login(client, "instructor")
    course = _new_course(app, client)
    lesson_id = _new_lesson(app, client, course)
    url = f"/studio/courses/party-rules/lessons/{lesson_id}/edit"
    body = "# 入党誓词\n\n<script>alert(1)</script>\n\n| 项 | 说明 |\n|---|---|\n| 一 | 二 |"
    response = post(client, url, _lesson_form(app, lesson_id, body_md=body))
    assert response.status_code == 302
    editor = client.get(url).get_data(as_text=True)
    assert "第 2 版" in editor and "&lt;script&gt;alert(1)&lt;/script&gt;" in editor
    history = client.get(f"/studio/courses/party-rules/versions/{lesson_id}").get_data(as_text=True)
    assert "第 1 版 → 第 2 版" in history and "+ # 入党誓词" in history
    assert "<script>alert" not in history
    dashboard = client.get("/studio/").get_data(as_text=True)
    assert "党章学习" in dashboard and "草稿" in dashboard

    # The preview is the published page's own pipeline: the table stays, the script does not.
    preview = post(client, "/studio/preview", {"body_md": body}).get_json()["html"]
    assert "<table>" in preview and "<script" not in preview

    # Members see nothing of a draft.
    member = app.test_client()
    login(member, "member")
    assert member.get("/courses/party-rules").status_code == 404

    assert (
        post(client, "/studio/courses/party-rules/submit", {"submit-note": "请审核"}).status_code
        == 302
    )
    with app.app_context():
        [told] = db.session.scalars(
            select(Notification).where(Notification.user_id == world.admin)
        ).all()
        review_url = told.url
    # The instructor is no reviewer: their approval is refused and the course stays in review.
    assert post(client, review_url + "/decide", {"decision": "approve"}).status_code == 403
    with app.app_context():
        assert db.session.get(Course, course.id).status == "in_review"

    admin = app.test_client()
    login(admin, "admin")
    page = admin.get(review_url).get_data(as_text=True)
    assert "入党誓词" in page and "<script>alert" not in page
    decided = post(admin, review_url + "/decide", {"decision": "approve", "comment": ""})
    assert decided.status_code == 302
    lesson_page = member.get(f"/courses/party-rules/{_slug(app, lesson_id)}")
    assert lesson_page.status_code == 200
    text = lesson_page.get_data(as_text=True)
    assert "入党誓词" in text and "<script>alert(1)" not in text


def _slug(app, lesson_id: int) -> str:
    with app.app_context():
        return db.session.get(Lesson, lesson_id).slug


def test_a_second_editor_gets_a_conflict_and_keeps_the_typed_text(app, world, client):
    login(client, "instructor")
    course = _new_course(app, client)
    lesson_id = _new_lesson(app, client, course)
    url = f"/studio/courses/party-rules/lessons/{lesson_id}/edit"
    # Both opened version 1; the first saves.
    assert post(client, url, _lesson_form(app, lesson_id, body_md="甲的修改")).status_code == 302
    with app.app_context():
        saved = db.session.scalar(select(func.count(ContentRevision.id)))
    response = post(client, url, _lesson_form(app, lesson_id, body_md="乙写了很久的内容", base="1"))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "您的修改没有保存" in page and "乙写了很久的内容" in page
    with app.app_context():
        assert db.session.scalar(select(func.count(ContentRevision.id))) == saved
        assert db.session.get(Lesson, lesson_id).body_md == "甲的修改"


def test_another_instructor_cannot_edit_the_course_and_nothing_changes(app, world, client):
    login(client, "instructor")
    course = _new_course(app, client)
    lesson_id = _new_lesson(app, client, course)
    with app.app_context():
        make_user("stranger", "外课教员", role="instructor")
        db.session.commit()
    stranger = app.test_client()
    login(stranger, "stranger")
    url = f"/studio/courses/party-rules/lessons/{lesson_id}/edit"
    assert stranger.get(url).status_code == 403
    refused = post(stranger, url, _lesson_form(app, lesson_id, body_md="篡改"))
    assert refused.status_code == 403
    assert (
        post(
            stranger, "/studio/courses/party-rules/instructors", {"instructor-username": "stranger"}
        ).status_code
        == 403
    )
    with app.app_context():
        lesson = db.session.get(Lesson, lesson_id)
        assert lesson.body_md == ""
        assert [p.username for p in lesson.course.instructors] == ["instructor"]


def test_a_secretary_appoints_a_reviewer_for_their_branch_only(app, world, client):
    login(client, "secretary")
    page = client.get("/studio/reviewers").get_data(as_text=True)
    assert "一支部" in page and "二支部" not in page
    with app.app_context():
        branch_a = db.session.scalar(select(Organisation).where(Organisation.name == "一支部"))
        branch_b = db.session.scalar(select(Organisation).where(Organisation.name == "二支部"))
    # Another branch is not among the choices: refused, nothing granted.
    refused = post(client, "/studio/reviewers", {"username": "instructor", "org": branch_b.id})
    assert refused.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count(ReviewerGrant.id))) == 0
    granted = post(client, "/studio/reviewers", {"username": "instructor", "org": branch_a.id})
    assert granted.status_code == 302
    with app.app_context():
        [grant] = db.session.scalars(select(ReviewerGrant)).all()
        assert (grant.user_id, grant.org_id) == (world.instructor, branch_a.id)


def _upload(client, slug: str, name: str, content: bytes) -> dict:
    response = client.post(
        f"/studio/courses/{slug}/files",
        data={"file": (io.BytesIO(content), name), "csrf_token": csrf_token(client)},
        headers={"Accept": "application/json"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_a_video_lesson_shows_an_uploaded_video_and_refuses_a_pdf(app, world, client):
    login(client, "instructor")
    course = _new_course(app, client)
    lesson_id = _new_lesson(app, client, course)
    video = _upload(client, "party-rules", "讲座.mp4", samples.mp4())
    document = _upload(client, "party-rules", "提纲.pdf", samples.pdf())
    url = f"/studio/courses/party-rules/lessons/{lesson_id}/edit"

    wrong = post(
        client, url, _lesson_form(app, lesson_id, kind="video", media=document["stored_name"])
    )
    assert wrong.status_code == 200
    assert "所选文件与课时类型不符" in wrong.get_data(as_text=True)
    missing = post(client, url, _lesson_form(app, lesson_id, kind="video", media=""))
    assert "视频课时请选择一个视频文件。" in missing.get_data(as_text=True)
    with app.app_context():
        lesson = db.session.get(Lesson, lesson_id)
        assert (lesson.kind, lesson.media_name) == ("text", None)

    saved = post(
        client, url, _lesson_form(app, lesson_id, kind="video", media=video["stored_name"])
    )
    assert saved.status_code == 302
    with app.app_context():
        lesson = db.session.get(Lesson, lesson_id)
        assert (lesson.kind, lesson.media_name, lesson.media_type) == (
            "video",
            video["stored_name"],
            "video/mp4",
        )
    # The course's instructor plays it through the lesson's media address, seeking included.
    with client.get(f"/media/lessons/{lesson_id}", headers={"Range": "bytes=0-15"}) as played:
        assert played.status_code == 206 and played.data == samples.mp4()[:16]


def test_the_course_page_reads_as_much_for_many_lessons_as_for_few(
    app, world, client, count_statements
):
    login(client, "instructor")
    counts = []
    for slug, lessons in (("few-lessons", 2), ("many-lessons", 6)):
        course = _new_course(app, client, slug)
        for _ in range(lessons):
            lesson_id = _new_lesson(app, client, course)
            url = f"/studio/courses/{slug}/lessons/{lesson_id}/edit"
            assert (
                post(client, url, _lesson_form(app, lesson_id, body_md="正文")).status_code == 302
            )
        response, statements = count_statements(client, f"/studio/courses/{slug}")
        assert response.status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts


def _approve(app, client, world, shows: str = "") -> None:
    """Send the course for review and have the admin approve it (the review page showing
    ``shows``)."""
    post(client, "/studio/courses/party-rules/submit", {"submit-note": ""})
    with app.app_context():
        review_url = db.session.scalars(
            select(Notification.url)
            .where(Notification.user_id == world.admin)
            .order_by(Notification.id.desc())
        ).first()
    admin = app.test_client()
    login(admin, "admin")
    assert shows in admin.get(review_url).get_data(as_text=True)
    post(admin, review_url + "/decide", {"decision": "approve", "comment": ""})


def test_giving_a_certificate_is_a_course_setting_that_goes_through_review(app, world, client):
    login(client, "instructor")
    course = _new_course(app, client)
    _new_lesson(app, client, course)
    form = {"title": "党章学习", "theme": _theme_id(app), "summary": "", "body_md": "介绍"}
    edit = "/studio/courses/party-rules/edit"
    assert post(client, edit, {**form, "base": "1"}).status_code == 302
    _approve(app, client, world)
    with app.app_context():
        published = db.session.get(Course, course.id)
        assert (published.status, published.certificate) == ("published", False)
        base = str(revisions.latest(published, None).number)

    assert post(client, edit, {**form, "certificate": "y", "base": base}).status_code == 302
    assert '<input checked id="certificate"' in client.get(edit).get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Course, course.id).certificate is False  # members: not yet
    _approve(app, client, world, shows="结业证书")
    with app.app_context():
        assert db.session.get(Course, course.id).certificate is True
    assert "学完颁发结业证书" in client.get("/studio/courses/party-rules").get_data(as_text=True)
