"""A city-scale data set for benchmarks: ``flask demo generate --members N [--seed S]``.

At ``--members 112000`` it builds the city of the reports issue: a city committee, 10 districts,
about 120 townships, about 2,500 branches (≈45 members each), a floating-members work committee
with about 40 out-of-town branches, 8,618 floating members (7.7 %), 40 published courses of
8 lessons and about 3 million lesson completions this year. Everything scales with N.

The study records are exactly what ``complete_lesson`` would have written, member by member:
lesson and course completions, one archive entry per lesson (1 学时) and per course (0 学时),
and the precomputed course and year progress. They go in with Core ``executemany`` in batches,
one commit per batch, so the full set takes minutes rather than hours. Accounts have no
password (nobody can log in with them) so that no time goes into hashing 112,000 passwords.

The same seed gives the same tree, members and study pattern; completion times are spread
over the local year up to the moment of the run.
"""

from __future__ import annotations

import bisect
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Table, func, insert, select, text

from school.archive.models import ArchiveEntry, CourseProgress, YearProgress
from school.auth.models import User
from school.clock import local_zone
from school.courses.models import (
    Course,
    CourseCompletion,
    Lesson,
    LessonCompletion,
    Module,
    Theme,
)
from school.db import db, utcnow
from school.orgs.models import Organisation

CITY_NAME = "江川"
CITY_CODE = "JC"
CITY_MEMBERS = 112_000
CITY_FLOATING = 8_618
MEMBERS_PER_BRANCH = 44.8
OUTBOUND_SHARE = 40 / 2_500
BATCH = 20_000
LESSONS_PER_COURSE = 8

DISTRICTS = [
    "东城区委",
    "西城区委",
    "南湖区委",
    "北山区委",
    "江北区委",
    "江南区委",
    "河西县委",
    "青山县委",
    "临江县委",
    "白石县委",
]
# Two-character place names, run together.
_PLACE_CHARS = (
    "城关新华人民解放东风红旗胜利和平光明前进长安永安太平福兴金山银河石桥柳林桃园梅岭"
    "竹溪松涛枫林杏花荷塘兰亭凤凰龙泉虎山鹤鸣清水白沙黄土青石红岩绿洲紫荆碧波明珠新村"
    "高桥大坪小河上塘下湾中和双河三江四方五里六合七星八角九龙十里百花千秋万福安宁吉祥"
    "如意丰收富民兴业振兴团结友谊文明和谐幸福康乐平安顺达"
)
PLACES = [_PLACE_CHARS[i : i + 2] for i in range(0, len(_PLACE_CHARS), 2)]
OUTBOUND_CITIES = [
    "深圳",
    "广州",
    "上海",
    "杭州",
    "北京",
    "苏州",
    "宁波",
    "温州",
    "东莞",
    "佛山",
    "厦门",
    "福州",
    "南京",
    "无锡",
    "天津",
    "武汉",
    "成都",
    "重庆",
    "西安",
    "长沙",
    "郑州",
    "青岛",
    "济南",
    "合肥",
    "南昌",
    "昆明",
    "贵阳",
    "南宁",
    "海口",
    "沈阳",
    "大连",
    "长春",
    "哈尔滨",
    "石家庄",
    "太原",
    "乌鲁木齐",
    "兰州",
    "呼和浩特",
    "珠海",
    "中山",
]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
MALE_CHARS = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宁健建国志海峰亮东文俊林成龙德荣兴福永庆振春"
FEMALE_CHARS = "芳娜敏静丽艳娟霞燕玲桂英秀兰红梅琳雪莉萍婷慧颖洁倩琴云凤珍佳月春文华玉晓欣悦丹美"
FLOW_REASONS = ["外出务工", "经商办企业", "外出务工", "随迁家属", "外出就学", "经商办企业"]

