"""Boards end to end: routing, visibility, anonymity, internal notes, workflow, bad input."""

import io
import re

import pytest
from PIL import Image
from sqlalchemy import func, select

from school.db import db
from school.forum.models import Post, Thread
from school.notifications.models import Notification
from tests.conftest import login, post

SECRET = "机密标记-7Q2"


def _new(client, board: str, **fields) -> int:
    data = {
        "title": "标题",
        "body": "内容",
        "target": "home",
        "help_category": "",
        "client_token": "",
        **fields,
    }
    response = post(client, f"/forum/{board}/new", data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/forum/threads/(\d+)", response.headers["Location"]).group(1))


def _thread(app, thread_id: int) -> Thread:
    with app.app_context():
        thread = db.session.get(Thread, thread_id)
        db.session.expunge(thread)
        return thread


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(model.id)))


def _client(app, username: str):
    client = app.test_client()
    login(client, username)
    return client


def test_a_suggestion_goes_to_the_home_branch_and_its_staff_are_told(app, client, world):
    login(client, "member")
    thread_id = _new(client, "suggestion", title="建议每月推送学习提醒", body="希望在手机上提醒。")
    thread = _thread(app, thread_id)
    assert (thread.state, thread.visibility) == ("submitted", "private")
    secretary = _client(app, "secretary")
    assert "建议每月推送学习提醒" in secretary.get("/forum/queue").get_data(as_text=True)
    with app.app_context():
        texts = db.session.scalars(
            select(Notification.text).where(Notification.user_id == world.secretary)
        ).all()
    assert any("建议每月推送学习提醒" in t for t in texts)


def test_the_floating_member_can_send_to_the_host_organisation(app, client, world):
    login(client, "floating")
    thread_id = _new(client, "report", title="驻地情况", target="host")
    committee = _client(app, "committee")
    assert committee.get(f"/forum/threads/{thread_id}").status_code == 200
    # The home branch's secretary (branch A) does not handle branch B's or the host's items.
    assert _client(app, "secretary").get(f"/forum/threads/{thread_id}").status_code == 404


def test_private_items_are_404_to_other_members_and_other_branches(app, client, world):
    login(client, "member")
    thread_id = _new(client, "help", title=f"欠薪求助 {SECRET}", help_category="wages")
    for username in ("other", "floating", "committee", "instructor"):
        response = _client(app, username).get(f"/forum/threads/{thread_id}")
        assert response.status_code == 404, username
        assert SECRET not in response.get_data(as_text=True)
    assert _client(app, "secretary").get(f"/forum/threads/{thread_id}").status_code == 200


def test_anonymous_authors_stay_anonymous_to_peers_everywhere(app, client, world):
    login(client, "member")
    thread_id = _new(
        client, "qa", title="公开的问题", body="请问怎么转组织关系？", public="y", anonymous="y"
    )
    peer = _client(app, "other")
    page = peer.get(f"/forum/threads/{thread_id}").get_data(as_text=True)
    assert "匿名党员" in page and "张党员" not in page
    assert "张党员" not in peer.get("/forum/qa/").get_data(as_text=True)
    # The handling staff see who asked.
    staff_page = _client(app, "secretary").get(f"/forum/threads/{thread_id}").get_data(as_text=True)
    assert "张党员" in staff_page
    # A staff answer's notification to the author names no one.
    post(
        _client(app, "secretary"),
        f"/forum/threads/{thread_id}/reply",
        {"body": "到新党组织报到。"},
        content_type="multipart/form-data",
    )
    with app.app_context():
        texts = db.session.scalars(select(Notification.text)).all()
    assert not any("张党员" in t for t in texts)


def test_internal_notes_never_reach_the_member(app, client, world):
    login(client, "member")
    thread_id = _new(client, "suggestion", title="关于党费")
    secretary = _client(app, "secretary")
    post(
        secretary,
        f"/forum/threads/{thread_id}/reply",
        {"body": f"内部：{SECRET}", "note": "y"},
        content_type="multipart/form-data",
    )
    assert SECRET in secretary.get(f"/forum/threads/{thread_id}").get_data(as_text=True)
    assert SECRET not in client.get(f"/forum/threads/{thread_id}").get_data(as_text=True)
    assert _thread(app, thread_id).state == "submitted"  # a note moves nothing
    with app.app_context():
        member_notes = db.session.scalars(
            select(Notification.text).where(Notification.user_id == world.member)
        ).all()
    assert not any(SECRET in t for t in member_notes) and member_notes == []
    inbox = client.get("/notifications/").get_data(as_text=True)
    assert SECRET not in inbox


