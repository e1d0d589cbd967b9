"""The party-work dictionary: its terms stay whole, and the index follows its version."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from school.courses.models import Course
from school.db import db
from school.search import dictionary, service, whoosh_backend
from school.search.dictionary import DictionaryError, parse
from school.search.documents import segment
from school.search.models import SearchIndexState
from school.search.parsing import parse as parse_query
from tests.search.conftest import find

WHOLE = "支部每月召开三会一课，外出党员也要参加。"
APART = "先召开三会，再讲了一课。"


@pytest.fixture
def shipped(tmp_path, monkeypatch):
    """Point the code at a dictionary file of the test's own; returns a function that writes it."""
    path = tmp_path / "dictionary.txt"
    monkeypatch.setattr(dictionary, "FILE", path)

    def write(text: str) -> dictionary.Dictionary:
        path.write_text(text, encoding="utf-8")
        dictionary.current.cache_clear()
        return dictionary.current()

    yield write
    dictionary.current.cache_clear()


def _lessons(app, *bodies: str) -> list[str]:
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == "rules"))
        for lesson, body in zip(course.lessons, bodies, strict=False):
            lesson.body_md = body
        db.session.commit()
        return [f"/courses/rules/{lesson.slug}" for lesson in course.lessons[: len(bodies)]]


def _urls(app, query: str) -> list[str]:
    return sorted(h.url for h in find(app, "member", query).hits)


def _reindex(app, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=["search", "reindex", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_every_term_of_the_shipped_dictionary_is_one_word():
    terms = [word for word, _, _ in dictionary.current().entries]
    assert 100 <= len(terms) <= 200
    for term in terms:
        # The whole word is what a query requires; search mode may add parts beside it.
        assert parse_query(term).words == [term], term
    words = segment("流出地党组织和流入地党组织定期通报，办理组织关系转接要用党员身份电子卡。")
    for term in ("流出地党组织", "流入地党组织", "组织关系转接", "党员身份电子卡"):
        assert term in words


def test_without_the_dictionary_jieba_cuts_the_terms_apart():
    """What the dictionary is for: jieba's own dictionary does not know these terms."""
    assert "三会一课" not in segment(WHOLE, dictionary.NONE)
    assert {"三会", "一课"} <= set(segment(WHOLE, dictionary.NONE))


def test_the_words_are_jiebas_own():
    """The tokenizer's quicker best path gives the words jieba's own gives, unknown names
    (found by its HMM), English and numbers included."""
    import jieba

    text = (
        "2026年春节前，驻深圳流动党员党支部书记李晓峰在东莞组织了主题党日活动，"
        "30名党员用Excel登记学时、用WPS打开PDF讲义；南京市长江大桥上，工信处女干事"
        "每月经过下属科室都要亲口交代24口交换机等技术性器件的安装工作。结婚的和尚未结婚的。"
    )
    stock = jieba.Tokenizer()
    stock.initialize()
    ours = dictionary.tokenizer(dictionary.NONE)
    for mode in ("default", "search"):
        assert list(ours.tokenize(text, mode=mode)) == list(stock.tokenize(text, mode=mode))


def test_a_term_finds_the_text_that_holds_it_not_its_parts_apart(app, world, search_backend):
    with app.app_context():
        service.reindex()
    whole, apart = _lessons(app, WHOLE, APART)
    assert _urls(app, "三会一课") == [whole]
    assert apart in _urls(app, "三会")


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("三会一课 100\n主题党日 多", "搜索词典第 2 行：“主题党日”的词频必须是正整数，不是“多”"),
        ("三会一课 0", "搜索词典第 1 行：“三会一课”的词频必须是正整数，不是“0”"),
        ("# 注释\n三会一课\n\n三会一课 5", "搜索词典第 4 行：“三会一课”已在第 2 行出现过"),
        ("三会一课 5 n 多余", "搜索词典第 1 行：最多三项（词语 词频 词性），这里有 4 项"),
    ],
)
def test_a_bad_line_is_refused_with_its_number_and_reason(text, error):
    with pytest.raises(DictionaryError) as refused:
        parse(text)
    assert str(refused.value) == error