THEMES = [
    (
        "rights-duties",
        "党员权利义务",
        [
            "党章学习",
            "党员的权利",
            "党员的义务",
            "组织生活",
            "党内监督",
            "党的纪律",
            "入党誓词",
            "党费交纳",
        ],
    ),
    (
        "service",
        "服务发展",
        [
            "民资回归",
            "家乡发展",
            "招商引资",
            "乡村振兴",
            "创业指导",
            "企业党建",
            "商会工作",
            "营商环境",
        ],
    ),
    (
        "ethics",
        "职业道德",
        [
            "诚信经营",
            "劳动者权益",
            "安全生产",
            "职业操守",
            "法律常识",
            "合同与纠纷",
            "环境保护",
            "廉洁自律",
        ],
    ),
    (
        "hometown",
        "爱国爱乡",
        [
            "家乡历史",
            "红色故事",
            "乡贤风采",
            "民族团结",
            "传统文化",
            "家风建设",
            "志愿服务",
            "乡情联络",
        ],
    ),
    (
        "honour",
        "践行社会主义荣辱观",
        [
            "八荣八耻",
            "文明新风",
            "诚实守信",
            "团结互助",
            "艰苦奋斗",
            "遵纪守法",
            "崇尚科学",
            "辛勤劳动",
        ],
    ),
]
LESSON_PARTS = [
    "学习导读",
    "基本要求",
    "理论要点",
    "政策解读",
    "案例分析",
    "实践要求",
    "常见问题",
    "学习小结",
]
# Courses that are a compulsory campaign (集中教育), with a deadline this year (month, day).
CAMPAIGNS = {0: (6, 30), 9: (9, 30), 18: (12, 31)}


class AlreadyGenerated(ValueError):
    """The database already holds members (or an earlier generated city)."""


@dataclass
class Stats:
    organisations: int = 0
    branches: int = 0
    outbound_branches: int = 0
    members: int = 0
    floating: int = 0
    cadres: int = 0
    courses: int = 0
    lessons: int = 0
    lesson_completions: int = 0
    course_completions: int = 0
    archive_entries: int = 0
    course_progress: int = 0
    year_progress: int = 0
    seconds: float = 0.0
    steps: dict[str, float] = field(default_factory=dict)


class _Writer:
    """Buffers rows per table and inserts them in batches, one commit per batch."""

    def __init__(self, batch: int) -> None:
        self.batch = batch
        self.rows: dict[Table, list[dict]] = {}
        self.counts: dict[str, int] = {}

    def add(self, table: Table, row: dict) -> None:
        rows = self.rows.setdefault(table, [])
        rows.append(row)
        if len(rows) >= self.batch:
            self.flush(table)

    def flush(self, table: Table | None = None) -> None:
        for tab in [table] if table is not None else list(self.rows):
            rows = self.rows.get(tab)
            if rows:
                db.session.execute(insert(tab), rows)
                db.session.commit()
                self.counts[tab.name] = self.counts.get(tab.name, 0) + len(rows)
                self.rows[tab] = []


