"""The roster file: its columns, and reading an uploaded .xlsx or .csv into rows of cleaned
cells (school.members.roster checks and applies them; roster_files writes the template)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import PurePath

from openpyxl.utils.datetime import from_excel

from school.spreadsheets import SheetError, sheet_rows

SHEET = "名册"
HELP_SHEET = "说明"
MAX_ROWS = 20_000
# A zip bomb is refused before the reader inflates it; 20,000 honest rows are a few megabytes.
MAX_UNCOMPRESSED = 100 * 1024 * 1024
EXTENSIONS = (".xlsx", ".csv")


@dataclass(frozen=True)
class Column:
    header: str
    attr: str
    required: bool
    help: str
    example: str


COLUMNS: tuple[Column, ...] = (
    Column(
        "党员编号",
        "membership_no",
        True,
        "必填。唯一，用来识别党员；字母、数字或连字符“-”，不超过 32 位。"
        "同一编号再次导入时更新该党员，不会重复创建。新党员的登录账号就是党员编号。",
        "GZ2024-0001",
    ),
    Column("姓名", "name", True, "必填，不超过 50 个字。", "王明"),
    Column("性别", "gender", False, "选填：男 或 女。", "男"),
    Column(
        "手机号",
        "phone",
        False,
        "选填：11 位手机号，或带区号的固定电话，如 0571-12345678。",
        "13800138000",
    ),
    Column(
        "入党日期",
        "joined_party_on",
        False,
        "选填：日期，如 2001-07-01、2001/7/1 或 2001年7月1日；不能晚于今天。",
        "2001-07-01",
    ),
    Column(
        "组织关系所在党组织",
        "home_org",
        True,
        "必填：流出地党组织（党员组织关系所在的党组织）。"
        "填写组织代码，或准确的党组织全称；有重名的党组织时必须填写组织代码。",
        "一支部",
    ),
    Column(
        "流入地党组织", "host_org", False, "选填：流动党员现在参加组织生活的党组织，写法同上。", ""
    ),
    Column(
        "是否流动党员",
        "is_floating",
        False,
        "选填：是 或 否，默认 否；填写了流入地党组织时默认 是。"
        "外出后尚未找到流入地党组织的流动党员填 是、流入地留空。",
        "否",
    ),
    Column("现居城市", "current_city", False, "选填，不超过 50 个字。", "深圳"),
    Column("外出日期", "flowed_out_on", False, "选填：日期，写法同入党日期。", ""),
    Column("外出原因", "flow_reason", False, "选填，不超过 200 个字，如 务工、经商。", ""),
    Column("流动党员活动证号", "certificate_no", False, "选填，不超过 50 个字符。", ""),
)
HEADERS = tuple(c.header for c in COLUMNS)
BY_HEADER = {c.header: c for c in COLUMNS}
BY_ATTR = {c.attr: c for c in COLUMNS}
# What a member's registry entry holds, in the order the preview lists changes.
FIELDS = tuple(c.attr for c in COLUMNS if c.attr != "membership_no")

HELP_NOTES = (
    "第 1 行是列标题，列的顺序可以调整；不认识的列标题会报错（请删除该列或改正标题）。",
    "“党员编号”“姓名”“组织关系所在党组织”三列必须有；其他列可以删去，删去的列在更新党员时保持原值不变。",
    "每行一名党员，完全空白的行会被跳过；一个文件最多 20000 行，文件大小的上限见上传页面。",
    "也可以上传 CSV 文件（UTF-8 或 Excel 另存的 GBK/GB18030 编码），列标题与本模板相同。",
    "上传后先显示预览：将新建、更新、不变的人数，以及每个出错的行、列和原因。"
    "有错误时默认不导入任何数据，也可以选择只导入没有错误的行。",
    "新建的党员没有可用的密码：导入后请在“党员管理”列表中点“重置密码”，把一次性密码告诉本人。",
    "您只能导入自己管理的党组织的党员。",
)

_WS = "\u3000\u00a0\u200b\ufeff"
_DATE_RES = (
    re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:\s+0{1,2}:00(?::00)?)?"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
)


class RosterFileError(ValueError):
    """The file as a whole cannot be read (wrong kind, corrupt, too big, bad headers)."""


# --- cells -------------------------------------------------------------------------------------


def clean(value: object) -> object:
    """Strings trimmed of every kind of space (full-width too); other values as they are."""
    if isinstance(value, str):
        return value.strip().strip(_WS).strip()
    return value


def cell_text(value: object) -> str:
    """A cell as the text a member would read in it (numbers without ".0", dates ISO)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(clean(value))