def test_the_version_follows_the_words_not_the_comments():
    base = parse("三会一课 30000 n\n主题党日 30000 n\n")
    assert parse("# 党务词语\n三会一课 30000 n  # 组织生活\n\n主题党日 30000 n").version == (
        base.version
    )
    assert parse("三会一课 20000 n\n主题党日 30000 n").version != base.version
    assert parse("三会一课 30000 n").version != base.version
    assert parse(base.text) == base


def test_a_reindex_records_the_dictionary_and_then_is_not_stale(app, world, search_backend):
    assert "词典" in _reindex(app)
    with app.app_context():
        state = db.session.get(SearchIndexState, 1)
        assert state.dictionary_version == dictionary.current().version
        assert parse(state.dictionary) == dictionary.current()
        assert service.stale(app) == []
    assert "无需重建" in _reindex(app, "--if-stale")


def test_a_changed_dictionary_leaves_the_old_index_searchable_until_the_reindex(
    app, world, search_backend, shipped
):
    old = shipped("主题党日 30000 n\n")
    whole, apart = _lessons(app, WHOLE, APART)
    _reindex(app)
    # The old dictionary does not know 三会一课: its index finds both texts.
    assert _urls(app, "三会一课") == sorted([whole, apart])

    new = shipped("主题党日 30000 n\n三会一课 30000 n\n")
    assert new.version != old.version
    with app.app_context():
        assert service.stale(app)
        assert service.live_dictionary(app) == old
    # Queries are cut like the index, so the term is still found meanwhile ...
    assert _urls(app, "三会一课") == sorted([whole, apart])
    # ... and so is a text changed meanwhile (cut with the index's dictionary too).
    (changed,) = _lessons(app, "流动党员按时参加三会一课。")
    assert _urls(app, "三会一课") == sorted([changed, apart])

    output = _reindex(app, "--if-stale")
    assert "重建搜索索引" in output and new.version in output
    with app.app_context():
        assert service.stale(app) == []
    assert _urls(app, "三会一课") == [changed]


def test_whoosh_searches_its_old_index_with_its_own_dictionary_until_the_swap(
    app, world, monkeypatch, shipped
):
    """The documents are rewritten first and the Whoosh index after them: until the new index
    is swapped in, queries are cut like the index they are run against."""
    app.config["SEARCH_BACKEND"] = "whoosh"
    shipped("主题党日 30000 n\n")
    whole, apart = _lessons(app, WHOLE, APART)
    _reindex(app)
    shipped("主题党日 30000 n\n三会一课 30000 n\n")
    rebuild = whoosh_backend.rebuild
    monkeypatch.setattr(whoosh_backend, "rebuild", lambda *args, **kwargs: 0)
    _reindex(app)  # the documents and their recorded dictionary are new, the index is not
    with app.app_context():
        assert service.stale(app) == [
            f"Whoosh 索引按词典 {whoosh_backend.live_dictionary(app).version} 分词，"
            f"当前词典为 {dictionary.current().version}"
        ]
    assert _urls(app, "三会一课") == sorted([whole, apart])
    monkeypatch.setattr(whoosh_backend, "rebuild", rebuild)
    _reindex(app, "--if-stale")
    assert _urls(app, "三会一课") == [whole]


def test_a_worker_loads_the_dictionaries_when_it_starts(app, world, shipped, monkeypatch, caplog):
    shipped("主题党日 30000 n\n")
    _reindex(app)
    new = shipped("主题党日 30000 n\n三会一课 30000 n\n")
    with app.app_context():
        old = service.live_dictionary(app)
    loaded: dict = {}
    monkeypatch.setattr(dictionary, "_tokenizers", loaded)
    service.warm(app)
    assert loaded == {}  # tests (and command-line runs) load it when they first cut a word
    monkeypatch.setattr(app, "testing", False)
    with caplog.at_level(logging.WARNING):
        service.warm(app)
    # The code's dictionary, and the index's for the searches until the reindex.
    assert set(loaded) == {new.version, old.version}
    assert "flask search reindex --if-stale" in caplog.text
