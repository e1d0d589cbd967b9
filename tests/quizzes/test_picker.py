"""The builder's picker: filters over the bank, questions already in the quiz, retired questions,
pages, several questions added at once; and a page that reads as much for many questions as
for few."""

import re

import pytest
from sqlalchemy import select

from school.db import db
from school.quizzes import bank, building, picker
from school.quizzes.formats.parsed import ParsedAnswer as A
from school.quizzes.formats.parsed import ParsedQuestion as Q
from school.quizzes.models import Category, Question, Quiz, Tag
from tests.conftest import csrf_token, login, post
from tests.quizzes import factories as f


def _q(text: str, tags=(), qtype: str = "truefalse") -> Q:
    if qtype == "single":
        return Q("single", text, tags=list(tags), answers=[A("对", 1), A("错", 0)])
    return Q("truefalse", text, tags=list(tags), answers=[A("true", 1), A("false", 0)])


@pytest.fixture
def school_bank(app, world):
    """A small bank in three categories, a quiz by 王教员 holding one question and another quiz
    holding a second; a retired question; a question edited so its old text no longer counts."""
    with app.app_context():
        ids = {}

        def add(name: str, category: str, question: Q) -> None:
            ids[name] = bank.add_questions([question], category=category, by=None).questions[0].id

        add("义务", "党章", _q("党员必须履行八项义务。", ["党员义务"]))
        add("权利", "党章", _q("党员享有八项权利。", ["党员权利"], "single"))
        add("转接", "党章/组织关系", _q("流动党员应及时转接组织关系。", ["组织关系"]))
        add("党费", "党章/组织关系", _q("党费按月交纳。", ["党费", "党员义务"], "single"))
        add("党史", "党史", _q("中国共产党成立于1921年。"))
        add("停用", "党章", _q("这道题已停用：组织关系。", ["组织关系"]))
        add("改过", "党章", _q("旧题干：100%通过。"))
        db.session.get(Question, ids["停用"]).retired = True
        edited = db.session.get(Question, ids["改过"])
        bank.edit_question(edited, _q("新题干：考试须知。"), None)
        quiz = Quiz(title="组织生活小测", created_by_id=world.instructor)
        other = Quiz(title="另一测验")
        db.session.add_all([quiz, other])
        db.session.flush()
        building.add_fixed(quiz, [db.session.get(Question, ids["义务"])], None)
        building.add_fixed(other, [db.session.get(Question, ids["权利"])], None)
        db.session.commit()
        ids["quiz"], ids["other"] = quiz.id, other.id
        ids |= {f"/{c.path}": c.id for c in db.session.scalars(select(Category))}
        ids |= {f"#{t.name}": t.id for t in db.session.scalars(select(Tag))}
        return ids


def _found(client, ids, **args) -> list[int]:
    page = client.get(f"/manage/quizzes/{ids['quiz']}/picker", query_string=args)
    assert page.status_code == 200
    main = page.get_data(as_text=True).split("<main", 1)[1]
    return [int(n) for n in re.findall(r'<p class="meta">#(\d+) ·', main)]


def _names(ids, *names) -> list[int]:
    return sorted((ids[name] for name in names), reverse=True)


def test_the_picker_filters_the_bank(client, school_bank):
    ids = school_bank
    login(client, "instructor")
    everything = _names(ids, "义务", "权利", "转接", "党费", "党史", "改过")
    assert _found(client, ids) == everything  # never the retired one
    assert _found(client, ids, category=ids["/党章"], q="") == _names(ids, "义务", "权利", "改过")
    assert _found(client, ids, category=ids["/党章"], sub="1", q="") == _names(
        ids, "义务", "权利", "转接", "党费", "改过"
    )
    assert _found(client, ids, tag=ids["#党员义务"]) == _names(ids, "义务", "党费")
    assert _found(client, ids, type="single") == _names(ids, "权利", "党费")
    assert _found(client, ids, q="组织关系") == _names(ids, "转接")
    assert _found(client, ids, q="八项", type="single") == _names(ids, "权利")
    # Only the current version's text counts; "%" is a character, not a wildcard.
    assert _found(client, ids, q="旧题干") == []
    assert _found(client, ids, q="考试须知") == _names(ids, "改过")
    assert _found(client, ids, q="%") == []
    assert _found(client, ids, use="used") == _names(ids, "义务", "权利")
    assert _found(client, ids, use="unused") == _names(ids, "转接", "党费", "党史", "改过")
    assert _found(client, ids, use="here") == _names(ids, "义务")
    assert _found(client, ids, use="not_here") == [i for i in everything if i != ids["义务"]]
    # Unknown values are ignored, not errors.
    assert _found(client, ids, type="nope", use="nope", category="x") == everything


