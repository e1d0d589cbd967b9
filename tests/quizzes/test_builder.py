"""The quiz builder: slots in order with marks and a total, moving, marking and removing slots,
random draws by category and tag with the count an attempt can draw, and attempts already
taken left as they were."""

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from school.auth.models import User
from school.db import db
from school.quizzes import attempts as svc
from school.quizzes import bank, building, pools
from school.quizzes.formats.parsed import ParsedQuestion as Q
from school.quizzes.models import Attempt, Category, Question, Quiz, Tag
from tests.conftest import login, post
from tests.quizzes import factories as f


def _tagged(text: str, tags: list[str]) -> Q:
    question = f.truefalse()
    question.text, question.tags = text, tags
    return question


def _add(questions: list[Q], category: str) -> list[int]:
    return [q.id for q in bank.add_questions(questions, category=category, by=None).questions]


def _quiz_of(world, questions: list[Q], **settings) -> int:
    """A standalone quiz by 王教员 with a fixed slot per question (committed)."""
    quiz_id = f.make_quiz(questions, created_by=world.instructor, **settings).id
    db.session.commit()
    return quiz_id


def _slots(app, quiz_id: int) -> list[tuple]:
    with app.app_context():
        quiz = db.session.get(Quiz, quiz_id)
        return [
            (s.position, s.question_id, s.category_id, s.tag_id, s.draw_count, s.mark)
            for s in quiz.slots
        ]


def _main(page) -> str:
    return page.get_data(as_text=True).split("<main", 1)[1].split("</main>", 1)[0]


def test_the_builder_lists_slots_with_text_type_tags_marks_and_the_total(app, client, world):
    with app.app_context():
        tf = f.truefalse()
        tf.tags = ["组织生活"]
        tf.text = "流动党员应当参加组织生活。\n\n第二行不显示。"
        quiz_id = _quiz_of(world, [tf, f.single(), f.essay()])
        quiz = db.session.get(Quiz, quiz_id)
        quiz.slots[1].mark = Decimal(3)
        _add([f.fillin(), f.numerical()], "党章")
        building.add_random(quiz, bank.get_or_create_category("党章"), 2, False, Decimal(2))
        db.session.commit()
    login(client, "instructor")
    page = _main(client.get(f"/manage/quizzes/{quiz_id}/questions"))
    assert "流动党员应当参加组织生活。" in page and "第二行不显示" not in page
    assert "判断题" in page and "考点：组织生活" in page
    assert "第 4–5 题" in page and "从“党章”" in page and "现可抽 2 题" in page
    # 1 (default) + 3 (the slot's own) + 1 (essay default) + 2 × 2 (random, 2 each).
    assert "<strong>9</strong> 分" in page and "5 题（4 处）" in page


def test_a_random_slot_without_its_own_mark_leaves_part_of_the_total_open(app, client, world):
    with app.app_context():
        quiz_id = _quiz_of(world, [f.single()])
        _add([f.fillin(), f.numerical()], "党章")
        quiz = db.session.get(Quiz, quiz_id)
        building.add_random(quiz, bank.get_or_create_category("党章"), 2, False, None)
        db.session.commit()
    login(client, "instructor")
    page = _main(client.get(f"/manage/quizzes/{quiz_id}/questions"))
    assert "<strong>1</strong> 分，另有 2 道随机题按各题默认分值计" in page


def test_slots_move_up_and_down_without_a_script(app, client, world):
    with app.app_context():
        quiz_id = _quiz_of(world, [f.single(), f.truefalse(), f.fillin()])
    first, second, third = [q for _, q, *_ in _slots(app, quiz_id)]
    slot_ids = _slot_ids(app, quiz_id)
    login(client, "instructor")
    response = post(client, f"/manage/quizzes/{quiz_id}/slots/{slot_ids[2]}/move", {"step": "-1"})
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"#slot-{slot_ids[2]}"
    )
    assert [q for _, q, *_ in _slots(app, quiz_id)] == [first, third, second]
    post(client, f"/manage/quizzes/{quiz_id}/slots/{slot_ids[0]}/move", {"step": "1"})
    assert [q for _, q, *_ in _slots(app, quiz_id)] == [third, first, second]
    # Past either end nothing moves.
    post(client, f"/manage/quizzes/{quiz_id}/slots/{slot_ids[1]}/move", {"step": "1"})
    post(client, f"/manage/quizzes/{quiz_id}/slots/{slot_ids[2]}/move", {"step": "-1"})
    assert [pos for pos, *_ in _slots(app, quiz_id)] == [1, 2, 3]
    assert [q for _, q, *_ in _slots(app, quiz_id)] == [third, first, second]


