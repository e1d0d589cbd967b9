"""Grading by question type: what a member's answer is worth."""

from collections import Counter
from decimal import Decimal

import pytest

from school.quizzes.formats.parsed import ParsedAnswer
from school.quizzes.types import QUESTION_TYPES, OptionCount, freeze, normalise
from tests.quizzes import factories as f

D = Decimal


def _grade(pq, values):
    qtype = QUESTION_TYPES[pq.qtype]
    data = qtype.to_data(pq)
    layout = qtype.layout(data, False, __import__("random").Random(1))
    return qtype.grade(data, qtype.read_answer(data, layout, values)), layout


@pytest.mark.parametrize(
    ("values", "expected"),
    [(["0"], D(1)), (["1"], D(0)), ([], D(0)), (["9"], D(0)), (["x"], D(0)), (["1", "0"], D(0))],
)
def test_single_choice(values, expected):
    assert _grade(f.single(), values)[0] == expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["0", "1", "2"], D(1)),
        (["0", "1"], D("0.6666666")),
        (["0", "3"], D(0)),  # a wrong choice's negative weight, never below 0
        (["0", "1", "2", "3"], D(0)),  # ticking everything earns nothing
        ([], D(0)),
    ],
)
def test_multiple_choice_partial_credit(values, expected):
    assert _grade(f.multiple(), values)[0] == expected


def test_true_false():
    assert _grade(f.truefalse(), ["true"])[0] == 1
    assert _grade(f.truefalse(), ["false"])[0] == 0
    assert _grade(f.truefalse(), ["maybe"])[0] == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("党章", D(1)),
        ("  党章。 ", D(1)),
        ("《中国共产党章程》", D(1)),
        ("章程", D("0.5")),
        ("党规", D(0)),
        ("", D(0)),
    ],
)
def test_fill_in_normalises_spaces_widths_and_punctuation(text, expected):
    assert _grade(f.fillin(), [text])[0] == expected


def test_fill_in_case_and_wildcards():
    pq = f.fillin()
    pq.answers = [pq.answers[0].__class__("Party*", D(1))]
    assert _grade(pq, ["ＰＡＲＴＹ constitution"])[0] == 1
    pq.case_sensitive = True
    assert _grade(pq, ["party constitution"])[0] == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [("32", 1), ("３２", 1), ("32.0", 1), ("31", 0), ("abc", 0), ("NaN", 0), ("1e999999", 0)],
)
def test_numerical(text, expected):
    assert _grade(f.numerical(), [text])[0] == expected


def test_numerical_tolerance():
    pq = f.numerical()
    pq.answers[0].tolerance = D(2)
    assert _grade(pq, ["34"])[0] == 1 and _grade(pq, ["34.01"])[0] == 0


def test_matching_scores_each_pair_and_ignores_the_distractor_on_the_left():
    pq = f.matching()
    qtype = QUESTION_TYPES["matching"]
    data = qtype.to_data(pq)
    _, layout = _grade(pq, [])
    assert sorted(layout["rights"]) == ["每十年", "每季度", "每月"]
    right = {r: i for i, r in enumerate(layout["rights"])}
    both = [f"0:{right['每月']}", f"1:{right['每季度']}"]
    one = [f"0:{right['每月']}", f"1:{right['每十年']}"]
    assert qtype.grade(data, qtype.read_answer(data, layout, both)) == 1
    assert qtype.grade(data, qtype.read_answer(data, layout, one)) == D("0.5")
    # A forged left index (the distractor row 2) or right position is ignored.
    assert qtype.read_answer(data, layout, ["2:0", "0:99"]) is None


def test_essay_waits_for_a_person_unless_left_empty():
    assert _grade(f.essay(), ["我的体会"])[0] is None
    assert _grade(f.essay(), [""])[0] == 0


def test_normalise():
    assert normalise("  Ｈｅｌｌｏ，　World！ ") == "hello, world"


@pytest.mark.parametrize(
    "maker", [f.single, f.multiple, f.truefalse, f.fillin, f.numerical, f.matching, f.essay]
)
def test_good_questions_validate(maker):
    assert QUESTION_TYPES[maker().qtype].validate(maker()) == []


def test_invalid_questions_are_explained():
    pq = f.single()
    pq.answers = [a for a in pq.answers if a.fraction == 0]
    assert QUESTION_TYPES["single"].validate(pq) == ["单选题需要一个得满分的正确选项"]
    pq = f.multiple()
    pq.answers = pq.answers[:2] + pq.answers[3:]
    assert "100%" in QUESTION_TYPES["multiple"].validate(pq)[0]
    pq = f.matching()
    pq.answers = pq.answers[:1]
    assert QUESTION_TYPES["matching"].validate(pq)


@pytest.mark.parametrize("maker", [f.single, f.multiple, f.fillin, f.numerical, f.matching])
def test_the_editor_rows_read_back_as_the_same_answers(maker):
    pq = maker()
    qtype = QUESTION_TYPES[pq.qtype]
    blank = {"text": "", "match": "", "percent": None, "tolerance": None, "feedback": ""}
    rows = [*qtype.to_form(pq.answers), blank]
    assert qtype.from_form({"answers": rows, "truefalse": "true"}) == pq.answers


def test_the_editor_reads_true_false_from_its_select_and_essays_without_answers():
    row = {"text": "多余", "match": "", "percent": D(100), "tolerance": None, "feedback": ""}
    truefalse = QUESTION_TYPES["truefalse"]
    assert truefalse.from_form({"answers": [row], "truefalse": "false"}) == [
        ParsedAnswer("true", D(0)),
        ParsedAnswer("false", D(1)),
    ]
    assert truefalse.to_form(f.truefalse().answers) == []
    assert QUESTION_TYPES["essay"].from_form({"answers": [row], "truefalse": "true"}) == []


def test_each_type_tallies_its_own_answers():
    single = QUESTION_TYPES["single"]
    data = single.to_data(f.single())
    answers = Counter({freeze({"choices": [0]}): 2, freeze({"choices": [2]}): 1, None: 1})
    assert single.option_counts(data, answers, 4) == [
        OptionCount("工作或居住地的党组织", 2, 50.0, True),
        OptionCount("户籍所在地", 0, 0.0, False),
        OptionCount("任意一个党组织", 1, 25.0, False),
        OptionCount("未作答", 1, 25.0, None),
    ]
    assert single.top_answers(data, answers, 4) == []
    fillin = QUESTION_TYPES["fillin"]
    data = fillin.to_data(f.fillin())
    answers = Counter({freeze({"text": "党章。"}): 1, freeze({"text": "党章"}): 2, None: 1})
    assert fillin.top_answers(data, answers, 4) == [OptionCount("党章", 3, 75.0, True)]
    assert fillin.option_counts(data, answers, 4) == []
    assert [t.key for t in QUESTION_TYPES.values() if not t.tallied] == ["essay", "description"]
