"""Reading course sources from content/: front matter, validation and precise error messages.

Nothing here touches the database; ``importer.py`` applies what this module has checked.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LESSON_FILE = re.compile(r"^(\d{1,3})-([a-z0-9]+(?:-[a-z0-9]+)*)\.md$")
COURSE_KEYS = {
    "slug",
    "title",
    "theme",
    "hours",
    "order",
    "status",
    "summary",
    "instructors",
    "deadline",
    "certificate",
}
LESSON_KEYS = {"slug", "title", "module", "hours", "kind", "required", "min_minutes", "file"}
MEDIA_TYPES = {
    "video": {".mp4": "video/mp4", ".webm": "video/webm"},
    "document": {".pdf": "application/pdf"},
}
MAX_PATH = 200


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file} 第 {self.line} 行" if self.line else self.file
        return f"{where}：{self.message}"


class SourceError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


@dataclass
class ThemeSource:
    slug: str
    title: str
    summary: str
    position: int


@dataclass
class LessonSource:
    slug: str
    title: str
    module: str
    hours: Decimal
    kind: str
    body: str
    position: int
    required: bool
    min_seconds: int | None
    media: Path | None = None
    media_type: str | None = None
    # SHA-256 of the media file's bytes: its name in the media store and part of the digest.
    media_digest: str | None = None


@dataclass
class CourseSource:
    folder: Path
    slug: str
    title: str
    theme: str
    hours: Decimal
    position: int
    status: str
    summary: str
    body: str
    lessons: list[LessonSource] = field(default_factory=list)
    # Usernames of the instructors who answer questions about the course, and where they stand.
    # None when the file names none: the course keeps the instructors it has (set in the studio
    # or by an admin), so importing content/ again does not take a course from its teachers.
    instructors: list[str] | None = None
    instructors_at: tuple[str, int | None] = ("", None)
    # A campaign's completion deadline (a local date), or None for regular study.
    deadline: date | None = None
    # Members who complete it receive a certificate.
    certificate: bool = False


class _File:
    """One source file: its text split into front matter and body, with line numbers kept."""

    def __init__(self, path: Path, root: Path) -> None:
        self.path = path
        self.name = (
            str(path.relative_to(root.parent)) if path.is_relative_to(root.parent) else str(path)
        )
        self.problems: list[Problem] = []
        self.meta: dict = {}
        self.lines: dict[str, int] = {}
        self.body = ""
        self._read()

    def problem(
        self, message: str, key: str | None = None, line: int | object | None = ...
    ) -> None:
        """Record a problem at ``line``, at the line of ``key``, or (line=None) for the file."""
        if line is ...:
            line = self.lines.get(key, 1) if key else 1
        self.problems.append(Problem(self.name, line, message))

    def _read(self) -> None:
        raw = self.path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            self.problem("文件不是 UTF-8 编码，请用 UTF-8 另存后再导入。", line=line)
            return
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        if not text.startswith("---\n"):
            self.problem("文件开头缺少前置信息：第一行应为 ---，随后是 YAML 字段，再以 --- 结束。")
            return
        end = text.find("\n---\n", 3)
        if end == -1 and text.endswith("\n---"):
            end = len(text) - 4
        if end == -1:
            self.problem("前置信息没有结束：找不到结束的 --- 行。")
            return
        front = text[4 : end + 1]
        self.body = text[end + 5 :].strip("\n")
        try:
            node = yaml.compose(front, Loader=yaml.SafeLoader)
            data = yaml.safe_load(front)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark
            # An unclosed quote is noticed at the end of the text; where it opened is the news.
            if exc.context_mark and (mark is None or mark.index >= len(front.rstrip())):
                mark = exc.context_mark
            line = mark.line + 2 if mark else 1
            self.problem(f"前置信息不是合法的 YAML（{exc.problem or exc.context}）。", line=line)
            return
        except yaml.YAMLError as exc:
            self.problem(f"前置信息不是合法的 YAML（{exc}）。")
            return
        if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
            self.problem("前置信息应为“字段: 值”的列表。", line=2)
            return
        self.meta = data
        # +2: line 1 is the opening ---, and PyYAML counts from 0.
        self.lines = {str(k.value): k.start_mark.line + 2 for k, _ in node.value}

    def check_keys(self, allowed: set[str]) -> None:
        for key in self.meta:
            if key not in allowed:
                self.problem(
                    f"未知字段 {key}（可用字段：{'、'.join(sorted(allowed))}）。", key=str(key)
                )

    def text(self, key: str, *, required: bool = True, limit: int = 200) -> str:
        value = self.meta.get(key)
        if value is None:
            if required:
                self.problem(f"缺少必填字段 {key}。")
            return ""
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.problem(f"字段 {key} 应为文字。", key=key)
            return ""
        value = str(value).strip()
        if required and not value:
            self.problem(f"字段 {key} 不能为空。", key=key)
        if len(value) > limit:
            self.problem(f"字段 {key} 过长（{len(value)} 字，最多 {limit} 字）。", key=key)
        return value

    def slug(self, key: str, default: str | None = None) -> str:
        value = self.text(key, required=default is None, limit=64) or default or ""
        if value and not SLUG.match(value):
            self.problem(f"{key} 只能由小写英文字母、数字和连字符组成：{value}", key=key)
        elif len(value) > 64:
            self.problem(f"{key} 过长（{len(value)} 个字符，最多 64 个）：{value}", key=key)
        return value

    def hours(self, key: str = "hours") -> Decimal:
        value = self.meta.get(key)
        if value is None:
            self.problem(f"缺少必填字段 {key}（学时）。")
            return Decimal(0)
        try:
            if isinstance(value, bool):
                raise InvalidOperation
            hours = Decimal(str(value))
        except InvalidOperation:
            self.problem(f"学时 {key} 应为数字，例如 1 或 0.5：{value}", key=key)
            return Decimal(0)
        if hours < 0 or hours > 1000 or hours != hours.quantize(Decimal("0.1")):
            self.problem(f"学时 {key} 应为 0 到 1000 之间、最多一位小数的数：{value}", key=key)
            return Decimal(0)
        return hours

    def calendar_date(self, key: str) -> date | None:
        value = self.meta.get(key)
        if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
            return value
        self.problem(f"{key} 应为日期，写作 2026-12-31：{value}", key=key)
        return None

    def names(self, key: str) -> list[str]:
        value = self.meta.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.problem(f"字段 {key} 应为用户名列表，例如 [jiaoyuan]。", key=key)
            return []
        return [v.strip() for v in value]

    def integer(self, key: str, default: int, minimum: int = 0) -> int:
        value = self.meta.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            self.problem(f"字段 {key} 应为不小于 {minimum} 的整数：{value}", key=key)
            return default
        return value

    def choice(self, key: str, options: set[str], default: str | None = None) -> str:
        value = self.meta.get(key, default)
        if value not in options:
            self.problem(f"字段 {key} 只能是 {'、'.join(sorted(options))} 之一：{value}", key=key)
            return default or sorted(options)[0]
        return value


def read_themes(root: Path) -> list[ThemeSource]:
    """Read content/themes.yml, the ordered list of 专题."""
    path = root / "themes.yml"
    name = f"{root.name}/themes.yml"
    if not path.exists():
        raise SourceError([Problem(name, None, "缺少专题列表文件 themes.yml。")])
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise SourceError([Problem(name, None, "文件不是 UTF-8 编码。")]) from None
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise SourceError([Problem(name, line, f"不是合法的 YAML（{exc.problem}）。")]) from None
    if not isinstance(data, list):
        raise SourceError([Problem(name, 1, "应为专题列表，每项包含 slug、title、summary。")])
    themes, problems, seen = [], [], set()
    for position, (item, item_node) in enumerate(zip(data, node.value, strict=True)):
        line = item_node.start_mark.line + 1
        if not isinstance(item, dict) or not item.get("slug") or not item.get("title"):
            problems.append(Problem(name, line, "每个专题都需要 slug 和 title。"))
            continue
        slug, title = str(item["slug"]), str(item["title"])
        if not SLUG.match(slug) or len(slug) > 64 or slug in seen:
            problems.append(Problem(name, line, f"专题 slug 不合法、过长或重复：{slug}"))
            continue
        if len(title) > 100 or len(str(item.get("summary", ""))) > 300:
            problems.append(Problem(name, line, "专题标题最多 100 字，简介最多 300 字。"))
            continue
        seen.add(slug)
        themes.append(ThemeSource(slug, title, str(item.get("summary", "")), position))
    if problems:
        raise SourceError(problems)
    return themes


def read_course(folder: Path, root: Path, themes: set[str], max_media_bytes: int) -> CourseSource:
    """Read and check one course folder; raise SourceError listing every problem found."""
    course_path = folder / "course.md"
    if not course_path.exists():
        raise SourceError([Problem(f"{root.name}/{folder.name}", None, "缺少课程文件 course.md。")])
    cf = _File(course_path, root)
    course = CourseSource(
        folder=folder,
        slug="",
        title="",
        theme="",
        hours=Decimal(0),
        position=0,
        status="draft",
        summary="",
        body=cf.body,
    )
    if cf.meta:
        cf.check_keys(COURSE_KEYS)
        course.slug = cf.slug("slug")
        course.title = cf.text("title")
        course.theme = cf.text("theme", limit=64)
        if course.theme and course.theme not in themes:
            cf.problem(f"专题 {course.theme} 不在 themes.yml 中。", key="theme")
        course.hours = cf.hours()
        course.position = cf.integer("order", 0)
        course.status = cf.choice("status", {"draft", "published", "archived"})
        course.summary = cf.text("summary", required=False, limit=300)
        course.instructors = cf.names("instructors") if "instructors" in cf.meta else None
        course.instructors_at = (cf.name, cf.lines.get("instructors"))
        course.deadline = cf.calendar_date("deadline")
        course.certificate = cf.meta.get("certificate", False)
        if not isinstance(course.certificate, bool):
            cf.problem("字段 certificate 只能是 true 或 false。", key="certificate")
            course.certificate = False
    problems = list(cf.problems)

    lesson_files = sorted(
        (p for p in folder.glob("*.md") if p.name != "course.md"), key=_lesson_order
    )
    if not lesson_files:
        problems.append(Problem(cf.name, None, "课程没有任何课时文件（NN-英文名.md）。"))
    seen_slugs: dict[str, str] = {}
    finished_modules: set[str] = set()
    for path in lesson_files:
        lesson, lesson_problems, name = _read_lesson(path, root, folder, max_media_bytes)
        problems += lesson_problems
        if lesson is None:
            continue
        if lesson.slug in seen_slugs:
            problems.append(
                Problem(name, None, f"课时 slug {lesson.slug} 与 {seen_slugs[lesson.slug]} 重复。")
            )
        seen_slugs[lesson.slug] = path.name
        current = course.lessons[-1].module if course.lessons else None
        if lesson.module != current:
            if lesson.module in finished_modules:
                problems.append(Problem(name, None, f"单元“{lesson.module}”的课时应当相邻排列。"))
            if current is not None:
                finished_modules.add(current)
        course.lessons.append(lesson)

    total = sum((les.hours for les in course.lessons), Decimal(0))
    if not problems and total != course.hours:
        problems.append(
            Problem(
                cf.name,
                cf.lines.get("hours"),
                f"课程学时 {course.hours} 与各课时学时之和 {total} 不一致。",
            )
        )
    if problems:
        raise SourceError(problems)
    return course


def _lesson_order(path: Path) -> tuple[int, str]:
    """Lessons sort by their number (2 before 10); misnamed files last, to be reported."""
    match = LESSON_FILE.match(path.name)
    return (int(match.group(1)) if match else 10_000, path.name)


def _read_lesson(
    path: Path, root: Path, folder: Path, max_media_bytes: int
) -> tuple[LessonSource | None, list[Problem], str]:
    lf = _File(path, root)
    match = LESSON_FILE.match(path.name)
    if not match:
        lf.problem("课时文件名应为“序号-英文名.md”，例如 01-eight-duties.md。", line=None)
        return None, lf.problems, lf.name
    if not lf.meta:
        return None, lf.problems, lf.name
    lf.check_keys(LESSON_KEYS)
    kind = lf.choice("kind", {"text", "video", "document"}, default="text")
    required = lf.meta.get("required", True)
    if not isinstance(required, bool):
        lf.problem("字段 required 只能是 true 或 false。", key="required")
    minutes = lf.meta.get("min_minutes")
    if minutes is not None and (
        not isinstance(minutes, int | float) or isinstance(minutes, bool) or not 0 <= minutes <= 600
    ):
        lf.problem(f"字段 min_minutes 应为 0 到 600 之间的数：{minutes}", key="min_minutes")
        minutes = None
    lesson = LessonSource(
        slug=lf.slug("slug", default=match.group(2)),
        title=lf.text("title"),
        module=lf.text("module", limit=200),
        hours=lf.hours(),
        kind=kind,
        body=lf.body,
        position=int(match.group(1)),
        required=required is not False,
        min_seconds=None if minutes is None else round(minutes * 60),
    )
    if kind == "text":
        if "file" in lf.meta:
            lf.problem("图文课时不需要 file 字段。", key="file")
        if not lesson.body.strip():
            lf.problem("图文课时的正文不能为空。", line=None)
    else:
        lesson.media, lesson.media_type = _media(lf, folder, kind, max_media_bytes)
        if lesson.media:
            lesson.media_digest = _file_digest(lesson.media)
    return lesson, lf.problems, lf.name


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def course_digest(course: CourseSource) -> str:
    """A digest of what a course folder says, not of how it is written: comments, quoting, key
    order, folder and media file names leave it alone; anything an import would apply changes it."""
    lessons = [
        [
            les.slug,
            les.title,
            les.module,
            str(les.hours.quantize(Decimal("0.1"))),
            les.kind,
            les.body,
            les.position,
            les.required,
            les.min_seconds,
            les.media_digest,
            les.media_type,
        ]
        for les in course.lessons
    ]
    said = [
        course.slug,
        course.title,
        course.theme,
        str(course.hours.quantize(Decimal("0.1"))),
        course.position,
        course.status,
        course.summary,
        course.body,
        # The database keeps who the instructors are, not in which order the file named them.
        None if course.instructors is None else sorted(course.instructors),
        course.deadline.isoformat() if course.deadline else None,
        lessons,
        # Only when set, so that the digests of courses that give none stay as they were.
        *(["certificate"] if course.certificate else []),
    ]
    text = json.dumps(said, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_MAGIC = {
    "application/pdf": lambda head: head.startswith(b"%PDF-"),
    "video/mp4": lambda head: head[4:8] == b"ftyp",
    "video/webm": lambda head: head.startswith(b"\x1a\x45\xdf\xa3"),
}


def _media(lf: _File, folder: Path, kind: str, max_bytes: int) -> tuple[Path | None, str | None]:
    name = lf.text("file", limit=10_000)
    if not name:
        return None, None
    if len(name) > MAX_PATH:
        lf.problem(f"file 路径过长（{len(name)} 个字符，最多 {MAX_PATH} 个）。", key="file")
        return None, None
    candidate = (folder / name).resolve()
    if not candidate.is_relative_to(folder.resolve()):
        lf.problem(f"file 必须位于课程文件夹之内：{name}", key="file")
        return None, None
    types = MEDIA_TYPES[kind]
    media_type = types.get(candidate.suffix.lower())
    if media_type is None:
        lf.problem(
            f"{'视频' if kind == 'video' else '文档'}文件只支持 {'、'.join(types)}：{name}",
            key="file",
        )
        return None, None
    if not candidate.is_file():
        lf.problem(f"找不到文件：{name}", key="file")
        return None, None
    size = candidate.stat().st_size
    if size > max_bytes:
        lf.problem(
            f"文件过大（{size / 1_048_576:.1f} MB，最多 {max_bytes / 1_048_576:.1f} MB）：{name}",
            key="file",
        )
        return None, None
    with candidate.open("rb") as fh:
        head = fh.read(16)
    if not _MAGIC[media_type](head):
        lf.problem(f"文件内容与扩展名不符，不是有效的 {candidate.suffix} 文件：{name}", key="file")
        return None, None
    return candidate, media_type