def test_members_cannot_write_internal_notes_or_change_state(app, client, world):
    login(client, "member")
    thread_id = _new(client, "suggestion", title="建议")
    post(
        client,
        f"/forum/threads/{thread_id}/reply",
        {"body": "补充", "note": "y"},
        content_type="multipart/form-data",
    )
    post(client, f"/forum/threads/{thread_id}/state", {"to": "closed"})
    with app.app_context():
        assert db.session.scalar(select(func.count(Post.id)).where(Post.kind == "note")) == 0
    assert _thread(app, thread_id).state == "submitted"


def test_ticket_workflow_assign_reply_close(app, client, world):
    login(client, "member")
    thread_id = _new(client, "report", title="情况反映")
    secretary = _client(app, "secretary")
    post(secretary, f"/forum/threads/{thread_id}/assign", {"assignee": str(world.secretary)})
    assert _thread(app, thread_id).state == "accepted"
    post(secretary, f"/forum/threads/{thread_id}/state", {"to": "in_progress"})
    post(
        secretary,
        f"/forum/threads/{thread_id}/reply",
        {"body": "已联系有关部门。"},
        content_type="multipart/form-data",
    )
    thread = _thread(app, thread_id)
    assert thread.state == "replied" and thread.first_reply_at is not None
    post(secretary, f"/forum/threads/{thread_id}/state", {"to": "closed"})
    assert _thread(app, thread_id).state == "closed"
    # A viewer (read-only staff) cannot move it.
    post(_client(app, "viewer"), f"/forum/threads/{thread_id}/state", {"to": "in_progress"})
    assert _thread(app, thread_id).state == "closed"


def test_question_answered_then_accepted_by_the_asker(app, client, world):
    login(client, "member")
    thread_id = _new(client, "qa", title="学时怎么算", public="y")
    instructor_thread = _thread(app, thread_id)
    assert instructor_thread.org_id is not None  # not about a course: the member's branch
    secretary = _client(app, "secretary")
    post(
        secretary,
        f"/forum/threads/{thread_id}/reply",
        {"body": "一天培训记 8 学时。"},
        content_type="multipart/form-data",
    )
    assert _thread(app, thread_id).state == "answered"
    with app.app_context():
        answer_id = db.session.scalar(select(Post.id).where(Post.thread_id == thread_id))
    post(client, f"/forum/threads/{thread_id}/accept/{answer_id}")
    assert _thread(app, thread_id).state == "resolved"


def test_a_lesson_question_goes_to_instructors(app, client, world):
    from school.courses.models import Lesson

    with app.app_context():
        lesson_id = db.session.scalar(select(Lesson.id).where(Lesson.slug == "one"))
    login(client, "member")
    page = client.get(f"/forum/qa/new?lesson={lesson_id}").get_data(as_text=True)
    assert "课时 one" in page
    response = post(
        client,
        f"/forum/qa/new?lesson={lesson_id}",
        {
            "title": "关于这一课",
            "body": "不懂",
            "target": "home",
            "help_category": "",
            "client_token": "",
        },
        content_type="multipart/form-data",
    )
    thread_id = int(response.headers["Location"].rsplit("/", 1)[1])
    thread = _thread(app, thread_id)
    assert thread.org_id is None and thread.course_id is not None
    assert _client(app, "instructor").get(f"/forum/threads/{thread_id}").status_code == 200
    assert _client(app, "secretary").get(f"/forum/threads/{thread_id}").status_code == 404