def _fold(header: str) -> str:
    return re.sub(r"[\s*＊]+", "", unicodedata.normalize("NFKC", header.strip(_WS)))


def parse_date(value: object) -> date | None:
    """A date cell or text (2001-07-01, 2001/7/1, 2001年7月1日, 20010701); None when unreadable."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = int(value)
        if 10_000_000 <= number <= 99_991_231:
            return parse_date(str(number))
        # An Excel serial day number in a cell not formatted as a date (7,000 is 1919).
        if 7_000 <= number < 2_958_466:
            converted = from_excel(number)
            return converted.date() if isinstance(converted, datetime) else None
        return None
    text = unicodedata.normalize("NFKC", str(value))
    for pattern in _DATE_RES:
        match = pattern.fullmatch(text)
        if match:
            try:
                return date(*(int(part) for part in match.groups()))
            except ValueError:
                return None
    return None


# --- reading the file --------------------------------------------------------------------------


@dataclass
class Sheet:
    headers: list[str]  # the known headers present, in file order
    rows: list[tuple[int, dict[str, object]]]  # (row number, {header: cleaned value})


def read_file(filename: str, data: bytes) -> Sheet:
    """Read an uploaded .xlsx or .csv; RosterFileError with one clear message when it cannot.

    The upload's size was checked as it came in (school.uploads.read_within).
    """
    suffix = PurePath(filename or "").suffix.lower()
    if suffix not in EXTENSIONS:
        raise RosterFileError(
            "请上传 .xlsx 或 .csv 文件（.xls 等文件请用 Excel 或 WPS 另存为 .xlsx）。"
        )
    if not data.strip():
        raise RosterFileError("文件是空的。")
    try:
        lines = sheet_rows(
            data, suffix, what="文件", max_unzipped=MAX_UNCOMPRESSED, sheet_name=SHEET
        )
    except SheetError as exc:
        raise RosterFileError(str(exc)) from None
    return _collect(lines)


def _collect(lines: Iterable[tuple[int, list[object]]]) -> Sheet:
    header_row: list[object] | None = None
    rows: list[tuple[int, dict[str, object]]] = []
    positions: list[tuple[int, str]] = []
    for number, values in lines:
        cleaned = [clean(v) for v in values]
        if all(v is None or v == "" for v in cleaned):
            continue
        if header_row is None:
            header_row = cleaned
            positions = _headers(header_row)
            continue
        if len(rows) >= MAX_ROWS:
            raise RosterFileError(f"文件超过 {MAX_ROWS} 行，请拆分后分批导入。")
        cells = {
            name: cleaned[index] if index < len(cleaned) else None for index, name in positions
        }
        rows.append((number, cells))
    if header_row is None:
        raise RosterFileError("文件是空的。")
    return Sheet(headers=[name for _, name in positions], rows=rows)


def _headers(row: list[object]) -> list[tuple[int, str]]:
    positions: list[tuple[int, str]] = []
    unknown: list[str] = []
    seen: set[str] = set()
    twice: list[str] = []
    for index, value in enumerate(row):
        if value is None or value == "":
            continue
        name = _fold(str(value))
        if name not in BY_HEADER:
            unknown.append(str(value))
        elif name in seen:
            twice.append(name)
        else:
            seen.add(name)
            positions.append((index, name))
    messages = []
    if unknown:
        messages.append(
            "不认识的列标题："
            + "、".join(f"「{u}」" for u in unknown)
            + "（请删除该列或改为模板中的标题）"
        )
    if twice:
        messages.append("列标题重复：" + "、".join(f"「{t}」" for t in twice))
    missing = [c.header for c in COLUMNS if c.required and c.header not in seen]
    if missing:
        messages.append("缺少必填列：" + "、".join(f"「{m}」" for m in missing))
    if messages:
        raise RosterFileError("；".join(messages) + "。可以下载模板对照。")
    return positions
