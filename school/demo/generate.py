"""A city-scale data set for benchmarks: ``flask demo generate --members N [--seed S]``.

At ``--members 112000`` it builds the city of the reports issue: a city committee, 10 districts,
about 120 townships, about 2,500 branches (≈45 members each), a floating-members work committee
with about 40 out-of-town branches, 8,618 floating members (7.7 %), 40 published courses of
8 lessons and about 3 million lesson completions this year. Everything scales with N.

The study records are exactly what ``complete_lesson`` would have written, member by member:
lesson and course completions, one archive entry per lesson (1 学时) and per course (0 学时),
and the precomputed course and year progress (added up while generating, never read back).

Bulk load, under a minute at 112,000 members (see bench/RESULTS.md):

- Rows are plain tuples written through the driver inside the session's transaction:
  ``COPY ... FROM STDIN`` on PostgreSQL, one prepared INSERT per table with ``executemany`` on
  SQLite. Timestamps are formatted once per completion.
- Completions are staged as (member, item, time) in a temporary table; the database writes the
  lesson and course completions and the archive entries from it with ``INSERT ... SELECT``.
- A writer thread puts one batch in while the next is generated.
- The report rollups are filled once at the end by ``archive.rollups.rebuild``: the database
  groups the members by organisations and status, so it costs seconds, not a pass per member.
- The study tables' secondary indexes (on PostgreSQL also their keys and foreign keys) are
  dropped for the load and recreated from the definitions read from the database, so the schema
  afterwards is what the migrations made. The study records, the drop and the rebuild are
  one transaction, so a failed load never leaves a table without its indexes (the
  organisations and members are committed before it). SQLite gets a 1 GiB page cache
  meanwhile, then its own back.

Members have no password (nobody logs in as them): no time goes into hashing 112,000
passwords. To look around, the command makes an administrator and secretaries of each
district, of the largest branch and of the out-of-town branch hosting the most floating
members, and prints their usernames and their one random password once.

The same seed gives the same tree, members and study pattern; completion times are spread
over the local year up to the moment of the run.
"""

from __future__ import annotations

import bisect
import random
import secrets
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select, text

from school.archive import rollups
from school.archive.models import MONTHS
from school.auth.models import User
from school.auth.names import name_key
from school.auth.passwords import hash_password
from school.clock import local_zone
from school.courses.models import (
    Course,
    Lesson,
    Module,
    Theme,
)
from school.db import db, utcnow
from school.orgs.models import Organisation, StaffGrant

CITY_NAME = "江川"
CITY_CODE = "JC"
CITY_MEMBERS = 112_000
CITY_FLOATING = 8_618
MEMBERS_PER_BRANCH = 44.8
OUTBOUND_SHARE = 40 / 2_500
BATCH = 50_000
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
# The login accounts' password: easy to type, no 0/O, 1/l/I.
PASSWORD_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"  # noqa: S105


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
    rollups: int = 0
    logins: list[str] = field(default_factory=list)
    seconds: float = 0.0
    steps: dict[str, float] = field(default_factory=dict)