def test_double_submitted_forms_create_one_thread_and_one_post(app, client, world):
    login(client, "member")
    fields = {"title": "重复提交", "client_token": "tok-123"}
    first = _new(client, "suggestion", **fields)
    again = _new(client, "suggestion", **fields)
    assert first == again and _count(app, Thread) == 1
    for _ in range(2):
        post(
            client,
            f"/forum/threads/{first}/reply",
            {"body": "补充", "client_token": "p-1"},
            content_type="multipart/form-data",
        )
    assert _count(app, Post) == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": "", "body": "x"}, "请填写标题"),
        ({"title": "x", "body": "   "}, "请填写内容"),
        ({"title": "长" * 121, "body": "x"}, "标题最多 120 个字"),
        ({"title": "x", "body": "长" * 20001}, "内容最多 20000 个字"),
    ],
)
def test_empty_or_oversized_posts_are_refused_and_nothing_is_saved(
    app, client, world, fields, message
):
    login(client, "member")
    data = {"target": "home", "help_category": "", "client_token": "", **fields}
    response = post(client, "/forum/suggestion/new", data, content_type="multipart/form-data")
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert _count(app, Thread) == 0


def test_script_in_titles_and_bodies_is_harmless(app, client, world):
    login(client, "member")
    thread_id = _new(
        client,
        "qa",
        title="<script>alert(1)</script>",
        public="y",
        body="<img src=x onerror=alert(1)>[点](javascript:alert(1))",
    )
    page = _client(app, "other").get(f"/forum/threads/{thread_id}").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "onerror" not in page and "javascript:" not in page
    assert "&lt;script&gt;" in page


def test_replies_to_locked_or_hidden_threads_are_refused(app, client, world):
    login(client, "member")
    thread_id = _new(client, "qa", title="会被锁定", public="y")
    secretary = _client(app, "secretary")
    post(secretary, f"/forum/threads/{thread_id}/moderate", {"action": "lock"})
    post(
        client,
        f"/forum/threads/{thread_id}/reply",
        {"body": "还想说"},
        content_type="multipart/form-data",
    )
    assert _count(app, Post) == 0
    post(secretary, f"/forum/threads/{thread_id}/moderate", {"action": "unlock"})
    post(secretary, f"/forum/threads/{thread_id}/moderate", {"action": "hide"})
    # Hidden: peers no longer see it at all, and the author cannot reply.
    assert _client(app, "other").get(f"/forum/threads/{thread_id}").status_code == 404
    post(
        client,
        f"/forum/threads/{thread_id}/reply",
        {"body": "还想说"},
        content_type="multipart/form-data",
    )
    assert _count(app, Post) == 0


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 3), "red").save(out, "PNG")
    return out.getvalue()


def test_images_are_checked_by_content(app, client, world):
    login(client, "member")
    forged = post(
        client,
        "/forum/suggestion/new",
        {
            "title": "带图",
            "body": "见图",
            "target": "home",
            "help_category": "",
            "client_token": "",
            "image": (io.BytesIO(b"<html><script>x</script>"), "a.png"),
        },
        content_type="multipart/form-data",
    )
    assert "图片" in forged.get_data(as_text=True)
    assert _count(app, Thread) == 0
    thread_id = _new(client, "suggestion", title="带图", image=(io.BytesIO(_png()), "photo.png"))
    page = client.get(f"/forum/threads/{thread_id}").get_data(as_text=True)
    src = re.search(r'src="(/forum/attachments/\d+)"', page).group(1)
    with client.get(src) as image:
        assert image.status_code == 200 and image.mimetype == "image/png"
    assert _client(app, "other").get(src).status_code == 404


def test_member_withdraws_own_item(app, client, world):
    login(client, "member")
    thread_id = _new(client, "help", title="已经解决了", help_category="other")
    post(client, f"/forum/threads/{thread_id}/withdraw")
    assert _thread(app, thread_id).state == "withdrawn"


def test_published_suggestion_replies_are_public_without_the_author(app, client, world):
    login(client, "member")
    thread_id = _new(client, "suggestion", title="建议开夜校", body=f"我的建议 {SECRET}")
    secretary = _client(app, "secretary")
    post(
        secretary,
        f"/forum/threads/{thread_id}/reply",
        {"body": "采纳，下月开班。"},
        content_type="multipart/form-data",
    )
    with app.app_context():
        reply_id = db.session.scalar(select(Post.id).where(Post.thread_id == thread_id))
    peer = _client(app, "other")
    assert peer.get(f"/forum/threads/{thread_id}").status_code == 404
    post(secretary, f"/forum/posts/{reply_id}/publish")
    page = peer.get(f"/forum/threads/{thread_id}").get_data(as_text=True)
    assert "采纳，下月开班。" in page and "张党员" not in page