def _slot_ids(app, quiz_id: int) -> list[int]:
    with app.app_context():
        return [s.id for s in db.session.get(Quiz, quiz_id).slots]


def test_a_dragged_order_is_saved_whole_or_not_at_all(app, client, world):
    with app.app_context():
        quiz_id = _quiz_of(world, [f.single(), f.truefalse(), f.fillin()])
    a, b, c = _slot_ids(app, quiz_id)
    login(client, "instructor")
    url = f"/manage/quizzes/{quiz_id}/slots/order"
    page = client.get(f"/manage/quizzes/{quiz_id}/questions").get_data(as_text=True)
    assert f'data-order-url="{url}"' in page and "quiz-builder.js" in page
    response = post(client, url, {"order": f"{c},{a},{b}"})
    assert response.status_code == 302
    assert "题目顺序已保存" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert _slot_ids(app, quiz_id) == [c, a, b]
    for wrong in (f"{c},{a}", f"{c},{a},{a}", f"{c},{a},{b},999999", ""):
        response = post(client, url, {"order": wrong})
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "顺序没有保存" in page
        assert _slot_ids(app, quiz_id) == [c, a, b]


def test_a_slot_takes_a_mark_of_its_own_and_blank_returns_to_the_default(app, client, world):
    with app.app_context():
        quiz_id = _quiz_of(world, [f.single(), f.truefalse()])
    slot = _slot_ids(app, quiz_id)[1]
    login(client, "instructor")
    post(client, f"/manage/quizzes/{quiz_id}/slots/{slot}/mark", {"mark": "2.5"})
    assert _slots(app, quiz_id)[1][5] == Decimal("2.5")
    assert "<strong>3.5</strong> 分" in _main(client.get(f"/manage/quizzes/{quiz_id}/questions"))
    for bad in ("-1", "abc", "101"):
        response = post(client, f"/manage/quizzes/{quiz_id}/slots/{slot}/mark", {"mark": bad})
        assert response.status_code == 302
        assert _slots(app, quiz_id)[1][5] == Decimal("2.5")
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "分值须为 0 到 100 之间的数字" in page
    post(client, f"/manage/quizzes/{quiz_id}/slots/{slot}/mark", {"mark": ""})
    assert _slots(app, quiz_id)[1][5] is None


def test_removing_a_slot_closes_the_gap(app, client, world):
    with app.app_context():
        quiz_id = _quiz_of(world, [f.single(), f.truefalse(), f.fillin()])
    a, b, c = _slot_ids(app, quiz_id)
    login(client, "instructor")
    post(client, f"/manage/quizzes/{quiz_id}/slots/{b}/delete")
    assert _slot_ids(app, quiz_id) == [a, c]
    assert [pos for pos, *_ in _slots(app, quiz_id)] == [1, 2]


# --- random draws ------------------------------------------------------------------------------


@pytest.fixture
def bank_of_rules(app):
    """党章 (2 questions, one tagged 义务), 党章/义务 (2, both tagged 义务), 党史 (1, tagged 义务),
    and a retired question in 党章 tagged 义务."""
    with app.app_context():
        _add([_tagged("党章一", ["义务"]), _tagged("党章二", [])], "党章")
        _add([_tagged("义务一", ["义务"]), _tagged("义务二", ["义务"])], "党章/义务")
        _add([_tagged("党史一", ["义务"])], "党史")
        [retired] = _add([_tagged("停用", ["义务"])], "党章")
        db.session.get(Question, retired).retired = True
        db.session.commit()
        return (
            {c.path: c.id for c in db.session.scalars(select(Category)).all()}
            | {"tag": db.session.scalar(select(Tag.id).where(Tag.name == "义务"))}
            | {q.current.text: q.id for q in db.session.scalars(select(Question))}
        )


