"""The sheet both directions share: columns, type labels, the answer notations, cell helpers.

Also the template's content (example rows and the 说明 sheet's texts), which describes this
layout to the branch secretary who fills it in.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from school.formatting import decimal_text, shortest
from school.quizzes.formats.parsed import QTYPES

SHEET = "题库"
HELP_SHEET = "说明"
LETTERS = "ABCDEFGH"
OPTION_COLUMNS = tuple(f"选项{letter}" for letter in LETTERS)
HEADERS = ("题型", "题干", *OPTION_COLUMNS, "答案", "解析", "分值", "考点")
MAX_ROWS = 5000

TYPE_LABELS = {
    "single": "单选题",
    "multiple": "多选题",
    "truefalse": "判断题",
    "fillin": "填空题",
    "numerical": "数值题",
    "matching": "匹配题",
    "essay": "简答题",
    "description": "说明",
}
assert tuple(TYPE_LABELS) == QTYPES  # a new question type must get a label here

# The answer notations: rows reads them, and writer writes them and warns about text that
# would read as one.
_NUMBER = r"[+-]?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)"
_UNSIGNED = r"(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)"
EXACT_RE = re.compile(rf"({_NUMBER})(?:(?:±|\+/?-)({_UNSIGNED}))?")
RANGE_RE = re.compile(rf"({_NUMBER})(?:~|\.\.|至|到|—|–)({_NUMBER})")
WEIGHT_RE = re.compile(r"\s*([0-9０-９.．]+)\s*[%％]\s*[:：]\s*(.*)", re.DOTALL)
ALTERNATIVES_RE = re.compile(r"[|｜]")
ARROW_RE = re.compile(r"[-－]+\s*[>＞]|[=＝]\s*[>＞]|→|⇒|⟶")
TAG_SPLIT_RE = re.compile(r"[，,、;；]")
_SEVEN_PLACES = Decimal("0.0000001")


# --- cell and number helpers ---------------------------------------------------------------


def _nfkc(text: str) -> str:
    """Full-width letters, digits and punctuation become their ASCII forms."""
    return unicodedata.normalize("NFKC", text)


def compact(text: str) -> str:
    """For keywords (types, headers, letters): NFKC, no whitespace at all, upper case."""
    return re.sub(r"\s+", "", _nfkc(text)).upper()


def cell_text(value: object) -> str:
    """A cell's value as the text the member typed, whatever type Excel stored it as."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # Excel stores 2 as 2.0 when it comes out of a formula; repr is the shortest exact form.
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, datetime):
        # Excel turns "2024-7-1" into a date; give back what was typed, not a timestamp.
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def to_decimal(text: str) -> Decimal | None:
    """A plain decimal number (no exponent, no thousands separators), or None."""
    text = compact(text)
    if not re.fullmatch(_NUMBER, text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern only lets numbers through
        return None


def has_seven_places(value: Decimal) -> bool:
    return value == value.quantize(_SEVEN_PLACES)


def multiple_fractions(correct: list[bool]) -> list[Decimal]:
    """The anti-guessing fractions of a multiple-choice question, one per option.

    With k right options each right one is worth 1/k and each wrong one costs everything (-1);
    the last right option takes the rounding remainder so the right options sum to exactly 1.
    """
    k = sum(correct)
    if k == 0:
        return [Decimal(0)] * len(correct)
    share = (Decimal(1) / k).quantize(_SEVEN_PLACES)
    last = max(i for i, right in enumerate(correct) if right)
    remainder = Decimal(1) - share * (k - 1)
    return [
        shortest(remainder if i == last else share) if right else Decimal(-1)
        for i, right in enumerate(correct)
    ]


# --- the template's content ----------------------------------------------------------------

# The template's example rows, one per common type, on topics every party member studies.
EXAMPLES: tuple[dict[str, object], ...] = (
    {
        "题型": "单选题",
        "题干": "中国共产党的最高理想和最终目标是（　　）。",
        "选项A": "实现共产主义",
        "选项B": "全面建成小康社会",
        "选项C": "实现中华民族伟大复兴",
        "选项D": "建成社会主义现代化强国",
        "答案": "A",
        "解析": "党章总纲：党的最高理想和最终目标是实现共产主义。",
        "分值": 2,
        "考点": "党章、理想信念",
    },
    {
        "题型": "多选题",
        "题干": "“三会一课”中的“三会”是指（　　）。",
        "选项A": "支部党员大会",
        "选项B": "支部委员会会议",
        "选项C": "党小组会",
        "选项D": "民主生活会",
        "选项E": "职工代表大会",
        "答案": "ABC",
        "解析": "“三会一课”指定期召开支部党员大会、支部委员会会议、党小组会，按时上好党课。"
        "民主生活会是党员领导干部参加的组织生活形式，不属于“三会”。",
        "分值": 3,
        "考点": "组织生活、三会一课",
    },
    {
        "题型": "判断题",
        "题干": "预备党员的预备期为一年。",
        "答案": "对",
        "解析": "党章第七条规定：预备党员的预备期为一年。",
        "分值": 1,
        "考点": "党章、发展党员",
    },
    {
        "题型": "填空题",
        "题干": "中国共产党第一次全国代表大会于______年召开。",
        "答案": "1921|1921年",
        "解析": "1921 年 7 月，中国共产党第一次全国代表大会召开，宣告中国共产党正式成立。",
        "分值": 1,
        "考点": "党史",
    },
    {
        "题型": "匹配题",
        "题干": "请将下列会议与其历史意义对应起来。",
        "选项A": "中共一大 -> 宣告中国共产党正式成立",
        "选项B": "遵义会议 -> 在最危急关头挽救了党、挽救了红军、挽救了中国革命",
        "选项C": "党的十一届三中全会 -> 实现新中国成立以来党的历史上具有深远意义的伟大转折",
        "选项D": "-> 确立毛泽东思想为党的指导思想",
        "解析": "选项D 是干扰项：确立毛泽东思想为党的指导思想的是党的七大。",
        "分值": 3,
        "考点": "党史",
    },
    {
        "题型": "简答题",
        "题干": "结合自身实际，谈谈流动党员如何做到“离乡不离党、流动不流失”。",
        "解析": "参考要点：主动与流出地、流入地党组织保持联系；按时参加组织生活（可通过网上党校、"
        "线上组织生活等方式）；按期交纳党费；定期向党组织汇报思想和工作情况；"
        "在工作岗位上发挥先锋模范作用。",
        "分值": 10,
        "考点": "流动党员管理",
    },
)

HELP_COLUMNS = (
    ("题型", "必填。从下拉列表选择；也可写简称，如“单选”“多选”“判断”。", "单选题"),
    ("题干", "必填。题目内容，单元格内可以换行（Alt+Enter）。", "预备党员的预备期为一年。"),
    (
        "选项A～选项H",
        "单选题、多选题的选项，从选项A开始连续填写，至少两个、最多八个；"
        "匹配题在这里填写配对；其他题型留空。",
        "实现共产主义",
    ),
    ("答案", "写法随题型不同，见下表。匹配题、简答题、说明留空。", "A"),
    ("解析", "选填。答题后显示给学员；简答题的参考答案也写在这里。", "党章总纲规定……"),
    ("分值", "选填，默认 1 分；大于 0、不超过 100。说明不计分，留空。", "2"),
    ("考点", "选填，多个考点用逗号、顿号或分号隔开。", "党章、理想信念"),
)

HELP_TYPES = (
    ("单选题", "一个选项字母，大小写均可。", "B"),
    (
        "多选题",
        "所有正确选项的字母，可以连写，也可用逗号或顿号隔开。\n"
        "计分规则：错选不得分，漏选按比例得分。设正确选项有 k 个，"
        "只选了正确选项时，每选对一项得本题分值的 1/k；选了任何一个错误选项，本题得 0 分。\n"
        "例：5 个选项、正确答案 ACD、分值 3 分：选 ACD 得 3 分，选 AC 得 2 分，"
        "选 ACE 得 0 分。",
        "ACD 或 A、C、D",
    ),
    ("判断题", "对 或 错；也可写 正确/错误、√/×、T/F、是/否。", "对"),
    (
        "填空题",
        "可接受的答案，多个答案用 | 隔开；只得部分分的答案在前面写百分比和冒号。",
        "1921|1921年\n全心全意为人民服务|50%:为人民服务",
    ),
    (
        "数值题",
        "一个数；允许误差写在 ± 后（也可写 +-）；也可写范围 1~5。"
        "多个答案用 | 隔开，部分得分同填空题。",
        "2035\n3±0.5\n1~5",
    ),
    (
        "匹配题",
        "选项A～选项H 每格写一对“左项 -> 右项”（也可用 → 或 =>），至少两对；"
        "只写“-> 右项”的格是多出来的干扰项。「答案」列留空。\n"
        "Excel 会把以 -、=、+ 开头的内容当作公式：干扰项请写成“→ 右项”，"
        "或在前面加一个英文单引号，例如 '-> 右项。",
        "遵义会议 -> 挽救了党、挽救了红军、挽救了中国革命\n→ 确立毛泽东思想为党的指导思想",
    ),
    ("简答题", "由人工评分，「答案」列留空，参考答案写在「解析」列。", ""),
    ("说明", "不是题目，只显示一段文字，例如阅读材料；选项、答案、分值都留空。", ""),
)

HELP_NOTES = (
    "文件必须是 .xlsx 格式；.xls、.csv 文件请用 Excel 或 WPS 打开后"
    "“另存为” Excel 工作簿（.xlsx）。",
    "导入时读取名为“题库”的工作表（没有时读取第一个工作表）；第 1 行是列标题，"
    "列的顺序可以调整，多出的列（如“序号”）会被忽略。",
    "每行一道题，空行会被跳过；一个文件最多 5000 道题。",
    "只要有一行有错，整个文件都不会导入；系统会列出所有出错的行和列，改正后重新上传即可。",
    "单元格里的公式按计算结果导入。",
)
