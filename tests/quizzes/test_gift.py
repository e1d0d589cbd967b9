"""GIFT: the project's own files and Chinese questions read as Moodle reads them, errors, dump.

The checks against Moodle's own GIFT fixtures are defined only when MOODLE_GIFT_DIR names their
folder (see tests/quizzes/fixtures).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from school.quizzes.formats import gift
from school.quizzes.formats.parsed import FormatError, ParsedAnswer, ParsedQuestion
from tests.quizzes.fixtures import MOODLE_GIFT_DIR, gift_file, moodle_gift_file


def ans(
    text: str,
    fraction: str = "0",
    feedback: str = "",
    match: str | None = None,
    tolerance: str | None = None,
) -> ParsedAnswer:
    return ParsedAnswer(
        text,
        Decimal(fraction),
        feedback,
        match=match,
        tolerance=None if tolerance is None else Decimal(tolerance),
    )


def problems_of(data: bytes) -> list[str]:
    with pytest.raises(FormatError) as caught:
        gift.parse(data)
    return [str(problem) for problem in caught.value.problems]


def without_line(questions: list[ParsedQuestion]) -> list[dict]:
    return [{k: v for k, v in q.as_json().items() if k != "line"} for q in questions]


TRUE_FALSE_RIGHT_TRUE = [ans("true", "1"), ans("false", "0")]


# --- the project's GIFT files (tests/quizzes/fixtures) -----------------------------------------

EVERY_TYPE = [
    ParsedQuestion(
        "essay", "谈谈你参加“三会一课”的体会。", name="谈体会", text_format="moodle", line=2
    ),
    ParsedQuestion(
        "matching",
        "将<b>组织生活</b>的形式与它的内容配对。",
        name="组织生活",
        text_format="html",
        answers=[
            # The [html] [moodle] [plain] [markdown] markers are stripped from the left sides.
            ans("支部党员大会", "1", match="讨论决定支部的重要事项"),
            ans("支部委员会", "1", match="研究安排支部的日常工作"),
            ans("党小组会", "1", match="组织党员学习、交流思想"),
            ans("党课", "1", match="由支部书记或党员领导干部讲授"),
            ans("", "1", match="春节座谈会"),  # an extra right side with no left side
        ],
        line=5,
    ),
    ParsedQuestion(
        "single",
        "在外地固定工作半年以上的流动党员，一般应当怎么做？",
        name="组织关系",
        text_format="moodle",
        answers=[
            ans("转接组织关系", "1", "对，组织关系随人走。"),
            ans("只参加流出地的组织生活", "0", "不对，应当<b>转接组织关系</b>。"),  # "[html]" gone
            ans("暂停参加组织生活", "0", "不对，应当转接组织关系。"),  # "[plain]" gone
        ],
        line=14,
    ),
    ParsedQuestion(
        "multiple",
        "民主评议党员的等次中，哪些属于“合格”及以上？",
        name="评议等次",
        text_format="moodle",
        answers=[
            ans("优秀", "0.5", "对。"),
            ans("基本合格", "-1", "不对，<b>基本合格</b>低于合格。"),
            ans("合格", "0.5", "对。"),
            ans("不合格", "-1", "不对。"),  # "%-100%[plain]": the marker after the weight
        ],
        line=22,
    ),
    ParsedQuestion(
        "numerical",
        "一次半天的专题讲座折合 _____ 个学时。",
        name="讲座学时",
        text_format="moodle",
        answers=[
            ans("4", "1", tolerance="1"),
            ans("*", "0", "不对，半天的讲座折合 4 学时左右。", tolerance="0"),
        ],
        line=31,
    ),
    ParsedQuestion(
        "numerical",
        "写出一个介于普通党员和支部书记年度最低学时（32 和 56）之间的数。",
        name="学时范围",
        text_format="moodle",
        answers=[ans("44", "1", tolerance="12")],  # 32..56
        line=34,
    ),
    ParsedQuestion(
        "numerical",
        "中国共产党成立于哪一年？",
        name="建党年份",
        text_format="moodle",
        answers=[
            ans("1921", "1", "完全正确。", tolerance="0"),
            ans("1921", "0.5", "相差不到一年。", tolerance="1"),  # %50%1920..1922
            ans("*", "0", "请回顾党史第一课。", tolerance="0"),
        ],
        line=37,
    ),
    ParsedQuestion(
        "fillin",
        "“三会一课”中的“一课”指的是什么？",
        name="一课",
        text_format="moodle",
        answers=[
            ans("党课", "1", "对！"),
            ans("上党课", "0.5", "意思对了，答“党课”即可。"),
            ans("*", "0", "不对，是党课。"),
        ],
        line=44,
    ),
    ParsedQuestion(
        "truefalse",
        "流动党员只能在流出地党组织参加民主评议。_____（判断对错）",
        name="评议地点",
        text_format="moodle",
        # The first feedback is for the wrong response (true), the second for the right one.
        answers=[
            ans("true", "0", "流动党员也可以在流入地党组织参加评议。"),
            ans("false", "1", "回答正确。"),
        ],
        general_feedback="这就是“一方隶属、参加多重组织生活”。",
        line=51,
    ),
    ParsedQuestion(
        "truefalse",
        "中国共产党是中国工人阶级的先锋队。",
        name="2-08 党的性质",
        text_format="moodle",
        answers=TRUE_FALSE_RIGHT_TRUE,  # {T}
        line=56,
    ),
    ParsedQuestion(
        "truefalse",
        "中国共产党是中国工人阶级的先锋队。",
        name="2-08 党的性质",
        text_format="moodle",
        answers=TRUE_FALSE_RIGHT_TRUE,  # {TRUE}
        line=59,
    ),
    ParsedQuestion(
        "single",
        "**“四个服从”**写作 { 个人 ~ 组织 } 时，= 和 # 照原样显示，\\ 也是。\n这是第二行。",
        name="四个服从: 个人",
        text_format="markdown",
        answers=[
            ans("个人服从党的组织", "1", "对#1"),
            ans("少数服从多数", "0", "这是“四个服从”的另一条: 本题问的是个人与组织。"),
        ],
        general_feedback="见党章{第十条}。",
        tags=["党章", "转义"],
        idnumber="dz-010",
        line=62,
    ),
    ParsedQuestion(
        "description",
        "以下题目考查组织生活制度，请认真作答。",
        name="",
        text_format="plain",
        default_mark=Decimal(0),
        line=69,
    ),
]

IN_CATEGORY = [
    ParsedQuestion(
        "matching",
        "按照党章的“四个服从”，将服从的一方与被服从的一方配对。",
        name="四个服从",
        text_format="html",
        category="党章学习",
        answers=[
            ans("党员个人", "1", match="党的组织"),
            ans("少数", "1", match="多数"),
            ans("下级组织", "1", match="上级组织"),
            ans("全党各个组织和全体党员", "1", match="党的全国代表大会和中央委员会"),
            ans("", "1", match="个人意见"),
        ],
        line=5,
    ),
    ParsedQuestion(
        "single",
        '<p style="font-weight: bold;">读完第一课后回答:</p><a href="/courses/1">回到第一课</a>'
        "<br />党员每年至少应学习多少学时？",
        name="学时要求",
        text_format="html",
        category="党章学习",
        answers=[
            ans("24", "0", "再读一读第一课。"),
            ans("32", "1", "对，至少 32 学时。"),
            ans("40", "0", "再读一读第一课。"),
            ans("56", "0", "再读一读第一课。"),
        ],
        line=14,
    ),
    ParsedQuestion(
        "fillin",
        "党员之间通常互相称呼为 ……",
        name="称谓",
        text_format="html",
        category="党章学习",
        answers=[ans("同志", "1")],  # "=%100%同志#": an empty feedback
        line=22,
    ),
    ParsedQuestion(
        "truefalse",
        '预备党员的预备期为<span style="font-style: italic;">一年</span>。',
        name="预备期",
        text_format="html",
        category="党章学习",
        answers=TRUE_FALSE_RIGHT_TRUE,
        line=27,
    ),
    ParsedQuestion(
        "multiple",
        "“三会一课”中的“三会”是哪几个会？",
        name="三会",
        text_format="html",
        category="党章学习/组织制度",
        answers=[
            ans("支部党员大会", "0.3333333"),
            ans("支部委员会", "0.3333333"),
            ans("党小组会", "0.3333333"),
            ans("茶话会", "-1", "不对，茶话会不是“三会”之一。"),
        ],
        line=33,
    ),
]

# windows-1252.gift.txt as it reads once saved again as UTF-8.
ZHUWAI = "Zhuwai dangzhibu"
WINDOWS_1252 = [
    ParsedQuestion(
        "essay",
        "<p>Tantan canjia zuzhi shenghuo de tihui.</p>",
        name="Xuexi tihui",
        text_format="html",
        category=ZHUWAI,
        line=6,
    ),
    ParsedQuestion(
        "truefalse",
        "<p>Zhibu meiyue kaizhan yici zhuti dangri.</p>",
        name="Zhuti dangri",
        text_format="html",
        category=ZHUWAI,
        answers=TRUE_FALSE_RIGHT_TRUE,
        line=10,
    ),
    ParsedQuestion(
        "matching",
        "<p>Jiang “san hui yi ke” yu zhaokai de pinlü peidui.</p>",
        name="San hui yi ke",
        text_format="html",
        category=ZHUWAI,
        answers=[
            ans("<p>Zhibu dangyuan dahui</p>", "1", match="meige jidu yici"),
            ans("<p>Zhibu weiyuanhui</p>", "1", match="meiyue yici"),
            ans("<p>Dang xiaozu hui</p>", "1", match="meiyue yici"),
            ans("<p>Dangke</p>", "1", match="meige jidu zhishao yici – you shuji jiang"),
            ans("", "1", match="meinian yici"),
        ],
        line=14,
    ),
]

PROJECT_FILES = {"every_type.gift.txt": EVERY_TYPE, "in_category.gift.txt": IN_CATEGORY}


def test_every_type_file_reads_to_the_questions_moodle_would_import():
    assert gift.parse(gift_file("every_type.gift.txt").read_bytes()) == EVERY_TYPE


def test_in_category_file_reads_five_questions_in_the_switched_categories():
    # The $CATEGORY: switches are not questions; "$course$/" and "top/" are Moodle's context.
    assert gift.parse(gift_file("in_category.gift.txt").read_bytes()) == IN_CATEGORY


@pytest.mark.parametrize("line_end", [b"\r\n", b"\r"], ids=["windows", "old-mac"])
@pytest.mark.parametrize("name", PROJECT_FILES)
def test_project_files_read_alike_with_windows_and_old_mac_line_ends(name: str, line_end: bytes):
    data = gift_file(name).read_bytes().replace(b"\n", line_end)
    assert gift.parse(data) == PROJECT_FILES[name]


def test_windows_1252_file_is_refused_whole_naming_the_line_of_the_first_bad_byte():
    data = gift_file("windows-1252.gift.txt").read_bytes()
    problems = problems_of(data)
    assert len(problems) == 1
    assert problems[0].startswith("第 14 行：")
    assert "不是 UTF-8 编码" in problems[0]
    assert "另存为" in problems[0]
    # Saved again as UTF-8, as the message asks, the same file imports.
    assert gift.parse(data.decode("windows-1252").encode()) == WINDOWS_1252


# --- Moodle's own files, only where MOODLE_GIFT_DIR names their folder -------------------------

MOODLE_QUESTIONS = [
    ParsedQuestion("essay", "How are you?", name="Q8", text_format="moodle", line=2),
    ParsedQuestion(
        "matching",
        "Match the <b>activity</b> to the description.",
        name="Moodle activities",
        text_format="html",
        answers=[
            ans("An activity supporting asynchronous discussions.", "1", match="Forum"),
            ans(
                "A teacher asks a question and specifies a choice of multiple responses.",
                "1",
                match="Choice",
            ),
            ans("A bank of record entries which participants can add to.", "1", match="Database"),
            ans("A collection of web pages that anyone can add to or edit.", "1", match="Wiki"),
            ans("", "1", match="Chat"),  # an extra right side with no left side
        ],
        line=5,
    ),
    ParsedQuestion(
        "single",
        "What's between orange and green in the spectrum?",
        name="Q2",
        text_format="moodle",
        answers=[
            ans("yellow", "1", "right; good!"),
            ans("red", "0", "wrong, it's yellow"),  # "[html]" marker stripped from the feedback
            ans("blue", "0", "wrong, it's yellow"),  # "[plain]" marker stripped from the answer
        ],
        line=14,
    ),
    ParsedQuestion(
        "multiple",
        "What's between orange and green in the spectrum?",
        name="colours",
        text_format="moodle",
        answers=[
            ans("yellow", "0.5", "right; good!"),
            ans("red", "-1", "wrong"),
            ans("off-beige", "0.5", "right; good!"),
            ans("blue", "-1", "wrong"),
        ],
        line=22,
    ),
    ParsedQuestion(
        "numerical",
        'What is a number from 1 to 5? _____";',
        name="Q5",
        text_format="moodle",
        answers=[
            ans("3", "1", tolerance="2"),
            ans("*", "0", "Completely wrong", tolerance="0"),
        ],
        line=31,
    ),
    ParsedQuestion(
        "fillin",
        "Which is the best animal?",
        name="Shortanswer",
        text_format="moodle",
        answers=[
            ans("Frog", "1", "Good!"),
            ans("Cat", "0.5", "What is it with Moodlers and cats?"),
            ans("*", "0", "Completely wrong"),
        ],
        line=34,
    ),
    ParsedQuestion(
        "truefalse",
        '42 is the Absolute Answer to everything._____";',
        name="Q1",
        text_format="moodle",
        # The first feedback is for the wrong response (true), the second for the right one.
        answers=[
            ans("true", "0", "42 is the Ultimate Answer."),
            ans("false", "1", "You gave the right answer."),
        ],
        general_feedback="This is, of course, a Hitchiker's Guide to the Galaxy reference.",
        line=41,
    ),
    ParsedQuestion(
        "truefalse",
        "TSL is blablabla.",
        name="2-08 TSL",
        text_format="moodle",
        answers=TRUE_FALSE_RIGHT_TRUE,
        line=46,
    ),
    ParsedQuestion(
        "truefalse",
        "TSL is blablabla.",
        name="2-08 TSL",
        text_format="moodle",
        answers=TRUE_FALSE_RIGHT_TRUE,
        line=49,
    ),
]

CATEGORY = "Default for New Features"

MOODLE_CATEGORY_QUESTIONS = [
    ParsedQuestion(
        "matching",
        "Match the activity to the description.",
        name="Moodle activities",
        text_format="html",
        category=CATEGORY,
        answers=[
            ans("An activity supporting asynchronous discussions.", "1", match="Forum"),
            ans(
                "A teacher asks a question and specifies a choice of multiple responses.",
                "1",
                match="Choice",
            ),
            ans("A bank of record entries which participants can add to.", "1", match="Database"),
            ans("A collection of web pages that anyone can add to or edit.", "1", match="Wiki"),
            ans("", "1", match="Chat"),
        ],
        line=5,
    ),
    ParsedQuestion(
        "single",
        '<a href="http://demo.moodle.net/file.php/5/media/bonjour.mp3">Listen to this greeting:'
        "</a><br /><br />What language is being spoken?",
        name="Greeting",
        text_format="html",
        category=CATEGORY,
        answers=[
            ans("English", "0", "Sorry, listen again."),
            ans("French", "1", "Yes, well done!"),
            ans("German", "0", "Sorry, listen again."),
            ans("Spanish", "0", "Sorry, listen again."),
        ],
        line=14,
    ),
    ParsedQuestion(
        "fillin",
        "Anyone who uses Moodle is a ...",
        name="Moodle user",
        text_format="html",
        category=CATEGORY,
        answers=[ans("Moodler", "1")],  # "=%100%Moodler#": an empty feedback
        line=22,
    ),
    ParsedQuestion(
        "truefalse",
        'Moodle is an acronym for <span style="font-style: italic;">Modular Object-Oriented '
        "Dynamic Learning Environment</span>.",
        name="Moodle acronym",
        text_format="html",
        category=CATEGORY,
        answers=TRUE_FALSE_RIGHT_TRUE,
        line=27,
    ),
]


# Defined only then, not skipped: a clone with nothing beside it has nothing to check against.
if MOODLE_GIFT_DIR:

    def moodle_fixture(name: str) -> bytes:
        return moodle_gift_file(name).read_bytes()

    def test_moodle_questions_fixture_reads_to_the_nine_questions_moodle_expects():
        assert gift.parse(moodle_fixture("questions.gift.txt")) == MOODLE_QUESTIONS

    def test_moodle_category_fixture_reads_four_questions_in_the_switched_category():
        # The $CATEGORY: switch is not a question; "$course$/" is Moodle's context.
        questions = gift.parse(moodle_fixture("questions_in_category.gift.txt"))
        assert questions == MOODLE_CATEGORY_QUESTIONS

    def test_moodle_windows_1252_fixture_is_refused_whole_naming_the_line_of_the_bad_byte():
        problems = problems_of(moodle_fixture("questions_encoding_windows-1252.gift.txt"))
        assert len(problems) == 1
        assert problems[0].startswith("第 15 行：")
        assert "不是 UTF-8 编码" in problems[0]
        assert "另存为" in problems[0]

    @pytest.mark.parametrize("name", ["questions.gift.txt", "questions_in_category.gift.txt"])
    def test_dump_of_moodle_fixtures_reads_back_to_the_same_questions(name: str):
        questions = gift.parse(moodle_fixture(name))
        assert without_line(gift.parse(gift.dump(questions).encode())) == without_line(questions)


# --- Chinese questions -------------------------------------------------------------------------

CHINESE_GIFT = """\
// 党章基础知识题库（示例）
$CATEGORY: $course$/top/党章/总纲