@pytest.mark.parametrize(
    ("category", "sub", "tag", "expected"),
    [
        ("党章", False, False, 2),
        ("党章", True, False, 4),
        (None, False, True, 4),
        ("党章", False, True, 1),
        ("党章", True, True, 3),
        ("党史", True, True, 1),
    ],
)
def test_the_count_shown_is_what_an_attempt_draws_from(
    app, client, world, bank_of_rules, category, sub, tag, expected
):
    with app.app_context():
        quiz_id = _quiz_of(world, [f.essay()], category="简答")
    login(client, "instructor")
    fields = {
        "category": str(bank_of_rules[category]) if category else "0",
        "tag": str(bank_of_rules["tag"]) if tag else "0",
        "draw_count": str(expected + 1),
        **({"include_subcategories": "y"} if sub else {}),
    }
    checked = post(client, f"/manage/quizzes/{quiz_id}/slots/random", {**fields, "check": "1"})
    assert f"这个范围现在可抽 <strong>{expected}</strong> 题" in checked.get_data(as_text=True)
    refused = post(client, f"/manage/quizzes/{quiz_id}/slots/random", fields)
    assert f"现在只能抽到 {expected} 题" in refused.get_data(as_text=True)
    assert len(_slots(app, quiz_id)) == 1  # nothing added
    post(client, f"/manage/quizzes/{quiz_id}/slots/random", {**fields, "draw_count": expected})
    assert len(_slots(app, quiz_id)) == 2
    with app.app_context():
        member = db.session.get(User, world.member)
        quiz = db.session.get(Quiz, quiz_id)
        slot = quiz.slots[1]
        pool = set(db.session.scalars(select(Question.id).where(_pool_of(slot))))
        assert len(pool) == expected
        drawn = svc.start_attempt(member, quiz, preview=True)
        assert {aq.version.question_id for aq in drawn.questions[1:]} == pool


def _pool_of(slot):
    return Question.id.in_(pools.slot_pool(slot).with_only_columns(Question.id))


def test_a_random_slot_never_draws_a_fixed_question_of_the_quiz(app, world, bank_of_rules):
    with app.app_context():
        ids = db.session.scalars(
            select(Question.id).where(Question.category_id == bank_of_rules["党章/义务"])
        ).all()
        quiz = f.make_quiz([f.single()], created_by=world.instructor)
        category = db.session.get(Category, bank_of_rules["党章/义务"])
        building.add_random(quiz, category, 1, False, None)
        # A fixed slot after the random one still keeps its question out of the draw.
        building.add_fixed(quiz, [db.session.get(Question, ids[0])], None)
        assert building.builder(quiz).rows[1].available == 1
        with pytest.raises(building.NotEnoughToDraw):
            building.add_random(quiz, category, 2, False, None)
        member = db.session.get(User, world.member)
        for _ in range(5):
            attempt = svc.start_attempt(member, quiz, preview=True)
            shown = [aq.version.question_id for aq in attempt.questions]
            assert shown[1] == ids[1] and len(set(shown)) == 3
            svc.finish_attempt(attempt)


