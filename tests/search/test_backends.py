"""The same search behaviour on both backends: phrases, mixed text, marks, and a broken index."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

from sqlalchemy import delete, func, select
from whoosh import index as whoosh_index

from school.courses.models import Course, Lesson
from school.db import db
from school.notices.models import Notice
from school.search import whoosh_backend
from school.search.highlight import highlight, snippet
from school.search.models import SearchDocument, SearchOutbox
from tests.search.conftest import ask, find


def _set_lessons(app, *bodies: str, titles: tuple[str, ...] = ()) -> list[str]:
    """Give the published course's lessons these bodies (and titles); returns their urls."""
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == "rules"))
        urls = []
        for i, (lesson, body) in enumerate(zip(course.lessons, bodies, strict=False)):
            lesson.body_md = body
            if i < len(titles):
                lesson.title = titles[i]
            urls.append(f"/courses/rules/{lesson.slug}")
        db.session.commit()
    return urls


def test_a_quoted_phrase_matches_the_phrase_not_the_words_scattered(app, world, search_backend):
    phrase, scattered = _set_lessons(
        app,
        "今年要加强流动党员管理工作，做到去向清楚。",
        # 流动党员 is one word of the search dictionary: the scattered text must hold it whole.
        "管理好支部，还要关心流动党员的生活。",
    )
    assert [h.url for h in find(app, "member", '"流动党员管理"').hits] == [phrase]
    assert [h.url for h in find(app, "member", "“流动党员管理”").hits] == [phrase]
    unquoted = find(app, "member", "流动党员管理")
    assert [h.url for h in unquoted.hits] == [phrase, scattered]
    assert unquoted.hits[0].score > unquoted.hits[1].score


def test_mixed_chinese_and_english_queries(app, world, search_backend):
    gift, excel = _set_lessons(app, "题库可以用 GIFT 格式导入。", "支部常用 Excel 表格登记学时。")
    assert [h.url for h in find(app, "member", "GIFT 导入").hits] == [gift]
    assert [h.url for h in find(app, "member", "excel").hits] == [excel]
    assert "<mark>Excel</mark>" in str(find(app, "member", "EXCEL").hits[0].snippet)


def test_matches_are_marked_and_everything_else_is_escaped(app, world, search_backend):
    _set_lessons(
        app,
        "讲解 `<script>alert(1)</script>` 为什么危险，以及网络安全的要求。",
        titles=("网络安全<b>课</b>",),
    )
    hit = find(app, "member", "网络安全").hits[0]
    assert str(hit.title) == "<mark>网络安全</mark>&lt;b&gt;课&lt;/b&gt;"
    assert "&lt;script&gt;" in str(hit.snippet) and "<script>" not in str(hit.snippet)
    assert "<mark>网络安全</mark>" in str(hit.snippet)


def test_paging_and_kind_filter(app, world, search_backend):
    _set_lessons(app, "学习强国 一", "学习强国 二", "学习强国 三")
    first = find(app, "member", "学习强国", per_page=2)
    second = find(app, "member", "学习强国", per_page=2, page=2)
    assert (first.total, first.pages, len(first.hits), len(second.hits)) == (3, 2, 2, 1)
    assert {h.url for h in first.hits}.isdisjoint(h.url for h in second.hits)
    assert find(app, "member", "学习强国", kind="course").hits == []
    assert find(app, "member", "学习强国", kind="nonsense") is None
    assert find(app, "member", "").total == 0 and find(app, "member", "长" * 101).total == 0


def test_more_matches_than_candidates_give_a_capped_result(app, world, search_backend):
    app.config["SEARCH_CANDIDATES"] = 2
    _set_lessons(app, "候选 一", "候选 二", "候选 三")
    with app.app_context():
        question = ask("member", "qa", "候选的问题", "问答里的候选", public=True)
        db.session.commit()
        question_url = f"/forum/threads/{question.id}"

    everything = find(app, "member", "候选")
    assert everything.capped and everything.total == 2 == sum(everything.counts.values())
    assert (everything.pages, len(everything.hits)) == (1, 2)
    # A tab ranks candidates of its own kind, past those of the whole query.
    lessons = find(app, "member", "候选", kind="lesson")
    assert lessons.capped and lessons.total == 2 and len(lessons.hits) == 2
    assert all(h.kind == "lesson" for h in lessons.hits)
    questions = find(app, "member", "候选", kind="qa")
    assert not questions.capped and questions.total == 1
    assert [h.url for h in questions.hits] == [question_url]

    # As many candidates as matches: exact counts.
    app.config["SEARCH_CANDIDATES"] = 4
    exact = find(app, "member", "候选")
    assert not exact.capped and exact.total == 4 and exact.counts == {"lesson": 3, "qa": 1}


def test_restricted_matches_never_take_a_candidates_place(app, world, search_backend):
    """The cap counts what the viewer may see: a branch's help requests cannot crowd a
    member's search out, nor show in a count."""
    app.config["SEARCH_CANDIDATES"] = 2
    with app.app_context():
        for number in range(3):
            ask("other", "help", f"求助候选{number}", "候选 家里有困难", help_category="other")
        db.session.commit()
    _set_lessons(app, "候选 一")

    seen = find(app, "member", "候选")
    assert not seen.capped and seen.total == 1 and seen.counts == {"lesson": 1}
    assert [h.kind for h in seen.hits] == ["lesson"]