def _shape(members: int) -> tuple[int, int, int, int]:
    """Districts, townships, regular branches and out-of-town branches for ``members``."""
    total = max(4, round(members / MEMBERS_PER_BRANCH))
    outbound = max(2, round(total * OUTBOUND_SHARE))
    outbound = min(outbound, len(OUTBOUND_CITIES))
    regular = max(2, total - outbound)
    districts = min(len(DISTRICTS), max(2, regular // 12))
    townships = max(districts, round(regular / 20.5))
    return districts, townships, regular, outbound


def _spread(total: int, parts: int, rng: random.Random) -> list[int]:
    """Split ``total`` into ``parts`` positive counts of varying size (each at least 1)."""
    weights = [rng.uniform(0.5, 1.5) for _ in range(parts)]
    scale = (total - parts) / sum(weights)
    counts = [1 + int(w * scale) for w in weights]
    for i in range(total - sum(counts)):
        counts[i % parts] += 1
    return counts


def _orgs(members: int, rng: random.Random) -> tuple[Organisation, list, list]:
    """The tree: city → districts → townships → branches, and the work committee abroad."""
    n_districts, n_townships, n_regular, n_outbound = _shape(members)
    now = utcnow()

    def add_level(rows: list[tuple[str, str, Organisation | None, str, str]]) -> list:
        orgs = [
            Organisation(name=name, kind=kind, parent=parent, city=city, code=code, created_at=now)
            for name, kind, parent, city, code in rows
        ]
        db.session.add_all(orgs)
        db.session.flush()
        for org in orgs:
            org.path = f"{org.parent.path if org.parent else '/'}{org.id}/"
        db.session.flush()
        return orgs

    (city,) = add_level([(f"{CITY_NAME}市委", "city", None, CITY_NAME, CITY_CODE)])
    districts = add_level(
        [
            (DISTRICTS[d], "district", city, CITY_NAME, f"{CITY_CODE}{d + 1:02d}")
            for d in range(n_districts)
        ]
    )
    township_rows = []
    per_district = _spread(n_townships, n_districts, rng)
    for district, count in zip(districts, per_district, strict=True):
        names = rng.sample(PLACES, min(count, len(PLACES)))
        for t in range(count):
            place = names[t] if t < len(names) else f"第{t + 1}"
            kind_name = "街道党工委" if district.name.endswith("区委") else "镇党委"
            township_rows.append(
                (
                    f"{place}{kind_name}",
                    "township",
                    district,
                    CITY_NAME,
                    f"{district.code}{t + 1:02d}",
                )
            )
    townships = add_level(township_rows)
    branch_rows = []
    per_township = _spread(n_regular, len(townships), rng)
    for township, count in zip(townships, per_township, strict=True):
        street = township.name.endswith("街道党工委")
        names = rng.sample(PLACES, min(count, len(PLACES)))
        for b in range(count):
            place = names[b] if b < len(names) else f"第{b + 1}"
            suffix = ("社区党支部" if b % 3 else "机关党支部") if street else "村党支部"
            branch_rows.append(
                (f"{place}{suffix}", "branch", township, CITY_NAME, f"{township.code}{b + 1:03d}")
            )
    branches = add_level(branch_rows)
    (committee,) = add_level(
        [
            (
                f"{CITY_NAME}市驻外流动党员工作委员会",
                "work_committee",
                city,
                CITY_NAME,
                f"{CITY_CODE}LD",
            )
        ]
    )
    outbound = add_level(
        [
            (
                f"驻{place}流动党员党支部",
                "outbound_branch",
                committee,
                place,
                f"{CITY_CODE}LD{i + 1:03d}",
            )
            for i, place in enumerate(OUTBOUND_CITIES[:n_outbound])
        ]
    )
    db.session.commit()
    return city, branches, outbound


def _name(rng: random.Random, male: bool) -> str:
    chars = MALE_CHARS if male else FEMALE_CHARS
    given = rng.choice(chars) + (rng.choice(chars) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def _members(
    members: int, branches: list, outbound: list, rng: random.Random, writer: _Writer
) -> list[tuple[int, bool]]:
    """Insert the members; returns (membership number index, is_cadre) in insertion order."""
    n_floating = round(members * CITY_FLOATING / CITY_MEMBERS)
    floating = set(rng.sample(range(members), n_floating))
    sizes = _spread(members, len(branches), rng)
    homes = [branch for branch, size in zip(branches, sizes, strict=True) for _ in range(size)]
    # Larger cities draw more members: 深圳, 广州, 上海 ... host the most.
    out_weights = [1 / (i + 3) for i in range(len(outbound))]
    district_of = {b.id: b.path.split("/")[2] for b in branches}
    single_district = len(set(district_of.values())) < 2
    today = date.today()
    now = utcnow()
    table = User.__table__
    people = []
    for i in range(members):
        home = homes[i]
        male = rng.random() < 0.68
        cadre = rng.random() < 0.10
        number = f"{CITY_CODE}{i + 1:07d}"
        row = {
            "username": number,
            "name": _name(rng, male),
            "password_hash": "",
            "role": "member",
            "is_cadre": cadre,
            "home_org_id": home.id,
            "host_org_id": None,
            "active": True,
            "must_change_password": False,
            "created_at": now,
            "membership_no": number,
            "gender": "male" if male else "female",
            "phone": f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}",
            "joined_party_on": date(rng.randint(1975, today.year - 1), rng.randint(1, 12), 1)
            + timedelta(days=rng.randrange(28)),
            "is_floating": False,
            "current_city": CITY_NAME,
            "flowed_out_on": None,
            "flow_reason": None,
            "certificate_no": None,
            "photo_name": None,
        }
        if i in floating:
            if rng.random() < 0.8 or single_district:
                host = rng.choices(outbound, out_weights)[0]
            else:
                host = rng.choice(branches)
                while district_of[host.id] == district_of[home.id]:
                    host = rng.choice(branches)
            row.update(
                is_floating=True,
                host_org_id=host.id,
                current_city=host.city,
                flowed_out_on=today - timedelta(days=rng.randint(30, 8 * 365)),
                flow_reason=rng.choice(FLOW_REASONS),
                certificate_no=f"LD{i + 1:07d}",
            )
        writer.add(table, row)
        people.append((i, cadre))
    writer.flush()
    return people


def _courses() -> list[tuple[Course, list[Lesson]]]:
    """40 published courses of 8 lessons (1 学时 each) in five themes; three are campaigns."""
    now = utcnow()
    year = datetime.now(local_zone()).year
    themes = []
    for position, (slug, title, _) in enumerate(THEMES):
        theme = Theme(slug=f"{CITY_CODE.lower()}-{slug}", title=title, position=position)
        themes.append(theme)
    db.session.add_all(themes)
    db.session.flush()
    courses = []
    for n in range(40):
        t = n % len(THEMES)
        topic = THEMES[t][2][n // len(THEMES)]
        course = Course(
            slug=f"{CITY_CODE.lower()}-course-{n + 1:02d}",
            title=f"{topic}专题",
            summary=f"{THEMES[t][1]}专题教育：{topic}。",
            body_md=f"本课程共 {LESSONS_PER_COURSE} 讲，每讲 1 学时。",
            theme_id=themes[t].id,
            hours=LESSONS_PER_COURSE,
            position=n,
            status="published",
            deadline=date(year, *CAMPAIGNS[n]) if n in CAMPAIGNS else None,
            created_at=now,
            updated_at=now,
        )
        module = Module(course=course, title="课程内容", position=0)
        lessons = [
            Lesson(
                course=course,
                module=module,
                slug=f"lesson-{k + 1}",
                title=f"第{k + 1}讲 {LESSON_PARTS[k]}",
                kind="text",
                body_md=f"{topic}：{LESSON_PARTS[k]}。",
                hours=1,
                position=k,
                required=True,
            )
            for k in range(LESSONS_PER_COURSE)
        ]
        db.session.add_all([course, module, *lessons])
        courses.append((course, lessons))
    db.session.flush()
    db.session.commit()
    return courses


def _lesson_count(rng: random.Random, total_lessons: int) -> int:
    """How many lessons one member studied: some none, most partway, a few everything."""
    roll = rng.random()
    if roll < 0.08:
        return 0
    if roll < 0.10:
        return total_lessons
    return min(total_lessons - 1, max(1, int(rng.gammavariate(1.6, 22.7 / 1.6))))


def _study(
    member_ids: list[int],
    courses: list[tuple[Course, list[Lesson]]],
    rng: random.Random,
    writer: _Writer,
    say: Callable[[str], None],
) -> None:
    """Lesson and course completions, archive entries and progress, as the app writes them."""
    zone = local_zone()
    now = utcnow()
    year = now.astimezone(zone).year
    starts = [datetime(year, m, 1, tzinfo=zone).timestamp() for m in range(1, 13)]
    first, last = starts[0], now.timestamp() - 60
    total_lessons = len(courses) * LESSONS_PER_COURSE
    # Campaign courses come first more often; a few hundred orders are enough variety.
    weights = [4.0 if c.deadline else 1.0 for c, _ in courses]
    orders = [
        sorted(range(len(courses)), key=lambda i, r=rng: -(r.random() ** (1 / weights[i])))
        for _ in range(512)
    ]
    lc, cc, ae = LessonCompletion.__table__, CourseCompletion.__table__, ArchiveEntry.__table__
    cp, yp = CourseProgress.__table__, YearProgress.__table__
    step = max(1, len(member_ids) // 10)
    for n, member_id in enumerate(member_ids):
        if n and n % step == 0:
            say(f"  学习记录：已完成 {n}/{len(member_ids)} 名党员")
        k = _lesson_count(rng, total_lessons)
        if not k:
            continue
        stamps = sorted(rng.uniform(first, last) for _ in range(k))
        months = [0] * 12
        done_courses = 0
        pos = 0
        order = orders[rng.randrange(len(orders))]
        for place, index in enumerate(order):
            if pos >= k:
                break
            course, lessons = courses[index]
            take = LESSONS_PER_COURSE if rng.random() < 0.8 else rng.randint(1, 7)
            # Leave no lesson unplaced: the courses still to come must hold the rest.
            if k - pos - take > (len(order) - place - 1) * LESSONS_PER_COURSE:
                take = LESSONS_PER_COURSE
            take = min(take, k - pos)
            started = None
            when = None
            for lesson in lessons[:take]:
                ts = stamps[pos]
                pos += 1
                when = datetime.fromtimestamp(ts, UTC)
                started = started or when
                months[bisect.bisect_right(starts, ts) - 1] += 1
                writer.add(lc, {"user_id": member_id, "lesson_id": lesson.id, "completed_at": when})
                writer.add(ae, _entry(member_id, "lesson", lesson.title, course, 1, when, lesson))
            finished = when if take == LESSONS_PER_COURSE else None
            if finished is not None:
                done_courses += 1
                writer.add(
                    cc, {"user_id": member_id, "course_id": course.id, "completed_at": finished}
                )
                writer.add(ae, _entry(member_id, "course", course.title, course, 0, finished))
            writer.add(
                cp,
                {
                    "member_id": member_id,
                    "course_id": course.id,
                    "lessons_done": take,
                    "started_at": started,
                    "completed_at": finished,
                },
            )
        row = {f"m{m + 1}": months[m] for m in range(12)}
        row.update(
            member_id=member_id,
            year=year,
            hours=k,
            courses_completed=done_courses,
            last_activity_at=datetime.fromtimestamp(stamps[-1], UTC),
        )
        writer.add(yp, row)
    writer.flush()


def _entry(
    member_id: int,
    kind: str,
    title: str,
    course: Course,
    hours: int,
    when: datetime,
    lesson: Lesson | None = None,
) -> dict:
    return {
        "member_id": member_id,
        "kind": kind,
        "source": "online",
        "title": title,
        "course_title": course.title,
        "hours": hours,
        "score": None,
        "max_score": None,
        "passed": None,
        "course_id": course.id,
        "lesson_id": lesson.id if lesson else None,
        "dedupe_key": f"lesson:{lesson.id}" if lesson else f"course:{course.id}",
        "completed_at": when,
        "recorded_at": when,
        "recorded_by_id": None,
    }


def generate(
    members: int = CITY_MEMBERS,
    seed: int = 2026,
    *,
    force: bool = False,
    batch: int = BATCH,
    say: Callable[[str], None] = print,
) -> Stats:
    """Build the city data set; refuses a database that already has members unless forced."""
    if members < 20:
        raise ValueError("党员人数至少为 20。")
    existing = db.session.scalar(select(func.count(User.id)))
    if existing and not force:
        raise AlreadyGenerated(
            f"数据库里已有 {existing} 个账号。为保护真实数据，不生成演示数据"
            "（确需生成请加 --force）。"
        )
    if db.session.scalar(select(Organisation.id).where(Organisation.code == CITY_CODE)):
        raise AlreadyGenerated(f"数据库里已有组织代码为 {CITY_CODE} 的市委：城市数据已生成过。")
    rng = random.Random(seed)  # noqa: S311 - reproducible fake data, not secrets
    stats = Stats()
    started = time.perf_counter()
    writer = _Writer(batch)

    def step(label: str, action: Callable[[], object]) -> object:
        say(f"{label}……")
        t0 = time.perf_counter()
        result = action()
        stats.steps[label] = time.perf_counter() - t0
        say(f"  {label}完成，用时 {stats.steps[label]:.1f} 秒")
        return result

    city, branches, outbound = step("建立党组织", lambda: _orgs(members, rng))
    people = step("写入党员", lambda: _members(members, branches, outbound, rng, writer))
    member_ids = list(
        db.session.scalars(
            select(User.id)
            .where(User.membership_no.like(f"{CITY_CODE}%"), User.role == "member")
            .order_by(User.membership_no)
        )
    )
    courses = step("建立课程", _courses)
    step("写入学习记录", lambda: _study(member_ids, courses, rng, writer, say))
    step("更新统计信息", _analyze)

    counts = writer.counts
    stats.organisations = db.session.scalar(
        select(func.count(Organisation.id)).where(Organisation.path.startswith(city.path))
    )
    stats.branches, stats.outbound_branches = len(branches), len(outbound)
    stats.members = counts.get("users", 0)
    stats.floating = round(members * CITY_FLOATING / CITY_MEMBERS)
    stats.cadres = sum(1 for _, cadre in people if cadre)
    stats.courses, stats.lessons = len(courses), len(courses) * LESSONS_PER_COURSE
    stats.lesson_completions = counts.get("lesson_completions", 0)
    stats.course_completions = counts.get("course_completions", 0)
    stats.archive_entries = counts.get("archive_entries", 0)
    stats.course_progress = counts.get("course_progress", 0)
    stats.year_progress = counts.get("year_progress", 0)
    stats.seconds = time.perf_counter() - started
    say(
        f"完成：{stats.organisations} 个党组织（{stats.branches} 个党支部、"
        f"{stats.outbound_branches} 个驻外党支部），{stats.members} 名党员（流动党员 "
        f"{stats.floating} 名），{stats.courses} 门课程，"
        f"{stats.lesson_completions} 条课时学习记录，"
        f"{stats.course_completions} 门次课程完成，{stats.archive_entries} 条档案记录；"
        f"用时 {stats.seconds:.0f} 秒。"
    )
    return stats


def _analyze() -> None:
    # Fresh planner statistics: right after a bulk load PostgreSQL would otherwise guess badly.
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()