class _Loader:
    """Writes plain tuples straight through the driver, inside the session's transaction.

    PostgreSQL gets ``COPY ... FROM STDIN``, SQLite one prepared INSERT per table through
    ``executemany``. Callers append rows to the lists ``table`` hands out and call ``flush``.
    Timestamps are passed as text: SQLAlchemy's SQLite format (naive UTC with microseconds) or,
    for PostgreSQL, the same with its ``+00:00`` offset.
    """

    def __init__(self) -> None:
        connection = db.session.connection()
        self.postgres = connection.dialect.name == "postgresql"
        self.raw = connection.connection.driver_connection
        # How much of an ISO timestamp ("2026-03-01 08:00:00.000000+00:00") a column takes.
        self.tail = None if self.postgres else 26
        self.columns: dict[str, tuple[str, ...]] = {}
        self.rows: dict[str, list[tuple]] = {}
        self.counts: dict[str, int] = {}
        # Study events (member, item, when), staged and expanded by the database: see ``stage``.
        self.events: list[tuple] = []
        # One batch goes to the database in this thread while the next one is generated: the
        # drivers let go of the GIL while the database works.
        self.writer = ThreadPoolExecutor(1, thread_name_prefix="demo-loader")
        self.writing: Future | None = None

    def table(self, name: str, columns: tuple[str, ...]) -> list[tuple]:
        self.columns[name] = columns
        return self.rows.setdefault(name, [])

    def stamp(self, moment: datetime) -> str:
        return moment.astimezone(UTC).isoformat(" ", "microseconds")[: self.tail]

    def stage(self, items: list[tuple]) -> list[tuple]:
        """Start staging study events; returns the list to append (member, item, when) to.

        ``items`` are (id, kind, title, course title, hours, course id, lesson id, archive key):
        each lesson and each course once. An event is one completion of an item; ``flush``
        copies the events into a temporary table and the database writes the lesson and course
        completions and the archive entries from there, in event order. The database does
        that in C: far cheaper than passing eleven values per archive entry through Python.
        """
        at = "timestamptz" if self.postgres else "TEXT"
        seq = (
            "seq bigint GENERATED ALWAYS AS IDENTITY"
            if self.postgres
            else "seq INTEGER PRIMARY KEY"
        )
        self.execute(
            "CREATE TEMPORARY TABLE demo_items (id INTEGER PRIMARY KEY, kind VARCHAR(20), "
            "title VARCHAR(200), course_title VARCHAR(200), hours INTEGER, course_id INTEGER, "
            "lesson_id INTEGER, dedupe_key VARCHAR(64))"
        )
        self.execute(
            f"CREATE TEMPORARY TABLE demo_events ({seq}, member_id INTEGER, item INTEGER, at {at})"
        )
        self.columns["demo_items"] = ITEM_COLUMNS
        self.rows["demo_items"] = list(items)
        self.columns["demo_events"] = ("member_id", "item", "at")
        self.rows["demo_events"] = self.events
        return self.events

    def unstage(self) -> None:
        self.execute("DROP TABLE demo_events")
        self.execute("DROP TABLE demo_items")
        del self.rows["demo_events"], self.rows["demo_items"]

    def flush(self) -> None:
        """Hand the rows gathered so far to the writer thread (after the previous batch is in)."""
        batch = {name: list(rows) for name, rows in self.rows.items() if rows}
        for rows in self.rows.values():
            rows.clear()
        self.wait()
        if batch:
            self.writing = self.writer.submit(self._write, batch)

    def wait(self) -> None:
        """Wait for the batch being written; its error, if any, is raised here."""
        if self.writing is not None:
            writing, self.writing = self.writing, None
            writing.result()

    def __enter__(self) -> _Loader:
        return self

    def __exit__(self, kind, error, traceback) -> None:
        # On an error the batch being written is waited for but its own outcome set aside.
        self.writer.shutdown(wait=True)
        if error is None:
            self.wait()

    def _write(self, batch: dict[str, list[tuple]]) -> None:
        cursor = self.raw.cursor()
        try:
            for name, rows in batch.items():
                columns = ", ".join(self.columns[name])
                if self.postgres:
                    with cursor.copy(f"COPY {name} ({columns}) FROM STDIN") as copy:
                        write = copy.write_row
                        for row in rows:
                            write(row)
                else:
                    marks = ", ".join("?" * len(self.columns[name]))
                    sql = f"INSERT INTO {name} ({columns}) VALUES ({marks})"  # noqa: S608
                    cursor.executemany(sql, rows)
                self.counts[name] = self.counts.get(name, 0) + len(rows)
            if "demo_events" in batch:
                for name, sql in EXPAND_EVENTS:
                    cursor.execute(sql)
                    self.counts[name] = self.counts.get(name, 0) + cursor.rowcount
                # TRUNCATE on PostgreSQL: deleted rows would stay in the table and be scanned again.
                cursor.execute(f"{'TRUNCATE' if self.postgres else 'DELETE FROM'} demo_events")
        finally:
            cursor.close()

    def execute(self, sql: str, params: tuple = ()) -> list[tuple]:
        self.wait()
        cursor = self.raw.cursor()
        try:
            cursor.execute(sql, params)
            return list(cursor.fetchall()) if cursor.description else []
        finally:
            cursor.close()

    def drop_secondary(self, tables: tuple[str, ...]) -> list[str]:
        """Drop the tables' secondary indexes (on PostgreSQL also their keys and foreign keys)
        for a bulk load; returns the statements, read from the database itself, that put them
        back as they were."""
        if not self.postgres:
            marks = ", ".join("?" * len(tables))
            indexes = self.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' "  # noqa: S608
                f"AND sql IS NOT NULL AND tbl_name IN ({marks}) ORDER BY name",
                tables,
            )
            for name, _ in indexes:
                self.execute(f'DROP INDEX "{name}"')
            return [sql for _, sql in indexes]
        indexes = self.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
            "WHERE t.relname = ANY(%s) AND t.relnamespace = current_schema()::regnamespace "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid) "
            "ORDER BY i.relname",
            (list(tables),),
        )
        # Foreign keys first, then primary keys and unique constraints no foreign key points at.
        constraints = self.execute(
            "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) "
            "FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
            "WHERE t.relname = ANY(%s) AND t.relnamespace = current_schema()::regnamespace "
            "AND (c.contype = 'f' OR c.contype IN ('p', 'u') AND NOT EXISTS ("
            "SELECT 1 FROM pg_constraint r WHERE r.contype = 'f' AND r.conindid = c.conindid)) "
            "ORDER BY c.contype = 'f' DESC, c.conname",
            (list(tables),),
        )
        for table, name, _ in constraints:
            self.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _ in indexes:
            self.execute(f'DROP INDEX "{name}"')
        # Room to sort in memory while the indexes are built again (this transaction only).
        self.execute("SET LOCAL maintenance_work_mem = '512MB'")
        return [sql for _, sql in indexes] + [
            f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
            for table, name, definition in reversed(constraints)
        ]


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