def test_the_snippet_shows_the_best_cluster_of_matches():
    text = "开头的话。" * 40 + "这里讲流动党员的组织生活。" + "结尾的话。" * 40
    cut = str(snippet(text, ["流动", "党员", "组织生活"]))
    assert cut.startswith("…") and cut.endswith("…")
    assert "<mark>流动</mark><mark>党员</mark>的<mark>组织生活</mark>" in cut
    assert len(cut.replace("<mark>", "").replace("</mark>", "")) <= 124
    assert str(highlight("A&B 党员", ["党员"])) == "A&amp;B <mark>党员</mark>"


def _index_dir(app) -> Path:
    return Path(app.config["SEARCH_INDEX_DIR"])


def test_a_missing_index_is_rebuilt_while_search_says_so(app, world):
    app.config["SEARCH_BACKEND"] = "whoosh"
    assert find(app, "member", "正文").total == 3
    shutil.rmtree(_index_dir(app))
    assert find(app, "member", "正文").rebuilding
    assert find(app, "member", "正文").total == 3


def test_a_corrupt_index_is_rebuilt_without_an_error(committed_app, tmp_path, monkeypatch):
    app = committed_app
    monkeypatch.setattr(whoosh_backend, "SYNC_REBUILD_MAX", 0)  # rebuild in the background
    app.config.update(SEARCH_INDEX_DIR=str(tmp_path / "idx"), SEARCH_BACKEND="whoosh")
    from tests.factories import build_world

    with app.app_context():
        build_world()  # the first commit finds no index and starts building one
    whoosh_backend.wait_for_rebuild(30)
    assert find(app, "member", "正文").total == 3
    live = (_index_dir(app) / "current").resolve()
    for path in live.iterdir():
        if path.is_file() and not path.name.endswith(".lock"):
            path.write_bytes(b"\x00garbage" * 50)
    whoosh_backend.forget_readers(app)  # as a worker that starts after the damage
    results = find(app, "member", "正文")
    assert results.rebuilding and results.hits == []
    whoosh_backend.wait_for_rebuild(30)
    assert find(app, "member", "正文").total == 3
    # The damaged generation is gone or no longer the live one.
    assert (_index_dir(app) / "current").resolve() != live


def test_concurrent_writers_lose_no_update(committed_app, tmp_path):
    app = committed_app
    app.config.update(SEARCH_INDEX_DIR=str(tmp_path / "idx"), SEARCH_BACKEND="whoosh")
    from tests.factories import build_world

    with app.app_context():
        world = build_world()
    errors: list[BaseException] = []
    words = [f"并发词{n:02d}" for n in range(24)]

    def write(chunk: list[str]) -> None:
        try:
            for word in chunk:
                with app.app_context():
                    db.session.add(
                        Notice(
                            title=f"通知 {word}",
                            body_md=word,
                            status="published",
                            author_id=world.admin,
                        )
                    )
                    db.session.commit()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(words[i::6],)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    # The first commit found no index and started building one; writers meanwhile left their
    # changes in the outbox for it.
    whoosh_backend.wait_for_rebuild(30)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SearchOutbox)) == 0
        documents = db.session.scalar(select(func.count()).select_from(SearchDocument))
    ix = whoosh_index.open_dir(str((_index_dir(app) / "current").resolve()))
    assert ix.doc_count() == documents
    for word in words:
        assert find(app, "member", word).total == 1, word


def test_flask_search_reindex_rebuilds_from_the_database(app, world, search_backend):
    with app.app_context():
        lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "one"))
        db.session.execute(delete(SearchDocument))  # documents lost behind the hooks' back
        db.session.commit()
        lesson_url = f"/courses/rules/{lesson.slug}"
    if search_backend == "postgres":
        assert find(app, "member", "正文").total == 0
    result = app.test_cli_runner().invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "课时：3 条" in result.output and "重建完成：共 4 条" in result.output
    assert lesson_url in [h.url for h in find(app, "member", "正文").hits]


def test_a_savepoint_inside_a_request_does_not_index_before_the_commit(committed_app, tmp_path):
    """Filing a thread releases a SAVEPOINT first; only the real commit drains the outbox."""
    app = committed_app
    app.config.update(SEARCH_INDEX_DIR=str(tmp_path / "idx"), SEARCH_BACKEND="whoosh")
    from tests.factories import build_world

    with app.app_context():
        build_world()
    whoosh_backend.wait_for_rebuild(30)
    started = time.monotonic()
    with app.app_context():
        ask("member", "qa", "保存点测试", "外出务工的组织生活", public=True)
        db.session.commit()
    assert time.monotonic() - started < 5
    assert find(app, "other", "保存点测试").total == 1


def test_a_search_failure_never_fails_the_users_change(app, world, search_backend, monkeypatch):
    from school.search import hooks

    def broken(*args, **kwargs):
        raise RuntimeError("search is broken")

    monkeypatch.setattr(hooks, "sync", broken)
    with app.app_context():
        db.session.scalar(select(Lesson).where(Lesson.slug == "one")).title = "改过的标题"
        db.session.commit()
    with app.app_context():
        titles = db.session.scalars(select(Lesson.title)).all()
    assert "改过的标题" in titles


def test_asking_for_postgres_search_on_sqlite_warns_and_uses_whoosh(tmp_path, caplog):
    from school import create_app
    from school.search import hooks
    from tests.conftest import app_config

    url = f"sqlite:///{tmp_path}/alone.db"
    app = create_app(app_config(url, tmp_path, SEARCH_BACKEND="postgres"))
    try:
        assert "SEARCH_BACKEND=postgres needs a PostgreSQL DATABASE_URL" in caplog.text
        assert hooks.backend_name(app) == "whoosh"
    finally:
        with app.app_context():
            db.engine.dispose()