def test_staff_queue_counts_and_overdue(app, client, world):
    from datetime import timedelta

    login(client, "member")
    old = _new(client, "suggestion", title="很久没人理")
    _new(client, "report", title="新的反映")
    with app.app_context():
        thread = db.session.get(Thread, old)
        # Filed a month ago: the answer deadline counts from when it reached the branch.
        thread.created_at -= timedelta(days=30)
        thread.routed_at = thread.created_at
        db.session.commit()
    page = _client(app, "secretary").get("/forum/queue?overdue=1").get_data(as_text=True)
    assert "很久没人理" in page and "新的反映" not in page and "已超期 1" in page


def test_an_expired_token_on_a_long_reply_keeps_the_text_to_resend(app, client, world):
    login(client, "member")
    thread_id = _new(client, "suggestion", title="长回复")
    text = "我想补充很多内容。" * 30
    stale = client.post(
        f"/forum/threads/{thread_id}/reply",
        data={"body": text, "client_token": "t-9", "csrf_token": "expired"},
    )
    page = stale.get_data(as_text=True)
    assert stale.status_code == 400 and text in page and "重新提交" in page
    assert _count(app, Post) == 0
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    resent = client.post(
        f"/forum/threads/{thread_id}/reply",
        data={"body": text, "client_token": "t-9", "csrf_token": token},
    )
    assert resent.status_code == 302 and _count(app, Post) == 1


def test_edits_keep_history_for_staff_and_hidden_posts_leave_the_members_view(app, client, world):
    login(client, "member")
    thread_id = _new(client, "qa", title="原标题", body="原来的内容", public="y")
    post(client, f"/forum/threads/{thread_id}/edit", {"title": "新标题", "body": "改过的内容"})
    secretary = _client(app, "secretary")
    staff_page = secretary.get(f"/forum/threads/{thread_id}").get_data(as_text=True)
    assert "改过的内容" in staff_page and "原来的内容" in staff_page  # the history
    assert "原来的内容" not in client.get(f"/forum/threads/{thread_id}").get_data(as_text=True)
    # Another member cannot edit it.
    other = _client(app, "other")
    assert other.get(f"/forum/threads/{thread_id}/edit").status_code == 403
    post(
        other,
        f"/forum/threads/{thread_id}/reply",
        {"body": f"不当言论 {SECRET}"},
        content_type="multipart/form-data",
    )
    with app.app_context():
        reply_id = db.session.scalar(select(Post.id).where(Post.thread_id == thread_id))
    post(secretary, f"/forum/posts/{reply_id}/hide", {"hidden": "1"})
    assert SECRET not in client.get(f"/forum/threads/{thread_id}").get_data(as_text=True)
    assert SECRET in secretary.get(f"/forum/threads/{thread_id}").get_data(as_text=True)


class TestPremoderation:
    @pytest.fixture
    def config_overrides(self):
        return {"FORUM_PREMODERATED": "qa"}

    def test_new_questions_wait_for_approval_before_peers_see_them(self, app, client, world):
        login(client, "member")
        thread_id = _new(client, "qa", title="待审核的问题", public="y")
        peer = _client(app, "other")
        assert peer.get(f"/forum/threads/{thread_id}").status_code == 404
        assert "待审核的问题" not in peer.get("/forum/qa/").get_data(as_text=True)
        post(
            _client(app, "secretary"), f"/forum/threads/{thread_id}/moderate", {"action": "approve"}
        )
        assert peer.get(f"/forum/threads/{thread_id}").status_code == 200


def test_abuse_reports_reach_the_handlers_once(app, client, world):
    from school.forum.models import AbuseReport

    login(client, "member")
    thread_id = _new(client, "qa", title="公开讨论", public="y")
    peer = _client(app, "other")
    for _ in range(2):
        post(peer, f"/forum/threads/{thread_id}/report", {"reason": "广告"})
    assert _count(app, AbuseReport) == 1
    with app.app_context():
        texts = db.session.scalars(
            select(Notification.text).where(Notification.user_id == world.secretary)
        ).all()
    assert any("举报" in t for t in texts)
