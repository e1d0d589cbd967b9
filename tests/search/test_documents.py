"""Search documents follow the database: after a commit, never after a rollback."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from school.courses.models import Course, Lesson
from school.db import db
from school.forum import services as forum
from school.notices.models import Notice
from school.orgs.models import Organisation
from school.search.documents import plain_text
from school.search.models import SearchDocument, SearchOutbox
from tests.search.conftest import ask, find, user


def _lesson(slug: str = "rules", lesson: str = "one") -> Lesson:
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    return next(x for x in course.lessons if x.slug == lesson)


def test_markdown_becomes_plain_text_with_links_and_images_as_words():
    text = plain_text(
        "# 标题\n\n见[学习强国](https://example.org)。\n\n![党徽图片](/a.png)\n\n- 一\n- 二"
    )
    assert text == "标题 见学习强国。 党徽图片 一 二"
    assert "example.org" not in text and "<" not in text


def test_an_edit_is_found_after_commit_and_the_old_words_are_gone(app, world, search_backend):
    assert find(app, "member", "正文").total >= 1
    with app.app_context():
        _lesson().body_md = "流动党员的**组织生活**与学习。"
        db.session.commit()
    results = find(app, "member", "组织生活")
    assert [h.url for h in results.hits] == ["/courses/rules/one"]
    assert results.counts == {"lesson": 1}
    assert find(app, "member", "正文 one").total == 0


def test_draft_courses_appear_when_published_and_retired_lessons_disappear(
    app, world, search_backend
):
    with app.app_context():
        _lesson("draft-course").body_md = "草稿中的新课内容"
        db.session.commit()
    assert find(app, "member", "新课内容").total == 0
    assert find(app, "admin", "新课内容").total == 0  # not indexed at all, even for admins
    with app.app_context():
        db.session.scalar(select(Course).where(Course.slug == "draft-course")).status = "published"
        db.session.commit()
    assert [h.url for h in find(app, "member", "新课内容").hits] == ["/courses/draft-course/one"]
    with app.app_context():
        _lesson("draft-course").retired = True
        db.session.commit()
    assert find(app, "member", "新课内容").total == 0


def test_a_rolled_back_change_leaves_no_document_and_no_hit(app, world, search_backend):
    with app.app_context():
        _lesson().body_md = "回滚之前的幻影词语"
        db.session.flush()
        db.session.rollback()
    assert find(app, "member", "幻影词语").total == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SearchOutbox)) == 0
        bodies = db.session.scalars(select(SearchDocument.body)).all()
        assert not any("幻影" in b for b in bodies)


def test_hiding_a_thread_removes_it_and_unhiding_brings_it_back(app, world, search_backend):
    with app.app_context():
        thread = ask("member", "qa", "异地转接组织关系", "外出务工怎样转接？", public=True)
        db.session.commit()
        thread_id = thread.id
    assert [h.url for h in find(app, "other", "转接").hits] == [f"/forum/threads/{thread_id}"]
    with app.app_context():
        forum.moderate(user("secretary"), db.session.get(forum.Thread, thread_id), "hide")
        db.session.commit()
    assert find(app, "other", "转接").total == 0
    assert find(app, "secretary", "转接").total == 0  # hidden: not indexed at all
    with app.app_context():
        forum.moderate(user("secretary"), db.session.get(forum.Thread, thread_id), "unhide")
        forum.promote_faq(user("secretary"), db.session.get(forum.Thread, thread_id))
        db.session.commit()
    results = find(app, "other", "转接")
    assert results.counts == {"faq": 1} and results.hits[0].kind == "faq"


def test_replies_are_searchable_on_public_questions(app, world, search_backend):
    with app.app_context():
        thread = ask("member", "qa", "学时怎么算", "请问", public=True)
        db.session.flush()
        forum.reply(user("secretary"), thread, "半天讲座折合四个学时")
        db.session.commit()
    assert find(app, "other", "讲座").counts == {"qa": 1}


def test_a_notice_is_searchable_once_published(app, world, search_backend):
    with app.app_context():
        org = db.session.scalar(select(Organisation).where(Organisation.name == "一支部"))
        notice = Notice(title="主题党日安排", body_md="本月主题党日改到周六", org_id=org.id)
        notice.author_id = world.secretary
        db.session.add(notice)
        db.session.commit()
        notice_id = notice.id
    assert find(app, "member", "主题党日").total == 0
    with app.app_context():
        db.session.get(Notice, notice_id).status = "published"
        db.session.commit()
    assert [h.url for h in find(app, "member", "主题党日").hits] == [f"/notices/{notice_id}"]


def test_the_outbox_is_drained_into_the_index_after_commit(app, world, tmp_path):
    app.config["SEARCH_BACKEND"] = "whoosh"
    with app.app_context():
        _lesson().body_md = "排空队列"
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(SearchOutbox)) == 0
    assert find(app, "member", "排空队列").total == 1
    assert (tmp_path / "search-index" / "current").is_symlink()


def test_a_hit_is_dated_by_its_content_not_by_the_last_reindex(app, world, search_backend):
    asked = datetime(2025, 3, 8, 2, 0, tzinfo=UTC)
    with app.app_context():
        thread = ask("member", "qa", "去年的老问题", "流出地怎么开证明", public=True)
        thread.last_activity_at = asked
        db.session.commit()
    assert find(app, "other", "老问题").hits[0].updated_at.date() == asked.date()

    result = app.test_cli_runner().invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert find(app, "other", "老问题").hits[0].updated_at.date() == asked.date()