// [id:dz-001] [tag:党章] [tag:入党积极分子]
::党的最高理想::中国共产党的最高理想和最终目标是什么？{
\t=实现共产主义 # 回答正确！
\t~实现社会主义现代化 # 这是现阶段的奋斗目标。
\t~全面建成小康社会
\t####见《中国共产党章程》总纲。
}

::四个意识::下列属于“四个意识”的有（多选）：{
\t~%25%政治意识
\t~%25%大局意识
\t~%25%核心意识
\t~%25%看齐意识
\t~%-100%忧患意识 # “四个意识”不包括忧患意识。
}

::党的性质::中国共产党是中国工人阶级的先锋队，同时是中国人民和中华民族的先锋队。{T#再读一读党章总纲。#回答正确。}

$CATEGORY: $course$/top/党史

::成立时间::中国共产党成立于 {=1921年 =1921 =%50%二十世纪二十年代#不够准确} 。

::预备期::预备党员的预备期为几年？{#=1:0 =%50%0.5..1.5#接近了 ~#请查阅党章第七条。}

::会议与年份::将会议与召开的年份配对。{
\t=中共一大 -> 1921年
\t=遵义会议 -> 1935年
\t=十一届三中全会 -> 1978年
\t= -> 1949年
}

::谈体会::[markdown]结合实际，谈谈你对**“两个确立”**的认识。{####言之有理即可。}

::说明::以下题目考查党史知识，请认真作答。
"""

ZONGGANG, DANGSHI = "党章/总纲", "党史"

CHINESE_QUESTIONS = [
    ParsedQuestion(
        "single",
        "中国共产党的最高理想和最终目标是什么？",
        name="党的最高理想",
        text_format="moodle",
        answers=[
            ans("实现共产主义", "1", "回答正确！"),
            ans("实现社会主义现代化", "0", "这是现阶段的奋斗目标。"),
            ans("全面建成小康社会", "0"),
        ],
        general_feedback="见《中国共产党章程》总纲。",
        category=ZONGGANG,
        tags=["党章", "入党积极分子"],
        idnumber="dz-001",
        line=5,
    ),
    ParsedQuestion(
        "multiple",
        "下列属于“四个意识”的有（多选）：",
        name="四个意识",
        text_format="moodle",
        answers=[
            ans("政治意识", "0.25"),
            ans("大局意识", "0.25"),
            ans("核心意识", "0.25"),
            ans("看齐意识", "0.25"),
            ans("忧患意识", "-1", "“四个意识”不包括忧患意识。"),
        ],
        category=ZONGGANG,
        line=12,
    ),
    ParsedQuestion(
        "truefalse",
        "中国共产党是中国工人阶级的先锋队，同时是中国人民和中华民族的先锋队。",
        name="党的性质",
        text_format="moodle",
        answers=[ans("true", "1", "回答正确。"), ans("false", "0", "再读一读党章总纲。")],
        category=ZONGGANG,
        line=20,
    ),
    ParsedQuestion(
        "fillin",
        "中国共产党成立于 _____ 。",
        name="成立时间",
        text_format="moodle",
        answers=[
            ans("1921年", "1"),
            ans("1921", "1"),
            ans("二十世纪二十年代", "0.5", "不够准确"),
        ],
        category=DANGSHI,
        line=24,
    ),
    ParsedQuestion(
        "numerical",
        "预备党员的预备期为几年？",
        name="预备期",
        text_format="moodle",
        answers=[
            ans("1", "1", tolerance="0"),
            ans("1", "0.5", "接近了", tolerance="0.5"),
            ans("*", "0", "请查阅党章第七条。", tolerance="0"),
        ],
        category=DANGSHI,
        line=26,
    ),
    ParsedQuestion(
        "matching",
        "将会议与召开的年份配对。",
        name="会议与年份",
        text_format="moodle",
        answers=[
            ans("中共一大", "1", match="1921年"),
            ans("遵义会议", "1", match="1935年"),
            ans("十一届三中全会", "1", match="1978年"),
            ans("", "1", match="1949年"),
        ],
        category=DANGSHI,
        line=28,
    ),
    ParsedQuestion(
        "essay",
        "结合实际，谈谈你对**“两个确立”**的认识。",
        name="谈体会",
        text_format="markdown",
        general_feedback="言之有理即可。",
        category=DANGSHI,
        line=35,
    ),
    ParsedQuestion(
        "description",
        "以下题目考查党史知识，请认真作答。",
        name="说明",
        text_format="moodle",
        default_mark=Decimal(0),
        category=DANGSHI,
        line=37,
    ),
]


def test_chinese_questions_of_every_type_read_with_categories_ids_and_tags():
    assert gift.parse(CHINESE_GIFT.encode()) == CHINESE_QUESTIONS


def test_utf8_bom_and_crlf_line_ends_are_accepted():
    data = "\ufeff" + CHINESE_GIFT.replace("\n", "\r\n")
    assert gift.parse(data.encode()) == CHINESE_QUESTIONS


def test_old_mac_carriage_returns_end_lines_too():
    assert gift.parse(CHINESE_GIFT.replace("\n", "\r").encode()) == CHINESE_QUESTIONS


def test_a_file_of_comments_only_has_no_questions():
    assert gift.parse("// 只有注释\n\n// 还是注释\n".encode()) == []


# --- constructs --------------------------------------------------------------------------------


def one(source: str) -> ParsedQuestion:
    [question] = gift.parse(source.encode())
    return question


def test_escapes_give_the_literal_characters_and_backslash_n_a_new_line():
    question = one(
        r"::转义\:名称::等式 1+1\=2 用 \{ \} 包住，\~ 与 \# 照写，"
        r"反斜杠 \\n 不是换行\n这是第二行{=a\=b#反馈\#1}"
    )
    assert question.name == "转义:名称"
    assert question.text == "等式 1+1=2 用 { } 包住，~ 与 # 照写，反斜杠 \\n 不是换行\n这是第二行"
    assert question.answers == [ans("a=b", "1", "反馈#1")]


def test_other_backslashes_stay_as_they_are():
    assert one(r"::路径::文件在 C:\temp\x 下{}").text == r"文件在 C:\temp\x 下"


def test_question_format_marker_sets_the_format_and_answer_markers_are_stripped():
    question = one("::格式::[html]<p>选择</p>{=[plain]甲 #[html]<b>对</b> ~[markdown]乙}")
    assert question.text_format == "html"
    assert question.text == "<p>选择</p>"
    assert question.answers == [ans("甲", "1", "<b>对</b>"), ans("乙", "0")]


def test_format_markers_are_read_in_any_case():
    assert one("::格式::[HTML]<p>题</p>{}").text_format == "html"


def test_a_single_letter_in_brackets_is_text_not_a_marker():
    question = one("::标签::[A] 组的题目{~[A] 北京 =[B] 上海}")
    assert question.text == "[A] 组的题目"
    assert [a.text for a in question.answers] == ["[A] 北京", "[B] 上海"]


def test_an_explicit_marker_keeps_a_bracketed_word_as_text():
    assert one("::字::[moodle][xyz] 是一个词{}").text == "[xyz] 是一个词"


def test_equals_sign_makes_a_choice_single_and_weights_alone_make_it_multiple():
    assert one("::单::题{=甲 ~乙 ~%50%丙}").qtype == "single"
    assert one("::多::题{~%50%甲 ~%50%乙 ~丙}").qtype == "multiple"


def test_numerical_tolerance_range_and_several_weighted_answers():
    assert one("::数::题{#3:2}").answers == [ans("3", "1", tolerance="2")]
    assert one("::数::题{#1..5}").answers == [ans("3", "1", tolerance="2")]
    assert one("::数::题{#1..2}").answers == [ans("1.5", "1", tolerance="0.5")]
    assert one("::数::题{#=3:0 =%50%3:1}").answers == [
        ans("3", "1", tolerance="0"),
        ans("3", "0.5", tolerance="1"),
    ]
    assert one("::数::题{#-2.50}").answers == [ans("-2.5", "1", tolerance="0")]
    assert one("::数::题{#1e3:0.010}").answers == [ans("1000", "1", tolerance="0.01")]


def test_numerical_catch_all_answer_comes_from_tilde_hash_feedback():
    assert one("::数::题{#=5#好 ~#完全错误}").answers == [
        ans("5", "1", "好", tolerance="0"),
        ans("*", "0", "完全错误", tolerance="0"),
    ]


def test_missing_word_layout_puts_a_blank_where_the_block_was():
    assert one("::填::党的{=二十大} 于 2022 年召开。").text == "党的_____ 于 2022 年召开。"
    assert one("::填::党的二十大于 2022 年召开。{=对}").text == "党的二十大于 2022 年召开。"


def test_general_feedback_follows_four_hashes_and_markers_are_stripped_from_it():
    question = one("::总::题{=甲 =乙 ####[html]<i>总体反馈</i>}")
    assert question.general_feedback == "<i>总体反馈</i>"
    assert [a.text for a in question.answers] == ["甲", "乙"]


def test_true_false_words_are_read_in_any_case():
    assert one("::判::题{false}").answers == [ans("true", "0"), ans("false", "1")]
    assert one("::判::题{t}").answers == TRUE_FALSE_RIGHT_TRUE


def test_short_answer_without_equals_sign_is_one_accepted_answer():
    assert one("::填::首都是？{北京}").answers == [ans("北京", "1")]


def test_essay_may_carry_only_general_feedback():
    question = one("::论::谈谈体会。{####要点：理论联系实际}")
    assert (question.qtype, question.answers) == ("essay", [])
    assert question.general_feedback == "要点：理论联系实际"


def test_text_without_name_gets_an_empty_name_and_keeps_inner_indentation():
    question = one("[html]<pre>\n    缩进的代码\n</pre>{}")
    assert question.name == ""
    assert question.text == "<pre>\n    缩进的代码\n</pre>"


def test_comment_lines_inside_a_question_are_left_out_of_its_text():
    assert one("::注::第一行\n// 中间的注释\n第二行{}").text == "第一行\n第二行"


@pytest.mark.parametrize(
    ("line", "category"),
    [
        ("$CATEGORY: $course$/top/党章/总纲", "党章/总纲"),
        ("$CATEGORY: $system$/学习资料", "学习资料"),
        ("$CATEGORY: $module$/top/测验", "测验"),
        ("$CATEGORY: top/党史", "党史"),
        ("$CATEGORY: 党史 / 新民主主义革命时期 ", "党史/新民主主义革命时期"),
        ("$CATEGORY: 甲//乙/丙", "甲//乙/丙"),  # "//" is Moodle's literal slash in a name
        ("$CATEGORY: $course$/top", None),
    ],
)
def test_category_drops_moodle_context_and_top(line: str, category: str | None):
    assert one(f"{line}\n\n::题::内容{{}}").category == category


def test_a_question_may_follow_its_category_line_directly():
    question = one("$CATEGORY: 党史\n// [tag:党史]\n::题::内容{}")
    assert (question.category, question.tags) == ("党史", ["党史"])


def test_comment_before_category_does_not_tag_the_next_question():
    source = "// [tag:错的]\n$CATEGORY: 党史\n\n::题::内容{}"
    assert one(source).tags == []


def test_id_and_tags_come_from_comment_lines_with_escaped_brackets():
    source = "// question: 12  name: 题\n// [id:A\\]1] [tag:党史] [tag: 学习 ]\n// [tag:二]\n"
    question = one(source + "::题::内容{}")
    assert question.idnumber == "A]1"
    assert question.tags == ["党史", "学习", "二"]


def test_only_the_first_id_counts():
    assert one("// [id:first] [id:second]\n::题::内容{}").idnumber == "first"


# --- problems ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("::题::内容{=对", "第 1 行：答案块缺少右花括号 }"),
        ("::题::内容}", "第 1 行：答案块缺少左花括号 {"),
        ("::题::内容} 又 {=对}", "第 1 行：右花括号 } 出现在左花括号 { 之前"),
        ("::题::内容{=甲} 又{=乙}", "第 1 行：一道题只能有一个答案块"),
        ("::题内容{}", "第 1 行：题目名称缺少结尾的 ::"),
        ("::题::{T}", "第 1 行：题目内容不能为空"),
        ("::题::[xyz]内容{}", "第 1 行：未知的格式标记 [xyz]"),
        ("::题::内容{=甲 ~[foo]乙}", "第 1 行：未知的格式标记 [foo]"),
        ("::题::内容{#abc}", "第 1 行：数值题的答案不是数字：abc"),
        ("::题::内容{#3:x}", "第 1 行：数值题的误差不是数字：x"),
        ("::题::内容{#3:-1}", "第 1 行：数值题的误差不能是负数：-1"),
        ("::题::内容{#1..x}", "第 1 行：数值题的范围不是数字：1..x"),
        ("::题::内容{#5..1}", "第 1 行：数值题范围的下限大于上限：5..1"),
        ("::题::内容{#}", "第 1 行：数值题没有答案"),
        ("::题::内容{#=}", "第 1 行：数值题的答案不能为空"),
        ("::题::内容{#3 ~5}", "第 1 行：数值题 ~ 后面只能写 #反馈"),
        ("::题::内容{#=%50%3}", "第 1 行：数值题至少需要一个完全正确（100%）的答案"),
        ("::题::内容{=甲 -> 乙}", "第 1 行：匹配题至少需要两对有效的匹配项"),
        ("::题::内容{= -> 甲 = -> 乙 =丙 -> 丁}", "第 1 行：匹配题至少需要两对有效的匹配项"),
        ("::题::内容{=甲 -> 乙 =丙}", "第 1 行：匹配项缺少 ->：丙"),
        ("::题::内容{=甲 -> 乙 =丙 -> }", "第 1 行：匹配项的右边不能为空"),
        ("::题::内容{~甲 ~乙}", "第 1 行：选择题没有正确答案"),
        ("::题::内容{~%50%甲}", "第 1 行：选择题至少需要两个选项"),
        ("::题::内容{=甲 ~ ~乙}", "第 1 行：选择题的选项不能为空"),
        ("::题::内容{~%50%甲 ~%30%乙 ~丙}", "多选题中正确选项的权重加起来应为 100%，现在是 80%"),
        ("::题::内容{=甲 ~%abc%乙}", "第 1 行：权重不是数字：%abc%"),
        ("::题::内容{~%150%甲 ~乙}", "第 1 行：权重超出 -100% 到 100% 的范围：%150%"),
        ("::题::内容{=%50%甲 ~乙}", "第 1 行：选项前的 = 表示完全正确，不能再加权重"),
        ("::题::内容{=%50%甲}", "第 1 行：填空题至少需要一个完全正确（100%）的答案"),
        ("::题::内容{=甲 = }", "第 1 行：填空题的答案不能为空"),
    ],
)
def test_each_problem_has_a_specific_chinese_message_and_line(source: str, message: str):
    [problem] = problems_of(source.encode())
    assert message in problem


def test_every_problem_in_the_file_is_listed_and_nothing_is_returned():
    source = (
        "::好题::内容{=对}\n"
        "\n"
        "// 第一道坏题\n"
        "::坏题一::内容{#abc}\n"
        "\n"
        "::好题二::内容{T}\n"
        "\n"
        "::坏题二::第一行\n"
        "第二行 {=甲\n"
        "\n"
        "::坏题三::内容{~甲 ~乙}\n"
    )
    assert problems_of(source.encode()) == [
        "第 4 行：数值题的答案不是数字：abc",
        "第 9 行：答案块缺少右花括号 }（答案块中间不能有空行）",
        "第 11 行：选择题没有正确答案（用 = 标出正确选项，或用 ~%50% 这样的权重）",
    ]


def test_a_blank_line_inside_an_answer_block_is_reported_at_both_braces():
    source = "::题::内容{\n=甲\n\n~乙\n}\n"
    problems = problems_of(source.encode())
    assert problems[0].startswith("第 1 行：答案块缺少右花括号 }")
    assert problems[1].startswith("第 5 行：答案块缺少左花括号 {")


def test_invalid_utf8_in_the_middle_names_its_line():
    data = "::一::内容{}\n\n::二::".encode() + "内容".encode("gbk") + b"{}\n"
    [problem] = problems_of(data)
    assert problem.startswith("第 3 行：文件不是 UTF-8 编码")


# --- writing -----------------------------------------------------------------------------------


def test_dump_writes_categories_ids_tags_and_escapes():
    questions = [
        ParsedQuestion(
            "single",
            "1+1=2 吗？{是}",
            name="算术:一",
            text_format="moodle",
            answers=[ans("是", "1", "对#1"), ans("否")],
            category="数学/基础",
            tags=["算]术", "入门"],
            idnumber="m-1",
        ),
        ParsedQuestion("essay", "谈谈体会。", name="论述", text_format="markdown"),
    ]
    assert gift.dump(questions) == (
        "$CATEGORY: $course$/top/数学/基础\n"
        "\n"
        "// [id:m-1] [tag:算\\]术] [tag:入门]\n"
        "::算术\\:一::1+1\\=2 吗？\\{是\\}{\n"
        "\t=是#对\\#1\n"
        "\t~否\n"
        "}\n"
        "\n"
        "$CATEGORY: $course$/top\n"
        "\n"
        "::论述::[markdown]谈谈体会。{}\n"
    )


def test_dump_writes_a_category_line_only_when_the_category_changes():
    questions = [
        ParsedQuestion("essay", f"题{i}", name=f"题{i}", text_format="moodle", category=c)
        for i, c in enumerate([None, "甲", "甲", "乙", "乙"])
    ]
    written = gift.dump(questions)
    assert [line for line in written.splitlines() if line.startswith("$")] == [
        "$CATEGORY: $course$/top/甲",
        "$CATEGORY: $course$/top/乙",
    ]


@pytest.mark.parametrize("name", PROJECT_FILES)
def test_dump_of_the_project_files_reads_back_to_the_same_questions(name: str):
    written = gift.dump(gift.parse(gift_file(name).read_bytes()))
    assert without_line(gift.parse(written.encode())) == without_line(PROJECT_FILES[name])


def test_dump_of_chinese_questions_reads_back_to_the_same_questions():
    written = gift.dump(CHINESE_QUESTIONS)
    assert without_line(gift.parse(written.encode())) == without_line(CHINESE_QUESTIONS)


def test_dump_protects_texts_that_would_otherwise_read_as_syntax():
    questions = [
        # Starts like a marker, a comment, a weight; holds every special character.
        ParsedQuestion("essay", "[html] 不是标记", name="", text_format="moodle"),
        ParsedQuestion("essay", "// 不是注释", name="", text_format="moodle"),
        ParsedQuestion(
            "multiple",
            "多行\n文字 \\ 反斜杠 \\n ::",
            name="特殊 {名} #1",
            text_format="plain",
            answers=[
                ans("%50% 是文字", "0.5"),
                ans("[abc] 选项", "0.5", "[html] 反馈"),
                ans("甲 = 乙 ~ 丙", "-0.3333333", "反馈 #### 不是总体反馈"),
            ],
            general_feedback="[plain] 总体 {反馈}",
        ),
        ParsedQuestion(
            "single",
            "单选",
            name="单",
            text_format="html",
            answers=[ans("%50% 是文字", "1"), ans("%-5% 也是", "0"), ans("%1%", "0.5")],
        ),
        ParsedQuestion(
            "fillin",
            "填空",
            name="填",
            text_format="moodle",
            answers=[ans("%10%", "1"), ans("*", "0.1")],
        ),
        ParsedQuestion(
            "numerical",
            "数值",
            name="数",
            text_format="moodle",
            answers=[
                ans("*", "0", "中间的通配", tolerance="0"),
                ans("-2.5", "1", tolerance="0.25"),
                ans("*", "0", tolerance="0"),
            ],
        ),
        ParsedQuestion(
            "truefalse",
            "判断",
            name="判",
            text_format="moodle",
            answers=[ans("true", "0"), ans("false", "1", "只有答对的反馈")],
            general_feedback="总体",
        ),
        ParsedQuestion(
            "matching",
            "匹配",
            name="配",
            text_format="moodle",
            answers=[ans("[xy] 左", "1", match="右 # ~ ="), ans("左二", "1", match="右二")],
        ),
    ]
    assert without_line(gift.parse(gift.dump(questions).encode())) == without_line(questions)


def test_dump_refuses_what_gift_cannot_say():
    questions = [
        ParsedQuestion(
            "matching",
            "匹配",
            name="配",
            answers=[ans("a -> b", "1", match="c"), ans("d", "1", match="e")],
            line=7,
        ),
        ParsedQuestion("calculated", "算", name="算"),
    ]
    with pytest.raises(FormatError) as caught:
        gift.dump(questions)
    assert [str(p) for p in caught.value.problems] == [
        "第 7 行：第 1 题「配」：匹配项左边含有 ->，GIFT 无法表示：a -> b",
        "第 2 题「算」：GIFT 不支持题型 calculated",
    ]
