"""Secret markers planted in restricted items never surface in a result, snippet or count."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from school.courses.models import Course
from school.db import db
from school.forum import services as forum
from school.forum.models import Thread
from school.notices.models import Notice
from school.orgs.models import Organisation
from school.quizzes.formats.parsed import ParsedAnswer, ParsedQuestion
from tests.factories import make_user
from tests.quizzes.factories import make_quiz
from tests.search.conftest import ask, find, shown, user

MARKERS = {
    "draft_lesson": "秘密标记甲",
    "private_question": "秘密标记乙",
    "help_request": "秘密标记丙",
    "internal_note": "秘密标记丁",
    "hidden_post": "秘密标记戊",
    "anonymous_name": "秘密标记己",
    "other_org_ticket": "秘密标记庚",
    "other_subtree_notice": "秘密标记辛",
    "quiz_question": "秘密标记壬",
    "answer_key": "秘密标记癸",
    "instructor_question": "秘密标记子",
    "draft_notice": "秘密标记丑",
    "withdrawn": "秘密标记寅",
}
# Words planted beside each marker, to search for as well.
NEAR = "附近词语"


def _org(name: str) -> Organisation:
    return db.session.scalar(select(Organisation).where(Organisation.name == name))


@pytest.fixture
def planted(app, world) -> dict[str, int]:
    """One restricted item per marker, and one public question that every member may read."""
    m = MARKERS
    ids: dict[str, int] = {}
    with app.app_context():
        draft = db.session.scalar(select(Course).where(Course.slug == "draft-course"))
        draft.lessons[0].body_md = f"草稿正文 {NEAR} {m['draft_lesson']}"
        ids["private_question"] = ask(
            "member", "qa", "私下提问", f"{NEAR} {m['private_question']}"
        ).id
        ids["help_request"] = ask(
            "member", "help", "求助事项", f"{NEAR} {m['help_request']}", help_category="wages"
        ).id
        public = ask("member", "qa", "公开提问学时", "怎样计算学时", public=True)
        db.session.flush()
        ids["public"] = public.id
        forum.reply(user("secretary"), public, f"{NEAR} {m['internal_note']}", note=True)
        hidden = forum.reply(user("other"), public, f"{NEAR} {m['hidden_post']}")
        db.session.flush()
        forum.hide_post(user("secretary"), hidden, True)
        make_user("anon", m["anonymous_name"], home_org=_org("一支部"))
        ids["anonymous"] = ask(
            "anon", "qa", "匿名提问", "匿名的内容", public=True, anonymous=True
        ).id
        ids["other_org_ticket"] = ask(
            "floating", "report", "驻地情况", f"{NEAR} {m['other_org_ticket']}", to_host=True
        ).id
        for key, status in (("other_subtree_notice", "published"), ("draft_notice", "draft")):
            notice = Notice(
                title="支部通知",
                body_md=f"{NEAR} {m[key]}",
                org_id=_org("二支部").id,
                status=status,
                author_id=world.admin,
            )
            db.session.add(notice)
            db.session.flush()
            ids[key] = notice.id
        make_quiz(
            [
                ParsedQuestion(
                    "single",
                    f"{NEAR} {m['quiz_question']}",
                    name=m["quiz_question"],
                    answers=[
                        ParsedAnswer(m["answer_key"], Decimal(1), m["answer_key"]),
                        ParsedAnswer("错误选项", Decimal(0)),
                    ],
                )
            ]
        )
        rules = db.session.scalar(select(Course).where(Course.slug == "rules"))
        ids["instructor_question"] = ask(
            "member", "qa", "课程疑问", f"{NEAR} {m['instructor_question']}", course=rules
        ).id
        withdrawn = ask("member", "suggestion", "撤回的建议", f"{NEAR} {m['withdrawn']}")
        db.session.flush()
        forum.withdraw(user("member"), withdrawn)
        db.session.commit()
    return ids


def _assert_hidden(app, username: str, marker: str) -> None:
    for query in (marker, marker[-3:], f"{NEAR} {marker}"):
        results = find(app, username, query)
        assert marker not in shown(results), (username, query)
        assert results.total == 0 and results.counts == {}, (username, query, results.counts)
    for query in (NEAR, "秘密标记", "秘密"):
        results = find(app, username, query)
        assert marker not in shown(results), (username, query)


@pytest.mark.parametrize("username", ["member", "other", "floating"])
def test_plain_members_never_see_restricted_items(app, planted, search_backend, username):
    visible = {
        "member": {"private_question", "help_request", "instructor_question"},
        "other": {"other_subtree_notice"},  # 二支部's notice
        "floating": {"other_subtree_notice", "other_org_ticket"},  # home 二支部; its own report
    }[username]
    for key, marker in MARKERS.items():
        if key not in visible:
            _assert_hidden(app, username, marker)
    # What is left to find for the word planted beside every marker is exactly what they may see.
    assert find(app, username, NEAR).total == len(visible)


def test_counts_for_a_member_only_count_what_they_may_see(app, planted, search_backend):
    results = find(app, "other", NEAR)
    assert results.counts == {"notice": 1}
    assert [h.url for h in results.hits] == [f"/notices/{planted['other_subtree_notice']}"]
    assert find(app, "other", NEAR, kind="ticket").total == 0
    assert find(app, "other", NEAR, kind="ticket").counts == {"notice": 1}


def test_the_public_question_is_found_without_its_note_or_hidden_reply(
    app, planted, search_backend
):
    results = find(app, "other", "学时")
    assert [h.url for h in results.hits] == [f"/forum/threads/{planted['public']}"]
    for username in ("secretary", "admin"):  # not even handlers find the note through search
        assert find(app, username, MARKERS["internal_note"]).total == 0
        assert find(app, username, MARKERS["hidden_post"]).total == 0


def test_names_quizzes_drafts_and_withdrawn_items_are_never_indexed(app, planted, search_backend):
    for key in (
        "anonymous_name",
        "quiz_question",
        "answer_key",
        "draft_lesson",
        "draft_notice",
        "withdrawn",
    ):
        for username in ("admin", "secretary", "instructor", "anon"):
            assert find(app, username, MARKERS[key]).total == 0, (key, username)
    assert find(app, "other", "匿名提问").total == 1  # the question itself is public


def test_staff_find_the_tickets_routed_to_their_organisation(app, planted, search_backend):
    ticket = f"/forum/threads/{planted['other_org_ticket']}"
    assert [h.url for h in find(app, "committee", MARKERS["other_org_ticket"]).hits] == [ticket]
    assert find(app, "committee", MARKERS["other_org_ticket"]).counts == {"ticket": 1}
    assert find(app, "secretary", MARKERS["other_org_ticket"]).total == 0
    assert find(app, "admin", MARKERS["other_org_ticket"]).total == 1
    assert find(app, "floating", MARKERS["other_org_ticket"]).total == 1  # the author
    help_url = f"/forum/threads/{planted['help_request']}"
    for username in ("secretary", "viewer", "member"):
        assert [h.url for h in find(app, username, MARKERS["help_request"]).hits] == [help_url]
    assert find(app, "committee", MARKERS["help_request"]).total == 0


def test_instructor_questions_reach_instructors_and_the_author_only(app, planted, search_backend):
    marker = MARKERS["instructor_question"]
    for username, expected in (("instructor", 1), ("member", 1), ("secretary", 0), ("other", 0)):
        assert find(app, username, marker).total == expected, username


def test_notices_reach_their_subtree_and_the_staff_above(app, planted, search_backend):
    marker = MARKERS["other_subtree_notice"]
    for username, expected in (
        ("other", 1),
        ("floating", 1),
        ("member", 0),
        ("secretary", 0),
        ("committee", 0),
        ("admin", 1),
    ):
        assert find(app, username, marker).total == expected, username


def test_a_hidden_thread_vanishes_even_for_its_author(app, planted, search_backend):
    with app.app_context():
        thread = db.session.get(Thread, planted["help_request"])
        forum.moderate(user("secretary"), thread, "hide")
        db.session.commit()
    for username in ("member", "secretary", "admin"):
        assert find(app, username, MARKERS["help_request"]).total == 0


def test_a_course_question_reaches_that_courses_instructors_only(app, planted, search_backend):
    marker = MARKERS["instructor_question"]
    with app.app_context():
        teacher = make_user("teacher2", "二号教员", role="instructor")
        rules = db.session.scalar(select(Course).where(Course.slug == "rules"))
        rules.instructors.append(teacher)
        db.session.commit()
    # Named instructors only (forum.permissions.handles): 王教员 does not teach the course.
    for username, expected in (("teacher2", 1), ("instructor", 0), ("member", 1), ("admin", 1)):
        assert find(app, username, marker).total == expected, username
    assert find(app, "instructor", "课程疑问").total == 0
