"""A full reindex: the same documents and index whether words are cut here or in workers."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Text, cast, select, text, update
from whoosh import index as whoosh_index

from school.courses.models import Course, Lesson
from school.db import db
from school.search import parallel, service
from school.search.documents import Document, cut
from school.search.models import SearchDocument
from tests.search.conftest import ask, find


@pytest.fixture
def pools(monkeypatch) -> list[int]:
    """The size of every worker pool started (the workers themselves run elsewhere)."""
    started: list[int] = []
    original = parallel.pool

    def pool(workers, initializer=None):
        started.append(workers)
        return original(workers, initializer)

    monkeypatch.setattr(parallel, "pool", pool)
    return started


def _rows(app) -> list[tuple]:
    table = SearchDocument.__table__
    columns = [c for c in table.c if c.name not in ("tsv", "updated_at")]
    with app.app_context():
        if db.session.get_bind().dialect.name == "postgresql":
            columns.append(cast(table.c.tsv, Text))
        query = select(*columns).order_by(table.c.kind, table.c.object_id)
        return [tuple(row) for row in db.session.execute(query)]


def _index(app) -> tuple[list[str], list[tuple], int]:
    """The documents in index order, every posting with its positions, and the segments."""
    path = (Path(app.config["SEARCH_INDEX_DIR"]) / "current").resolve()
    ix = whoosh_index.open_dir(str(path))
    with ix.searcher() as searcher:
        reader = searcher.reader()
        ids = [fields["id"] for _, fields in reader.iter_docs()]
        postings = []
        for field, word in reader.all_terms():
            if field in ("title", "body"):
                matcher = reader.postings(field, word)
                while matcher.is_active():
                    positions = tuple(matcher.value_as("positions"))
                    postings.append((field, word, ids[matcher.id()], positions))
                    matcher.next()
        return ids, postings, len(searcher.leaf_searchers())


def _reindex(app, **kwargs) -> int:
    with app.app_context():
        return service.reindex(**kwargs)


def test_a_small_reindex_starts_no_workers(app, world, search_backend, pools):
    assert _reindex(app) == _reindex(app, workers=1)
    assert pools == []


def test_workers_write_the_same_documents_and_index_as_this_process(
    app, world, search_backend, pools
):
    with app.app_context():
        for i in range(6):
            ask(
                "member",
                "qa",
                f"第{i}个流动党员问题",
                "外出务工怎样过组织生活？" * (i + 1),
                public=True,
            )
        db.session.commit()
    count = _reindex(app, workers=1)
    rows = _rows(app)
    index = _index(app) if search_backend == "whoosh" else None
    hits = [(h.url, h.score) for h in find(app, "member", "组织生活").hits]
    assert pools == [] and len(rows) == count > 6 and hits

    assert _reindex(app, workers=2, parts=2, recut=True) == count
    # Words cut in two workers; on Whoosh, the index built as two segments by two more.
    assert pools == ([2, 2] if search_backend == "whoosh" else [2])
    assert _rows(app) == rows
    if index is not None:
        ids, postings, segments = _index(app)
        assert (ids, postings) == index[:2] and (index[2], segments) == (1, 2)
    assert [(h.url, h.score) for h in find(app, "member", "组织生活").hits] == hits


def test_segmenter_cuts_like_the_documents_do(pools):
    docs = [
        Document("qa", i, f"标题{i} GIFT", "流动党员管理工作，Excel 表格。" * i, "/x", "public")
        for i in range(1, 5)
    ]
    with parallel.Segmenter(workers=2) as segmenter:
        batches = [segmenter.submit(docs), segmenter.submit([]), segmenter.submit(docs[:1])]
        words = [batch.result() for batch in batches]
    assert pools == [2]
    expected = [cut(doc.title, doc.body) for doc in docs]
    assert words == [expected, [], expected[:1]]


def test_documents_rows_hold_the_words_they_had_before(app, world, search_backend):
    """A reindex cuts words the way the hooks do when an item changes."""
    with app.app_context():
        before = {
            (d.kind, d.object_id): d.words for d in db.session.scalars(select(SearchDocument))
        }
    _reindex(app, recut=True)
    with app.app_context():
        after = {(d.kind, d.object_id): d.words for d in db.session.scalars(select(SearchDocument))}
    assert after == before


def test_a_reindex_cuts_only_what_changed_and_drops_what_is_gone(
    app, world, search_backend, monkeypatch
):
    """Words already cut with the code's dictionary are kept for unchanged text: the result is
    the same as cutting everything again."""
    _reindex(app)
    cut: list[str] = []
    original = parallel.cut_all

    def counted(texts):
        cut.extend(title for title, _ in texts)
        return original(texts)

    monkeypatch.setattr(parallel, "cut_all", counted)

    def behind_the_hooks(statement) -> None:
        """A change the hooks do not see, as a restore or a bulk import makes."""
        with app.app_context():
            db.session.execute(statement)
            db.session.commit()

    with app.app_context():
        lesson = db.session.scalar(
            select(Lesson).join(Course).where(Course.slug == "rules").order_by(Lesson.id)
        )
        title, url = lesson.title, f"/courses/rules/{lesson.slug}"
    behind_the_hooks(update(Lesson).where(Lesson.title == title).values(body_md="参加三会一课。"))
    assert find(app, "member", "三会一课").hits == []
    _reindex(app)
    assert cut == [title]
    assert [h.url for h in find(app, "member", "三会一课").hits] == [url]

    cut.clear()
    behind_the_hooks(update(Course).where(Course.slug == "rules").values(status="draft"))
    _reindex(app)
    assert cut == []
    assert find(app, "member", "三会一课").hits == []
    rows = _rows(app)
    assert not [row for row in rows if url in row or row[0] == "course"]

    _reindex(app, recut=True)
    assert _rows(app) == rows and len(cut) == len(rows)


def test_a_reindex_on_its_own_database_leaves_no_old_rows_behind(committed_app, search_backend):
    """Outside a test transaction PostgreSQL vacuums the table after a reindex, so searches do
    not wade through the rows it replaced."""
    app = committed_app
    app.config["SEARCH_BACKEND"] = search_backend
    from tests.factories import build_world

    with app.app_context():
        build_world()
    result = app.test_cli_runner().invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert find(app, "member", "正文").total == 3
    with app.app_context():
        if db.session.get_bind().dialect.name == "postgresql":
            vacuumed = db.session.scalar(
                text(
                    "SELECT last_vacuum IS NOT NULL FROM pg_stat_user_tables "
                    "WHERE relname = 'search_documents'"
                )
            )
            assert vacuumed


def test_the_command_builds_the_index_in_parts_only_when_asked(app, world, search_backend):
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["search", "reindex", "--parts", "0"])
    assert refused.exit_code != 0 and "--parts" in refused.output

    for parts in (1, 2):
        result = runner.invoke(args=["search", "reindex", "--parts", str(parts)])
        assert result.exit_code == 0, result.output
        assert find(app, "member", "正文").total == 3
        if search_backend == "whoosh":
            assert _index(app)[2] == parts