def _orgs(members: int, rng: random.Random) -> tuple[Organisation, list, list, list]:
    """The tree: city → districts → townships → branches, and the work committee abroad;
    returns the city, the districts, the branches and the out-of-town branches."""
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
    return city, districts, branches, outbound


def _name(rng: random.Random, male: bool) -> str:
    chars = MALE_CHARS if male else FEMALE_CHARS
    given = rng.choice(chars) + (rng.choice(chars) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


ITEM_COLUMNS = (
    "id",
    "kind",
    "title",
    "course_title",
    "hours",
    "course_id",
    "lesson_id",
    "dedupe_key",
)
# The rows each staged study event becomes, in event order (the order complete_lesson writes).
_EVENTS = "FROM demo_events e JOIN demo_items i ON i.id = e.item"
EXPAND_EVENTS = (
    (
        "lesson_completions",
        "INSERT INTO lesson_completions (user_id, lesson_id, completed_at) "
        f"SELECT e.member_id, i.lesson_id, e.at {_EVENTS} WHERE i.kind = 'lesson' ORDER BY e.seq",
    ),
    (
        "course_completions",
        "INSERT INTO course_completions (user_id, course_id, completed_at) "
        f"SELECT e.member_id, i.course_id, e.at {_EVENTS} WHERE i.kind = 'course' ORDER BY e.seq",
    ),
    (
        "archive_entries",
        "INSERT INTO archive_entries (member_id, kind, source, title, course_title, hours, "
        "course_id, lesson_id, dedupe_key, completed_at, recorded_at) "
        "SELECT e.member_id, i.kind, 'online', i.title, i.course_title, i.hours, i.course_id, "
        f"i.lesson_id, i.dedupe_key, e.at, e.at {_EVENTS} ORDER BY e.seq",
    ),
)


USER_COLUMNS = (
    "username",
    "name",
    "name_key",
    "password_hash",
    "role",
    "is_cadre",
    "home_org_id",
    "host_org_id",
    "active",
    "must_change_password",
    "created_at",
    "membership_no",
    "gender",
    "phone",
    "joined_party_on",
    "is_floating",
    "current_city",
    "flowed_out_on",
    "flow_reason",
    "certificate_no",
)


def _members(
    members: int, branches: list, outbound: list, rng: random.Random, loader: _Loader
) -> tuple[int, Organisation, Organisation]:
    """Insert the members; returns how many are cadres, the branch with the most members and
    the out-of-town branch hosting the most floating members."""
    n_floating = round(members * CITY_FLOATING / CITY_MEMBERS)
    floating = set(rng.sample(range(members), n_floating))
    sizes = _spread(members, len(branches), rng)
    homes = [branch for branch, size in zip(branches, sizes, strict=True) for _ in range(size)]
    # Larger cities draw more members: 深圳, 广州, 上海 ... host the most.
    out_weights = [1 / (i + 3) for i in range(len(outbound))]
    district_of = {b.id: b.path.split("/")[2] for b in branches}
    single_district = len(set(district_of.values())) < 2
    today = date.today()
    created = loader.stamp(utcnow())
    rows = loader.table("users", USER_COLUMNS)
    hosted: dict[int, int] = {}
    # Generated names repeat: each is spelled in pinyin once.
    keys: dict[str, str] = {}
    cadres = 0
    for i in range(members):
        home = homes[i]
        male = rng.random() < 0.68
        cadre = rng.random() < 0.10
        cadres += cadre
        number = f"{CITY_CODE}{i + 1:07d}"
        name = _name(rng, male)
        phone = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
        joined = date(rng.randint(1975, today.year - 1), rng.randint(1, 12), 1) + timedelta(
            days=rng.randrange(28)
        )
        host_id = flowed = reason = certificate = None
        city = CITY_NAME
        if i in floating:
            if rng.random() < 0.8 or single_district:
                host = rng.choices(outbound, out_weights)[0]
            else:
                host = rng.choice(branches)
                while district_of[host.id] == district_of[home.id]:
                    host = rng.choice(branches)
            host_id, city = host.id, host.city
            hosted[host_id] = hosted.get(host_id, 0) + 1
            flowed = (today - timedelta(days=rng.randint(30, 8 * 365))).isoformat()
            reason = rng.choice(FLOW_REASONS)
            certificate = f"LD{i + 1:07d}"
        if name not in keys:
            keys[name] = name_key(name)
        rows.append(
            (
                number,
                name,
                keys[name],
                "",
                "member",
                cadre,
                home.id,
                host_id,
                True,
                False,
                created,
                number,
                "male" if male else "female",
                phone,
                joined.isoformat(),
                host_id is not None,
                city,
                flowed,
                reason,
                certificate,
            )
        )
    loader.flush()
    loader.wait()
    largest = max(range(len(branches)), key=sizes.__getitem__)
    busiest = max(outbound, key=lambda org: (hosted.get(org.id, 0), -org.id))
    return cadres, branches[largest], busiest


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


STUDY_TABLES = (
    "lesson_completions",
    "course_completions",
    "archive_entries",
    "course_progress",
    "year_progress",
)


def _study(
    member_ids: list[int],
    courses: list[tuple[Course, list[Lesson]]],
    rng: random.Random,
    loader: _Loader,
    batch: int,
    say: Callable[[str], None],
) -> None:
    """Lesson and course completions, archive entries and progress, as the app writes them.

    The progress rows are added up here, member by member, rather than read back: what
    ``complete_lesson`` would have left after each of the member's completions in turn.
    """
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
    # Hours columns hold tenths of a 学时 (see school.db.Hours): a lesson is 10, a course 0.
    lesson_hours, full = 10, LESSONS_PER_COURSE
    # What can be completed, once each: every lesson and every course. Per course: its id, its
    # item and its lessons' items.
    items: list[tuple] = []
    plan = []
    for course, lessons in courses:
        first_item = len(items)
        for lesson in lessons:
            key = f"lesson:{lesson.id}"
            row = ("lesson", lesson.title, course.title, lesson_hours, course.id, lesson.id, key)
            items.append((len(items), *row))
        items.append(
            (
                len(items),
                "course",
                course.title,
                course.title,
                0,
                course.id,
                None,
                f"course:{course.id}",
            )
        )
        plan.append((course.id, range(first_item, len(items) - 1), len(items) - 1))
    events = loader.stage(items)
    cp = loader.table(
        "course_progress", ("member_id", "course_id", "lessons_done", "started_at", "completed_at")
    )
    yp = loader.table(
        "year_progress",
        ("member_id", "year", "hours", *MONTHS, "courses_completed", "last_activity_at"),
    )
    bounds = starts[1:]
    tail = loader.tail
    from_ts = datetime.fromtimestamp
    step = max(1, len(member_ids) // 10)
    for n, member_id in enumerate(member_ids):
        if n and n % step == 0:
            say(f"  学习记录：已完成 {n}/{len(member_ids)} 名党员")
        k = _lesson_count(rng, total_lessons)
        if not k:
            continue
        stamps = sorted(rng.uniform(first, last) for _ in range(k))
        whens = [from_ts(ts, UTC).isoformat(" ", "microseconds")[:tail] for ts in stamps]
        done_courses = 0
        pos = 0
        order = orders[rng.randrange(len(orders))]
        remaining = len(order)
        for index in order:
            if pos >= k:
                break
            remaining -= 1
            course_id, lessons, course_item = plan[index]
            take = full if rng.random() < 0.8 else rng.randint(1, 7)
            # Leave no lesson unplaced: the courses still to come must hold the rest.
            if k - pos - take > remaining * full:
                take = full
            take = min(take, k - pos)
            started = whens[pos]
            for item in lessons[:take]:
                events.append((member_id, item, whens[pos]))
                pos += 1
            finished = whens[pos - 1] if take == full else None
            if finished is not None:
                done_courses += 1
                events.append((member_id, course_item, finished))
            cp.append((member_id, course_id, take, started, finished))
        # 学时 per local month: the stamps are sorted, so each month is one bisection away.
        months = []
        below = 0
        for bound in bounds:
            upto = bisect.bisect_left(stamps, bound)
            months.append((upto - below) * lesson_hours)
            below = upto
        months.append((k - below) * lesson_hours)
        yp.append((member_id, year, k * lesson_hours, *months, done_courses, whens[-1]))
        if len(events) >= batch:
            loader.flush()
    loader.flush()
    loader.unstage()


def _logins(
    city: Organisation, districts: list, branch: Organisation, host: Organisation
) -> tuple[str, list[tuple[str, str]]]:
    """Accounts to try the city with: an administrator and secretaries of each district, of
    the largest branch and of the busiest out-of-town branch, sharing one random password."""
    password = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(14))
    hashed = hash_password(password)  # once: the accounts share the password
    wanted = [(f"{CITY_CODE.lower()}-admin", "admin", city)]
    wanted += [(f"{CITY_CODE.lower()}-district-{d.code[-2:]}", "member", d) for d in districts]
    wanted += [
        (f"{CITY_CODE.lower()}-branch", "member", branch),
        (f"{CITY_CODE.lower()}-outbound", "member", host),
    ]
    logins = []
    for username, role, org in wanted:
        name = "系统管理员" if role == "admin" else f"{org.name}书记"
        user = User(
            username=username,
            name=name[:50],
            password_hash=hashed,
            role=role,
            is_cadre=role != "admin",
            home_org=org,
            must_change_password=False,
        )
        db.session.add(user)
        if role != "admin":
            user.staff_grants.append(StaffGrant(org=org, role="secretary"))
        logins.append((username, f"{name}（{org.name}）" if role == "admin" else name))
    db.session.flush()
    return password, logins


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
    prefix = f"{CITY_CODE.lower()}-"
    if db.session.scalar(select(User.id).where(User.username.startswith(prefix))):
        raise AlreadyGenerated(f"数据库里已有以 {prefix} 开头的账号：城市数据已生成过。")
    rng = random.Random(seed)  # noqa: S311 - reproducible fake data, not secrets
    stats = Stats()
    started = time.perf_counter()

    def step(label: str, action: Callable[[], object]) -> object:
        say(f"{label}……")
        t0 = time.perf_counter()
        result = action()
        stats.steps[label] = time.perf_counter() - t0
        say(f"  {label}完成，用时 {stats.steps[label]:.1f} 秒")
        return result

    city, districts, branches, outbound = step("建立党组织", lambda: _orgs(members, rng))
    with _Loader() as loader:
        cadres, largest, busiest = step(
            "写入党员", lambda: _members(members, branches, outbound, rng, loader)
        )
    db.session.commit()
    member_ids = list(
        db.session.scalars(
            select(User.id)
            .where(User.membership_no.like(f"{CITY_CODE}%"), User.role == "member")
            .order_by(User.membership_no)
        )
    )
    courses = step("建立课程", _courses)
    # A new loader: the connection of the new transaction.
    with _Loader() as loader, _bulk_load(loader):
        restore = step("暂时移除索引", lambda: loader.drop_secondary(STUDY_TABLES))
        step("写入学习记录", lambda: _study(member_ids, courses, rng, loader, batch, say))
        step("重建索引", lambda: [loader.execute(sql) for sql in restore])
    db.session.commit()
    stats.rollups = step("汇总报表", rollups.rebuild)
    db.session.commit()
    password, logins = step("建立登录账号", lambda: _logins(city, districts, largest, busiest))
    db.session.commit()
    step("更新统计信息", _analyze)

    counts = loader.counts
    stats.organisations = db.session.scalar(
        select(func.count(Organisation.id)).where(Organisation.path.startswith(city.path))
    )
    stats.branches, stats.outbound_branches = len(branches), len(outbound)
    stats.members = len(member_ids)
    stats.floating = round(members * CITY_FLOATING / CITY_MEMBERS)
    stats.cadres = cadres
    stats.courses, stats.lessons = len(courses), len(courses) * LESSONS_PER_COURSE
    stats.lesson_completions = counts.get("lesson_completions", 0)
    stats.course_completions = counts.get("course_completions", 0)
    stats.archive_entries = counts.get("archive_entries", 0)
    stats.course_progress = counts.get("course_progress", 0)
    stats.year_progress = counts.get("year_progress", 0)
    stats.logins = [username for username, _ in logins]
    stats.seconds = time.perf_counter() - started
    say(
        f"完成：{stats.organisations} 个党组织（{stats.branches} 个党支部、"
        f"{stats.outbound_branches} 个驻外党支部），{stats.members} 名党员（流动党员 "
        f"{stats.floating} 名），{stats.courses} 门课程，"
        f"{stats.lesson_completions} 条课时学习记录，"
        f"{stats.course_completions} 门次课程完成，{stats.archive_entries} 条档案记录；"
        f"用时 {stats.seconds:.0f} 秒。"
    )
    say("登录账号（党员账号没有密码，不能登录）：")
    for username, label in logins:
        say(f"  {username}  {label}")
    say(f"这些账号的密码（只显示这一次，不会保存，请记下）：{password}")
    return stats


@contextmanager
def _bulk_load(loader: _Loader) -> Iterator[None]:
    """SQLite: a large page cache while the rows and the rebuilt indexes go in, then the old one."""
    if loader.postgres:
        yield
        return
    ((cache,),) = loader.execute("PRAGMA cache_size")
    # 1 GiB: the whole city stays in memory until the commit, and the rebuilt indexes sort there.
    loader.execute("PRAGMA cache_size=-1048576")
    try:
        yield
    finally:
        loader.execute(f"PRAGMA cache_size={int(cache)}")


def _analyze() -> None:
    # Fresh planner statistics: right after a bulk load PostgreSQL would otherwise guess badly.
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()
