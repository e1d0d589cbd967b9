"""Aiken: single-answer multiple choice from plain text, Chinese variants, every problem listed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from school.quizzes.formats import aiken
from school.quizzes.formats.parsed import FormatError, ParsedAnswer, ParsedQuestion

ONE, ZERO = Decimal(1), Decimal(0)


def single(text: str, options: list[str], right: int, line: int) -> ParsedQuestion:
    return ParsedQuestion(
        "single",
        text,
        text_format="plain",
        answers=[ParsedAnswer(o, ONE if i == right else ZERO) for i, o in enumerate(options)],
        line=line,
    )


def problems_of(source: str | bytes) -> list[str]:
    data = source.encode() if isinstance(source, str) else source
    with pytest.raises(FormatError) as caught:
        aiken.parse(data)
    return [str(problem) for problem in caught.value.problems]


def test_moodle_style_questions_with_dot_and_parenthesis_options():
    source = (
        "What is the correct answer to this question?\n"
        "A. Is it 'this one'?\n"
        "B. Maybe this answer?\n"
        "C. Possibly this one?\n"
        "D. Must be this one!\n"
        "ANSWER: D\n"
        "\n"
        "Which LMS has the most quiz import formats?\n"
        "A) Moodle\n"
        "B) ATutor\n"
        "C) Claroline\n"
        "D) Blackboard\n"
        "E) WebCT\n"
        "F) Ilias\n"
        "ANSWER: A\n"
    )
    assert aiken.parse(source.encode()) == [
        single(
            "What is the correct answer to this question?",
            ["Is it 'this one'?", "Maybe this answer?", "Possibly this one?", "Must be this one!"],
            3,
            line=1,
        ),
        single(
            "Which LMS has the most quiz import formats?",
            ["Moodle", "ATutor", "Claroline", "Blackboard", "WebCT", "Ilias"],
            0,
            line=8,
        ),
    ]


CHINESE_AIKEN = """\
中国共产党的根本宗旨是什么？
A. 全心全意为人民服务
B. 实现共产主义
C. 发展社会生产力
D. 坚持党的领导
ANSWER: A

党的最高领导机关是：
Ａ．党的全国代表大会和它所产生的中央委员会
Ｂ．中央政治局
Ｃ．中央纪律检查委员会
答案：A

入党誓词中，
“我志愿加入中国共产党”之后是哪一句？
A、拥护党的纲领
B、遵守党的章程
C）履行党员义务
答案: a