def test_a_random_rule_needs_a_category_or_a_tag(app, client, world, bank_of_rules):
    with app.app_context():
        quiz_id = _quiz_of(world, [f.single()])
    login(client, "instructor")
    page = post(
        client,
        f"/manage/quizzes/{quiz_id}/slots/random",
        {"category": "0", "tag": "0", "draw_count": "1"},
    )
    assert "请选择分类或考点" in page.get_data(as_text=True)
    response = post(client, f"/manage/quizzes/{quiz_id}/slots/random", {"draw_count": "0"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "抽题数量须为 1 到 200 之间的整数" in page
    assert len(_slots(app, quiz_id)) == 1


def test_a_draw_that_cannot_be_filled_any_more_is_pointed_out(app, client, world, bank_of_rules):
    with app.app_context():
        quiz = f.make_quiz([f.single()], created_by=world.instructor)
        category = db.session.get(Category, bank_of_rules["党章/义务"])
        building.add_random(quiz, category, 2, False, None)
        for question in db.session.scalars(
            select(Question).where(Question.category_id == category.id)
        ):
            question.retired = True
        db.session.commit()
        quiz_id = quiz.id
    login(client, "instructor")
    page = _main(client.get(f"/manage/quizzes/{quiz_id}/questions"))
    assert "题目不足" in page and "现可抽 0 题，少 2 题" in page and "学员现在无法开始答题" in page


def test_a_draft_whose_draw_cannot_be_filled_is_not_published(app, client, world, bank_of_rules):
    with app.app_context():
        quiz = f.make_quiz([f.single()], created_by=world.instructor, status="draft")
        category = db.session.get(Category, bank_of_rules["党史"])
        building.add_random(quiz, category, 1, False, None)
        db.session.get(Question, bank_of_rules["党史一"]).retired = True
        db.session.commit()
        quiz_id = quiz.id
    login(client, "instructor")
    settings = {
        "title": "单元测验",
        "placement": "",
        "kind": "exam",
        "status": "published",
        "attempts_allowed": "0",
        "pass_percent": "60",
        "review": "immediate",
    }
    page = post(client, f"/manage/quizzes/{quiz_id}/edit", settings).get_data(as_text=True)
    assert "有 1 处随机抽题的题目不够" in page
    with app.app_context():
        assert db.session.get(Quiz, quiz_id).status == "draft"


def test_a_retired_fixed_question_is_pointed_out(app, client, world):
    with app.app_context():
        quiz = f.make_quiz([f.single()], created_by=world.instructor)
        quiz.slots[0].question.retired = True
        db.session.commit()
        quiz_id = quiz.id
    login(client, "instructor")
    page = _main(client.get(f"/manage/quizzes/{quiz_id}/questions"))
    assert "已停用" in page and "仍是本测验的固定题目" in page


def test_random_slots_over_shared_questions_are_pointed_out(app, client, world, bank_of_rules):
    # 党章 with subcategories holds 4 questions, 3 of them tagged 义务; the tag alone has 4
    # (党史 too). Drawing 3 from 党章 first can leave the tag's slot with 1 question for 2.
    with app.app_context():
        quiz = f.make_quiz([f.single()], created_by=world.instructor)
        category = db.session.get(Category, bank_of_rules["党章"])
        tag = db.session.get(Tag, bank_of_rules["tag"])
        building.add_random(quiz, category, 3, True, None)
        building.add_random(quiz, None, 2, False, None, tag=tag)
        built = building.builder(quiz)
        assert [(r.available, r.worst, r.at_risk) for r in built.rows[1:]] == [
            (4, 4, False),
            (4, 1, True),
        ]
        db.session.commit()
        quiz_id = quiz.id
    login(client, "instructor")
    page = _main(client.get(f"/manage/quizzes/{quiz_id}/questions"))
    assert "可能不够" in page and "最少只剩 1 题可抽" in page


# --- attempts already taken --------------------------------------------------------------------


def test_editing_a_quiz_with_attempts_leaves_those_attempts_as_they_were(app, client, world):
    with app.app_context():
        quiz_id = _quiz_of(world, [f.truefalse(), f.single(), f.fillin()], review="immediate")
        quiz = db.session.get(Quiz, quiz_id)
        attempt = svc.start_attempt(db.session.get(User, world.member), quiz)
        svc.save_answers(attempt, {1: ["true"], 2: ["0"], 3: ["党章"]})
        svc.finish_attempt(attempt)
        db.session.commit()
        attempt_id = attempt.id
        before = _attempt_state(attempt)
        first_question = quiz.slots[0].question_id
    login(client, "instructor")
    page = _main(client.get(f"/manage/quizzes/{quiz_id}/questions"))
    assert "已有 1 人次开始作答" in page
    a, b, c = _slot_ids(app, quiz_id)
    post(client, f"/manage/quizzes/{quiz_id}/slots/{a}/mark", {"mark": "10"})
    post(client, f"/manage/quizzes/{quiz_id}/slots/{c}/move", {"step": "-1"})
    post(client, f"/manage/quizzes/{quiz_id}/slots/{b}/delete")
    answers = {f"answers-{i}-text": "" for i in range(8)}
    post(
        client,
        f"/manage/bank/{first_question}/edit",
        {
            "qtype": "truefalse",
            "category": "测试",
            "text": "改过的题干。",
            "default_mark": "5",
            "truefalse": "false",
            **answers,
        },
    )
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert _attempt_state(attempt) == before
        assert db.session.get(Question, first_question).current.text == "改过的题干。"
    member = app.test_client()
    login(member, "member")
    result = member.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "党员每年应完成规定学时。" in result and "改过的题干" not in result
    with app.app_context():
        # A new attempt shows the quiz as it is now.
        quiz = db.session.get(Quiz, quiz_id)
        fresh = svc.start_attempt(db.session.get(User, world.member), quiz)
        assert fresh.max_score == 11 and fresh.questions[0].version.text == "改过的题干。"


def test_the_question_editor_names_the_quizzes_an_edit_reaches(app, client, world):
    with app.app_context():
        quiz = f.make_quiz([f.single()], title="支部小测", created_by=world.instructor)
        other = Quiz(title="别人的测验", created_by_id=world.admin)
        db.session.add(other)
        building.add_fixed(other, [quiz.slots[0].question], None)
        db.session.commit()
        question_id = quiz.slots[0].question_id
        unused = bank.add_questions([f.truefalse()], category="测试", by=None).questions[0].id
        db.session.commit()
    login(client, "instructor")
    page = _main(client.get(f"/manage/bank/{question_id}/edit"))
    assert "这道题用于 2 个测验：《支部小测》、《别人的测验》" in page
    assert "用于" not in _main(client.get(f"/manage/bank/{unused}/edit"))


def _attempt_state(attempt: Attempt) -> tuple:
    return (
        attempt.score,
        attempt.max_score,
        attempt.passed,
        [(aq.position, aq.version_id, aq.mark, aq.fraction) for aq in attempt.questions],
    )


def test_the_settings_page_no_longer_asks_for_question_numbers(app, client, world):
    with app.app_context():
        quiz_id = _quiz_of(world, [f.single()])
    login(client, "instructor")
    page = _main(client.get(f"/manage/quizzes/{quiz_id}/edit"))
    assert "12,13,15" not in page
    assert re.search(rf'href="/manage/quizzes/{quiz_id}/questions"', page)


# The login check, the quiz, its slots, their questions, the questions' versions and tags, the
# random slots' categories and tags, what the random slots can draw alone and together, the
# attempts started, and the categories and tags of the random-draw form.
BUILDER = 13


@pytest.mark.parametrize("fixed", [2, 8], ids=["short", "long"])
def test_the_builder_reads_as_much_for_a_long_quiz_as_for_a_short_one(
    app, client, world, bank_of_rules, count_statements, fixed
):
    with app.app_context():
        quiz = f.make_quiz([f.single()] * fixed, created_by=world.instructor)
        tag = db.session.get(Tag, bank_of_rules["tag"])
        building.add_random(quiz, db.session.get(Category, bank_of_rules["党章"]), 1, True, None)
        building.add_random(quiz, None, 1, False, None, tag=tag)
        db.session.commit()
        quiz_id = quiz.id
    login(client, "instructor")
    response, statements = count_statements(client, f"/manage/quizzes/{quiz_id}/questions")
    assert response.status_code == 200
    assert len(statements) == BUILDER, "\n".join(statements)