def test_questions_already_in_the_quiz_are_marked_and_not_offered(client, school_bank):
    ids = school_bank
    login(client, "instructor")
    page = client.get(f"/manage/quizzes/{ids['quiz']}/picker").get_data(as_text=True)
    assert f'<span class="badge done" id="in-{ids["义务"]}">已在本测验</span>' in page
    assert f'name="question_ids" value="{ids["义务"]}"' not in page
    assert f'name="question_ids" value="{ids["权利"]}"' in page and "用于 1 个测验" in page
    # The whole question, its options and what each scores, without leaving the page.
    whole = page.split(f'name="question_ids" value="{ids["权利"]}"', 1)[1].split("</details>", 1)[0]
    assert "党员享有八项权利。" in whole and "对" in whole and "100%" in whole


def test_ticked_questions_are_added_at_once_never_twice_never_retired(app, client, school_bank):
    ids = school_bank
    login(client, "instructor")
    chosen = [ids["党史"], ids["义务"], ids["停用"], ids["转接"], ids["党史"]]
    token = csrf_token(client)
    response = client.post(
        f"/manage/quizzes/{ids['quiz']}/slots/fixed",
        data={
            "question_ids": [str(i) for i in chosen],
            "mark": "2",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/questions")
    builder = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已添加 2 题，1 题已在本测验中，未重复添加" in builder
    with app.app_context():
        quiz = db.session.get(Quiz, ids["quiz"])
        assert [(s.question_id, s.mark) for s in quiz.slots] == [
            (ids["义务"], None),
            (ids["党史"], 2),
            (ids["转接"], 2),
        ]


def test_nothing_ticked_adds_nothing(app, client, school_bank):
    ids = school_bank
    login(client, "instructor")
    response = post(client, f"/manage/quizzes/{ids['quiz']}/slots/fixed")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "请勾选要添加的题目" in page
    response = post(
        client,
        f"/manage/quizzes/{ids['quiz']}/slots/fixed",
        {"question_ids": str(ids["党史"]), "mark": "很多"},
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "分值须为 0 到 100 之间的数字" in page
    with app.app_context():
        assert len(db.session.get(Quiz, ids["quiz"]).slots) == 1


def test_the_picker_pages(app, client, world):
    with app.app_context():
        questions = bank.add_questions(
            [_q(f"第 {n} 道题") for n in range(picker.PAGE_SIZE + 3)], category="大题库", by=None
        ).questions
        quiz_id = f.make_quiz([f.essay()], created_by=world.instructor).id
        db.session.commit()
        newest = max(q.id for q in questions)
    login(client, "instructor")
    url = f"/manage/quizzes/{quiz_id}/picker"
    first = client.get(url, query_string={"q": "道题", "type": "truefalse"})
    text = first.get_data(as_text=True)
    assert "第 1/2 页" in text and f"#{newest} ·" in text
    assert "page=2" in text and "type=truefalse" in text
    second = client.get(url, query_string={"q": "道题", "type": "truefalse", "page": 2})
    assert len(re.findall(r'name="question_ids"', second.get_data(as_text=True))) == 3
    # A page past the end shows the last page.
    assert "第 2/2 页" in client.get(url, query_string={"page": 99}).get_data(as_text=True)


# The login check, the quiz, the categories and the tags for the filters, the count, the page of
# questions (with their current versions and categories), their tags, and their use in quizzes.
PICKER = 8


@pytest.mark.parametrize("questions", [3, 20], ids=["few", "many"])
def test_the_picker_page_reads_a_fixed_few_statements(
    app, client, world, count_statements, questions
):
    with app.app_context():
        added = bank.add_questions(
            [_q(f"题 {n}", [f"考点{n}", "共同"]) for n in range(questions)],
            category=f"分类/子{questions}",
            by=None,
        ).questions
        quiz = f.make_quiz([f.single()], created_by=world.instructor)
        building.add_fixed(quiz, added[:2], None)
        db.session.commit()
        quiz_id = quiz.id
    login(client, "instructor")
    response, statements = count_statements(client, f"/manage/quizzes/{quiz_id}/picker")
    assert response.status_code == 200 and "已在本测验" in response.get_data(as_text=True)
    assert len(statements) == PICKER, "\n".join(statements)