HTML 字符 < > & 原样保留吗？
A)保留 < > &
B)不保留
answer: Ｂ
"""


def test_chinese_questions_with_full_width_marks_and_multi_line_text():
    assert aiken.parse(CHINESE_AIKEN.encode()) == [
        single(
            "中国共产党的根本宗旨是什么？",
            ["全心全意为人民服务", "实现共产主义", "发展社会生产力", "坚持党的领导"],
            0,
            line=1,
        ),
        single(
            "党的最高领导机关是：",
            ["党的全国代表大会和它所产生的中央委员会", "中央政治局", "中央纪律检查委员会"],
            0,
            line=8,
        ),
        single(
            "入党誓词中，\n“我志愿加入中国共产党”之后是哪一句？",
            ["拥护党的纲领", "遵守党的章程", "履行党员义务"],
            0,
            line=14,
        ),
        single("HTML 字符 < > & 原样保留吗？", ["保留 < > &", "不保留"], 1, line=21),
    ]


def test_utf8_bom_crlf_and_extra_blank_lines_between_questions_are_accepted():
    data = "\ufeff\r\n" + CHINESE_AIKEN.replace("\n\n", "\n\n\n").replace("\n", "\r\n")
    plain = aiken.parse(CHINESE_AIKEN.encode())
    assert [q.as_json() | {"line": None} for q in aiken.parse(data.encode())] == [
        q.as_json() | {"line": None} for q in plain
    ]


def test_options_may_follow_a_blank_line_after_the_text():
    source = "题目\n\nA. 甲\n\nB. 乙\nANSWER: B\n"
    assert aiken.parse(source.encode()) == [single("题目", ["甲", "乙"], 1, line=1)]


def test_an_empty_file_has_no_questions():
    assert aiken.parse(b"") == []
    assert aiken.parse(b"\n\n") == []


def test_moodle_error_fixture_lists_every_problem_and_imports_nothing():
    # Moodle's own question/format/aiken/tests/fixtures/aiken_errors.txt.
    source = (
        "A question with too few answers\n"
        "A) Only answer\n"
        "ANSWER: A\n"
        "\n"
        "A) Question not started\n"
        "\n"
        "ANSWER: Question not started\n"
        "\n"
        "A good question\n"
        "A) Correct\n"
        "B) Incorrect\n"
        "ANSWER: A\n"
        "\n"
        "A question started but not finished\n"
        "A) Correct-ish\n"
        "B) Incorrect-ish\n"
        "\n"
        "A second good question\n"
        "A)Incorrect (No space)\n"
        "B)Correct (No space)\n"
        "ANSWER: B"
    )
    assert problems_of(source) == [
        "第 3 行：题目「A question with too …」至少需要两个选项",
        "第 5 行：选项 A 前面没有题目（题目文字应写在选项之前）",
        "第 7 行：ANSWER 行前面没有题目和选项",
        "第 14 行：题目「A question started b…」缺少 ANSWER 行（如 ANSWER: B）",
    ]


def test_the_good_questions_of_moodles_error_fixture_read_alone():
    source = "A second good question\nA)Incorrect (No space)\nB)Correct (No space)\nANSWER: B"
    assert aiken.parse(source.encode()) == [
        single("A second good question", ["Incorrect (No space)", "Correct (No space)"], 1, 1)
    ]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("题目\nA. 甲\nB. 乙\n", "第 1 行：题目「题目」缺少 ANSWER 行（如 ANSWER: B）"),
        (
            "题目\nA. 甲\nB. 乙\n下一题\nA. 丙\nB. 丁\nANSWER: A\n",
            "第 1 行：题目「题目」缺少 ANSWER 行",
        ),
        ("题目\n\n另一题\nA. 甲\nB. 乙\nANSWER: A\n", "第 1 行：题目「题目」缺少选项和 ANSWER 行"),
        ("题目\nA. 甲\nB. 乙\nANSWER: E\n", "第 4 行：答案 E 不在选项中（选项有 A、B）"),
        ("题目\nA. 甲\nANSWER: A\n", "第 3 行：题目「题目」至少需要两个选项"),
        ("题目\nANSWER: A\n", "第 2 行：题目「题目」至少需要两个选项"),
        ("题目\nA. 甲\nB. 乙\nANSWER:\n", "第 4 行：ANSWER 行没有写正确选项的字母"),
        ("题目\nA. 甲\nB. 乙\n答案：A、B\n", "第 4 行：Aiken 格式每道题只能有一个正确答案：A、B"),
        ("题目\nA. 甲\nA. 乙\nANSWER: A\n", "第 3 行：选项字母 A 重复了"),
        ("题目\nA. 甲\nB.\nANSWER: A\n", "第 3 行：选项 B 没有内容"),
        ("ANSWER: A\n", "第 1 行：ANSWER 行前面没有题目和选项"),
    ],
)
def test_each_problem_has_a_specific_chinese_message_and_line(source: str, message: str):
    [problem] = problems_of(source)
    assert problem.startswith(message)


def test_long_question_texts_are_shortened_in_messages():
    [problem] = problems_of("一二三四五六七八九十一二三四五六七八九十一二三\nA. 甲\n")
    assert problem == (
        "第 1 行：题目「一二三四五六七八九十一二三四五六七八九十…」缺少 ANSWER 行（如 ANSWER: B）"
    )


def test_non_utf8_file_is_refused_whole_naming_the_line():
    data = "题目\nA. 甲\n".encode() + "B. 乙".encode("gbk") + b"\nANSWER: A\n"
    [problem] = problems_of(data)
    assert problem.startswith("第 3 行：文件不是 UTF-8 编码")
