"""The search page as members use it: the header box, results, kind tabs, paging, related terms.

Runs on both databases and both search backends (PostgreSQL full-text search only on PostgreSQL).
Data is committed, as a view would, so the index follows it the way it does in production.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from school.auth.models import User
from school.courses.models import Course
from school.db import db
from school.forum import services as forum
from tests.conftest import login
from tests.factories import make_course

SECRET = "猕猴桃"  # only ever written in a private help request
LESSONS = 25


def _school(world) -> dict[str, int]:
    """A published course on 流动党员 with 25 lessons, a public question, a private help request."""
    course = make_course(
        "flow", lessons=[(f"l{number:02d}", 1, True) for number in range(1, LESSONS + 1)]
    )
    course.title = "流动党员管理须知"
    course.body_md = "流动党员外出之前，要向党组织报告去向。"
    for number, lesson in enumerate(course.lessons, 1):
        lesson.title = f"流动党员学习第{number}课"
        lesson.body_md = f"本课讲流动党员怎样参加组织生活，第 {number} 讲。"
    member = db.session.get(User, world.member)
    other = db.session.get(User, world.other_member)
    question = forum.create_thread(
        member,
        forum.NewThread("qa", "党费怎么交", "在外地务工，党费可以线上交纳吗？", public=True),
    )
    # A help request from another branch: the member must never learn a word of it.
    help_request = forum.create_thread(
        other,
        forum.NewThread(
            "help",
            f"党费 {SECRET} {SECRET}",
            f"党费 {SECRET} {SECRET} {SECRET}，家里的{SECRET}园被占了。",
            help_category="other",
        ),
    )
    db.session.commit()
    return {"course": course.id, "question": question.id, "help": help_request.id}


@pytest.fixture
def school(app, world):
    with app.app_context():
        return _school(world)


def _page(client, **params) -> str:
    response = client.get("/search/", query_string=params)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _hits(html: str) -> list[str]:
    return re.findall(r'<li class="card search-hit">(.*?)</li>', html, re.S)


def _badges(html: str) -> list[str]:
    return re.findall(r'<span class="kind-badge kind-\w+">(.*?)</span>', html)


def _tabs(html: str) -> dict[str, tuple[int, bool]]:
    """Tab label -> (count, current)."""
    nav = re.search(r'<nav class="subnav search-tabs".*?</nav>', html, re.S)
    assert nav, "no kind tabs"
    return {
        label: (int(count), bool(current))
        for current, label, count in re.findall(
            r'<a href="[^"]*" (aria-current="page")?>(\S+?)<span class="count">(\d+)</span></a>',
            nav.group(0),
        )
    }


def test_header_box_on_every_page_for_members_only(client, world):
    assert 'type="search"' not in client.get("/login").get_data(as_text=True)

    login(client, "member")
    html = client.get("/").get_data(as_text=True)

    form = re.search(r'<form class="site-search" role="search".*?</form>', html, re.S)
    assert form, "no search box in the header"
    assert 'method="get" action="/search/"' in form.group(0)
    assert 'type="search" name="q" placeholder="搜索课程、问答、通知"' in form.group(0)
    assert '<label for="site-search-q" class="visually-hidden">' in form.group(0)


def test_results_are_highlighted_with_kind_tabs_and_counts(search_backend, client, school):
    login(client, "member")

    html = _page(client, q="流动党员")

    assert _tabs(html) == {"全部": (26, True), "课程": (1, False), "课时": (25, False)}
    hits = _hits(html)
    assert len(hits) == 20
    assert all("<mark>" in hit for hit in hits)
    assert set(_badges(html)) == {"课程", "课时"}
    # The course's title weighs more than a lesson's body: it comes first.
    assert '/courses/flow"' in hits[0]
    assert 'value="流动党员"' in html  # the query stays in the box


def test_more_matches_than_a_search_ranks_says_more_than(search_backend, client, app, school):
    app.config["SEARCH_CANDIDATES"] = 10
    login(client, "member")

    html = _page(client, q="流动党员")

    nav = re.search(r'<nav class="subnav search-tabs".*?</nav>', html, re.S).group(0)
    assert '全部<span class="count">10+</span>' in nav
    assert "找到超过 10 条，下面按相关度列出其中 10 条" in html
    assert "多加一个关键词" in html
    assert len(_hits(html)) == 10 and "下一页" not in html

    # Within the candidates the count is exact and the hint is gone.
    app.config["SEARCH_CANDIDATES"] = 26
    html = _page(client, q="流动党员")
    assert _tabs(html)["全部"] == (26, True)
    assert "超过" not in html and "多加一个关键词" not in html


def test_kind_filter_keeps_all_the_tabs(search_backend, client, school):
    login(client, "member")

    html = _page(client, q="流动党员", kind="course")

    assert _tabs(html) == {"全部": (26, False), "课程": (1, True), "课时": (25, False)}
    assert _badges(html) == ["课程"]
    assert "在课程中共找到 1 条" in html


def test_results_come_twenty_a_page(search_backend, client, school):
    login(client, "member")

    first = _page(client, q="流动党员", kind="lesson")
    second = _page(client, q="流动党员", kind="lesson", page=2)

    assert len(_hits(first)) == 20 and len(_hits(second)) == LESSONS - 20
    assert "第 1/2 页" in first and "第 2/2 页" in second
    assert "page=2" in first and "kind=lesson" in first
    titles = re.findall(r"</mark>学习第(\d+)课", first + second)
    assert sorted(map(int, titles)) == list(range(1, LESSONS + 1))


def test_public_question_is_found_and_a_private_help_request_is_not(search_backend, client, school):
    login(client, "member")

    html = _page(client, q="党费")

    assert _badges(html) == ["问答"]
    assert f"/forum/threads/{school['question']}" in html
    assert f"/forum/threads/{school['help']}" not in html
    assert SECRET not in html


def test_staff_also_find_what_is_routed_to_them(search_backend, client, school):
    login(client, "admin")

    html = _page(client, q="党费")

    assert _tabs(html) == {"全部": (2, True), "问答": (1, False), "经办事项": (1, False)}
    assert f"/forum/threads/{school['help']}" in html


def test_a_member_finds_their_own_ticket_as_theirs(search_backend, client, school):
    login(client, "other")  # wrote the help request

    html = _page(client, q="党费")

    assert _tabs(html) == {"全部": (2, True), "问答": (1, False), "我的事项": (1, False)}
    assert "经办事项" not in html


def test_no_result_offers_related_terms_from_visible_documents_only(search_backend, client, school):
    login(client, "member")

    html = _page(client, q="党费 飞船")

    assert "没有找到与“党费 飞船”相关的内容" in html
    related = re.findall(r'<li><a href="/search/\?q=[^"]+">(.*?)</a></li>', html)
    assert "党费" in related  # the word that finds something alone, as a link
    assert "交纳" in related or "线上" in related  # words of the public question found with it
    assert "飞船" not in related
    assert SECRET not in html
    assert "/search/?q=%E5%85%9A%E8%B4%B9" in html


def test_the_secret_word_is_a_suggestion_to_those_who_may_see_it(search_backend, client, school):
    """The check above could pass by accident; an administrator does get the word offered."""
    login(client, "admin")

    html = _page(client, q="党费 飞船")

    assert SECRET in re.findall(r'<li><a href="/search/\?q=[^"]+">(.*?)</a></li>', html)


def test_nothing_found_anywhere_says_so_plainly(search_backend, client, school):
    login(client, "member")

    html = _page(client, q="飞船")

    assert "没有找到与“飞船”相关的内容" in html
    assert "请检查有没有错字" in html
    assert "search-tabs" not in html


def test_the_query_is_shown_as_text(search_backend, client, school):
    login(client, "member")

    html = _page(client, q='<script>alert("x")</script>')

    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(" in html
    assert 'value="&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"' in html


def test_a_highlighted_title_escapes_what_it_does_not_mark(search_backend, client, app, world):
    with app.app_context():
        course = make_course("tags")
        course.title = "流动党员<b>须知</b>"
        db.session.commit()
    login(client, "member")

    html = _page(client, q="流动党员")

    assert "&lt;b&gt;" in html and "<b>须知" not in html


def test_an_empty_query_shows_the_box_and_examples(client, world):
    login(client, "member")

    html = _page(client, q="  ")

    assert "试试这些搜索" in html
    assert 'href="/search/?q=%E6%B5%81%E5%8A%A8%E5%85%9A%E5%91%98"' in html
    assert "search-tabs" not in html


def test_a_quoted_phrase_is_explained_and_kept(search_backend, client, school):
    login(client, "member")

    html = _page(client, q="“流动党员管理”")

    assert "加引号可搜索完整词组" in html
    assert 'value="“流动党员管理”"' in html
    assert _badges(html) == ["课程"]


def test_a_query_over_a_hundred_characters_is_refused_plainly(client, world):
    login(client, "member")

    html = _page(client, q="党" * 101)

    assert "搜索内容太长了" in html
    assert "search-results" not in html


def test_unknown_kind_and_page_are_ignored(search_backend, client, school):
    login(client, "member")

    html = _page(client, q="流动党员", kind="nope", page="abc")

    assert _tabs(html)["全部"] == (26, True)


def test_a_draft_course_is_never_found(search_backend, client, app, school):
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == "draft-course"))
        course.title = "草稿里的流动党员课程"
        db.session.commit()
    login(client, "member")

    html = _page(client, q="草稿")

    assert "草稿里的" not in html


def test_a_missing_index_says_it_is_rebuilding_and_then_finds(app, client, school, tmp_path):
    """Whoosh only: the index directory is gone (a new server, a wiped disk)."""
    app.config["SEARCH_BACKEND"] = "whoosh"
    app.config["SEARCH_INDEX_DIR"] = str(tmp_path / "a-new-empty-place")
    login(client, "member")

    first = _page(client, q="流动党员")
    again = _page(client, q="流动党员")

    assert "搜索索引正在重建，请稍后再试" in first
    assert "没有找到" not in first and "search-results" not in first
    assert _tabs(again)["全部"] == (26, True)


def test_a_quoted_phrase_that_finds_nothing_offers_the_words_apart(search_backend, client, school):
    login(client, "member")

    html = _page(client, q="“党费流动”")

    assert "没有找到与“党费流动”相关的内容" in html  # not ““党费流动””
    assert 'href="/search/?q=%E5%85%9A%E8%B4%B9%E6%B5%81%E5%8A%A8">分开搜索“党费流动”</a>' in html
