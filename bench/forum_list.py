r"""Benchmark: a list of 10,000 threads must page in under 100 ms per page.

Builds 10,000 threads over a tree of 300 branches (60 % public 咨询答疑, the rest private questions,
suggestions, reports and help requests, two to three replies each on average, bulk inserted),
then GETs list pages through the app's test client, logged in, and times each request: the
public Q&A board and the staff queue of a system administrator, of the city committee's
secretary and of the busiest branch's secretary, on the first, a middle and the last page, with
and without ``overdue=1``. Every request's SQL statements are counted to catch N+1 loads.

    .venv/bin/python -m bench.forum_list                       # SQLite, then PostgreSQL
    .venv/bin/python -m bench.forum_list --backend sqlite      # one of them

SQLite is a file in a temporary directory. PostgreSQL gets its own database bench_forum_<pid> on
the server at --admin-url, dropped afterwards even after an error.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import sqlalchemy
from flask import g
from sqlalchemy import create_engine, event, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, defer, lazyload

from bench import harness
from school import create_app
from school.auth import services as accounts
from school.auth.models import User
from school.db import db, utcnow
from school.forum import services as forum
from school.forum.models import Post, Thread
from school.orgs.models import Organisation, StaffGrant
from school.orgs.services import create_org
from tests.conftest import app_config
from tests.databases import migrate

THREADS = 10_000
MEMBERS = 4_000
DISTRICTS, TOWNSHIPS, BRANCHES = 6, 5, 10  # 300 branches under one city committee
OUTBOUND = 6  # 驻外流动党员党支部 under the work committee
RUNS = 20
TARGET_MS = 100.0
PER_PAGE = 30  # the views' page size
BATCH = 2_000
PASSWORD = "bench-password-2026"  # noqa: S105 - a throwaway account in a throwaway database
ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
# A statement repeated this often within one request is a lazy load per row, not a design.
N_PLUS_ONE = 5

# --- realistic text -----------------------------------------------------------------------------

PLACES = ["深圳", "东莞", "广州", "上海", "苏州", "杭州", "宁波", "佛山", "厦门", "北京"]
JOBS = ["建筑工地", "电子厂", "物流公司", "快递站点", "餐馆", "制衣厂", "装修队", "网约车"]
QA_TOPICS = [
    "怎样按时交纳党费",
    "组织关系要不要转到务工地",
    "怎样参加支部的组织生活",
    "学习时长怎么认定",
    "能不能在流入地参加民主评议",
    "党员证明去哪里开",
    "如何参加线上主题党日",
    "回乡过年时怎样向支部报到",
    "流动党员活动证怎么办理",
    "入党积极分子外出后培养怎么衔接",
]
TICKET_TOPICS = {
    "suggestion": ["建议支部每月推送学习提醒", "建议增加方言讲解的课程", "建议简化党费缴纳流程"],
    "report": ["反映务工地党员活动场所不足", "反映村里集体收入公示不及时", "反映同乡党员失联情况"],
    "help": ["工地拖欠工资三个月", "老家宅基地确权有争议", "孩子户口迁移手续办不下来"],
}
SENTENCES = [
    "我是{year}年入党的党员，现在在{place}的{job}工作，离老家有一千多公里。",
    "平时工作时间长，晚上才有空看手机，支部的通知经常错过。",
    "之前问过同乡的几位党员，大家说法不一样，心里没有底。",
    "按照《中国共产党章程》的要求，党员应当按时交纳党费、参加组织生活。",
    "流入地的党组织联系过我一次，但后来换了负责人，就没有下文了。",
    "我想知道具体应该找谁、带哪些材料、需要多长时间。",
    "如果需要流出地支部开证明，能不能通过手机办理，不用专门请假回去。",
    "家里老人身体不好，春节回去的时间也不确定。",
    "希望组织上能给一个明确的答复，谢谢！",
    "另外，线上学习的课时是否算入年度学习时长，也想一并问一下。",
    "我们这里有十几名流动党员，大家都有类似的疑问。",
    "去年也遇到过类似的情况，当时是村里的书记帮忙协调的。",
]
REPLIES = [
    "您好，您反映的情况我们已经收到，会在三个工作日内联系您。",
    "根据有关规定，外出半年以上且地点固定的党员，应当将组织关系转到所在地党组织。",
    "党费可以通过支部的线上渠道按月交纳，也可以委托家人代交。",
    "请保留好劳动合同、考勤记录和工资条，我们已与当地劳动监察部门取得联系。",
    "线上课程学完后会自动记入学习档案，年度学习时长一并计算。",
    "我们已将您的建议转交支部委员会研究，感谢您的关心。",
    "我也遇到过同样的问题，后来在支部的公众号上找到了办理指南。",
    "谢谢答复，我按这个办法试一下。",
]
NOTES = ["已电话联系本人，情况属实。", "需与流出地支部核对组织关系。", "下周例会上讨论。"]


def _body(rng: random.Random, sentences: int) -> str:
    parts = [
        rng.choice(SENTENCES).format(
            year=rng.randint(1995, 2020), place=rng.choice(PLACES), job=rng.choice(JOBS)
        )
        for _ in range(sentences)
    ]
    return "".join(parts)


# --- the data -----------------------------------------------------------------------------------


@dataclass
class Built:
    threads: int
    posts: int
    branch_threads: int  # routed to the benchmarked branch secretary's branch
    public_qa: int
    seconds: float


def _app(url: str, tmp: Path):
    # Login is set-up here, not what is measured: the tests' cheap argon2 parameters.
    return create_app(app_config(url, tmp))


def build(app, seed: int = 20261126) -> Built:
    """Organisations and log-in accounts through the app, then bulk rows straight in."""
    start = time.perf_counter()
    rng = random.Random(seed)
    with app.app_context():
        city = create_org("青川市委", "city", city="青川")
        branches: list[Organisation] = []
        for d in range(DISTRICTS):
            district = create_org(f"第{d + 1}区委", "district", city, city="青川")
            for t in range(TOWNSHIPS):
                township = create_org(f"第{d + 1}区第{t + 1}镇党委", "township", district)
                for b in range(BRANCHES):
                    name = f"第{d + 1}区第{t + 1}镇第{b + 1}村党支部"
                    branches.append(create_org(name, "branch", township))
        committee = create_org("驻外流动党员工作委员会", "work_committee", city)
        outbound = [
            create_org(f"驻{place}流动党员党支部", "outbound_branch", committee, city=place)
            for place in PLACES[:OUTBOUND]
        ]
        # Branch sizes differ a lot in real life: a few big villages, many small ones.
        weights = [1 / (rank + 1) ** 0.8 for rank in range(len(branches))]
        busiest = branches[0]
        accounts.create_user("bench_admin", "系统管理员", password=PASSWORD, role="admin")
        city_secretary, _ = accounts.create_user(
            "bench_city", "市委组织部", password=PASSWORD, home_org=city, is_cadre=True
        )
        accounts.grant_staff(city_secretary, city, "secretary")
        branch_secretary, _ = accounts.create_user(
            "bench_branch", "王书记", password=PASSWORD, home_org=busiest, is_cadre=True
        )
        accounts.grant_staff(branch_secretary, busiest, "secretary")
        accounts.create_user("bench_member", "李党员", password=PASSWORD, home_org=branches[5])
        db.session.commit()
        branch_ids = [b.id for b in branches]
        outbound_ids = [o.id for o in outbound]
        busiest_id, busiest_secretary = busiest.id, branch_secretary.id

    now = utcnow()
    engine = create_engine(app.config["DATABASE_URL"])
    with engine.begin() as conn:
        first_user = conn.scalar(select(sqlalchemy.func.max(User.id))) + 1
        users, grants = [], []
        # One secretary per other branch and outbound branch: the official replies' authors.
        secretary = {busiest_id: busiest_secretary}
        for org_id in [*branch_ids[1:], *outbound_ids]:
            uid = first_user + len(users)
            secretary[org_id] = uid
            users.append(_user(uid, f"sec{org_id}", f"书记{org_id}", org_id, None, now))
            grants.append(
                {"user_id": uid, "org_id": org_id, "role": "secretary", "created_at": now}
            )
        members = []
        for i in range(MEMBERS):
            uid = first_user + len(users)
            home = rng.choices(branch_ids, weights)[0]
            host = rng.choice(outbound_ids) if rng.random() < 0.4 else None
            members.append((uid, home, host))
            users.append(_user(uid, f"m{i}", f"党员{i}", home, host, now))
        _bulk(conn, User, users)
        _bulk(conn, StaffGrant, grants)

        threads, posts = [], []
        for tid in range(1, THREADS + 1):
            uid, home, host = rng.choice(members)
            thread, replies = _thread(rng, tid, uid, home, host, secretary, members, now)
            threads.append(thread)
            posts.extend(replies)
        _bulk(conn, Thread, threads)
        _bulk(conn, Post, posts)
    engine.dispose()
    return Built(
        threads=len(threads),
        posts=len(posts),
        branch_threads=sum(t["org_id"] == busiest_id for t in threads),
        public_qa=sum(
            t["board"] == "qa" and t["visibility"] == "public" and not t["hidden"] for t in threads
        ),
        seconds=time.perf_counter() - start,
    )


def _user(uid: int, username: str, name: str, home, host, now: datetime) -> dict:
    return {
        "id": uid,
        "username": username,
        "name": name,
        "password_hash": "!",  # cannot log in; only the bench_ accounts made above do
        "role": "member",
        "is_cadre": False,
        "home_org_id": home,
        "host_org_id": host,
        "active": True,
        "must_change_password": False,
        "created_at": now,
    }


def _bulk(conn, model, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        conn.execute(insert(model), rows[start : start + BATCH])


QA_STATES = (["pending"] * 15) + (["answered"] * 35) + (["resolved"] * 50)
TICKET_STATES = (
    ["submitted"] * 10 + ["accepted"] * 8 + ["in_progress"] * 12 + ["replied"] * 25
) + (["closed"] * 42 + ["withdrawn"] * 3)


def _thread(rng, tid, uid, home, host, secretary, members, now) -> tuple[dict, list[dict]]:
    roll = rng.random()
    # 60 % public questions, 5 % private ones, then suggestions, reports and help requests.
    if roll < 0.65:
        board, public = "qa", roll < 0.60
    else:
        board, public = rng.choice(["suggestion"] * 3 + ["report"] * 2 + ["help"] * 2), False
    org = host if host and board != "qa" and rng.random() < 0.5 else home
    state = rng.choice(QA_STATES if board == "qa" else TICKET_STATES)
    # Newer threads are more common: the boards grew over the year.
    created = now - timedelta(minutes=int(400 * 24 * 60 * rng.random() ** 1.6) + 5)
    title = (
        f"在{rng.choice(PLACES)}{rng.choice(JOBS)}务工，{rng.choice(QA_TOPICS)}"
        if board == "qa"
        else f"{rng.choice(TICKET_TOPICS[board])}（{rng.choice(PLACES)}）"
    )
    answered = state not in ("pending", "submitted", "accepted", "withdrawn")
    replies, moment = [], created
    for _ in range(rng.choice([0, 1, 1, 2, 2, 3])):  # members and peers talking
        moment += timedelta(hours=rng.randint(1, 72))
        author = uid if board != "qa" or rng.random() < 0.4 else rng.choice(members)[0]
        replies.append(_post(tid, author, "reply", rng.choice(REPLIES), False, moment))
    first_reply = None
    if answered:
        moment += timedelta(hours=rng.randint(2, 120))
        first_reply = moment
        body = "".join(rng.sample(REPLIES, 3))
        replies.append(_post(tid, secretary[org], "reply", body, True, moment))
    if board != "qa" and rng.random() < 0.3:
        moment += timedelta(hours=1)
        replies.append(_post(tid, secretary[org], "note", rng.choice(NOTES), False, moment))
    moment = min(moment, now)
    for reply in replies:
        reply["created_at"] = min(reply["created_at"], now)
    thread = {
        "id": tid,
        "board": board,
        "title": title[:120],
        "body_md": _body(rng, rng.randint(6, 16)),
        "author_id": uid,
        "anonymous": board == "qa" and rng.random() < 0.3,
        "visibility": "public" if public else "private",
        "state": state,
        "org_id": org,
        "help_category": rng.choice(["wages", "homestead", "hukou", "other"])
        if board == "help"
        else None,
        "assignee_id": secretary[org] if board != "qa" and state != "submitted" else None,
        "approved": True,
        "hidden": rng.random() < 0.01,
        "locked": False,
        "pinned": public and rng.random() < 0.001,
        "faq": public and state == "resolved" and rng.random() < 0.02,
        "client_token": None,
        "created_at": created,
        "last_activity_at": moment,
        "first_reply_at": min(first_reply, now) if first_reply else None,
        "closed_at": moment if state in ("resolved", "closed", "withdrawn") else None,
    }
    return thread, replies


def _post(tid, author, kind, body, official, moment) -> dict:
    return {
        "thread_id": tid,
        "author_id": author,
        "kind": kind,
        "body_md": body,
        "official": official,
        "accepted": False,
        "public_reply": False,
        "hidden": False,
        "client_token": None,
        "created_at": moment,
        "edited_at": None,
    }


# --- measuring ----------------------------------------------------------------------------------


@dataclass
class Kind:
    name: str
    user: str
    url: str
    expect_cards: int | None = None  # checked on every run, so a 200 with no list fails loudly


@dataclass
class Measured:
    kind: Kind
    ms: list[float] = field(default_factory=list)
    sql_ms: list[float] = field(default_factory=list)
    queries: int = 0
    repeated: list[tuple[int, str]] = field(default_factory=list)
    # Mean milliseconds per request of each distinct statement, slowest first.
    slowest: list[tuple[float, str]] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.ms)

    @property
    def p95(self) -> float:
        # Nearest rank: with 20 runs, the 19th fastest.
        return harness.percentile(sorted(self.ms), 95)


class QueryLog:
    """Statements and their time on the app's engine, per request."""

    def __init__(self, engine) -> None:
        self.timings: list[tuple[str, float]] = []
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        conn.info.setdefault("bench_started", []).append(time.perf_counter())

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        # Until the first row for SQLite: sorting and counting happen before it.
        elapsed = time.perf_counter() - conn.info["bench_started"].pop()
        self.timings.append((" ".join(statement.split()), elapsed))

    def reset(self) -> None:
        self.timings = []

    @property
    def seconds(self) -> float:
        return sum(seconds for _, seconds in self.timings)


_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_PAGES = re.compile(r"第 \d+/(\d+) 页")
_CARD = 'class="card thread-card'


def _client(app, username: str):
    client = app.test_client()
    token = _TOKEN.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post(
        "/login", data={"username": username, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def _pages(client, url: str) -> int:
    html = client.get(url).get_data(as_text=True)
    match = _PAGES.search(html)
    return int(match.group(1)) if match else 1


def kinds(clients: dict, built: Built) -> list[Kind]:
    """First, middle and last page of each list, as their own pagers count them."""
    result = []
    lists = [("board qa", "member", "/forum/qa/?", built.public_qa)]
    for who in ("admin", "city", "branch"):
        lists.append((f"queue {who}", who, "/forum/queue?", None))
        lists.append((f"queue {who} overdue", who, "/forum/queue?overdue=1&", None))
    for label, who, base, total in lists:
        pages = _pages(clients[who], f"{base}page=1")
        for where, page in (("first", 1), ("middle", max(1, pages // 2)), ("last", pages)):
            cards = None
            if total is not None:
                cards = PER_PAGE if page < pages else total - PER_PAGE * (pages - 1)
            name = f"{label} p{page}/{pages} ({where})"
            result.append(Kind(name, who, f"{base}page={page}", cards))
    return result


def measure(clients: dict, log: QueryLog, todo: list[Kind], runs: int) -> list[Measured]:
    results = []
    for kind in todo:
        client = clients[kind.user]
        client.get(kind.url)  # warm: templates compiled, statements cached, pages in memory
        measured = Measured(kind)
        per_statement: Counter[str] = Counter()
        for _ in range(runs):
            log.reset()
            start = time.perf_counter()
            response = client.get(kind.url)
            elapsed = time.perf_counter() - start
            html = response.get_data(as_text=True)
            assert response.status_code == 200, (kind.url, response.status_code)
            if kind.expect_cards is not None:
                assert html.count(_CARD) == kind.expect_cards, (kind.url, html.count(_CARD))
            measured.ms.append(elapsed * 1000)
            measured.sql_ms.append(log.seconds * 1000)
            measured.queries = len(log.timings)
            for sql, seconds in log.timings:
                per_statement[sql] += seconds * 1000 / runs
        counts = Counter(sql for sql, _ in log.timings)
        measured.slowest = [(ms, sql) for sql, ms in per_statement.most_common(3)]
        measured.repeated = [(n, sql) for sql, n in counts.most_common() if n >= N_PLUS_ONE]
        results.append(measured)
    return results


# --- what if: the fixes, tried without touching the app's files ---------------------------------

# Candidate indexes: the public list's ORDER BY (pinned first) and the queue's ORDER BY.
INDEXES = {
    "bench_threads_board_list": "threads (board, pinned, last_activity_at, id)",
    "bench_threads_activity": "threads (last_activity_at, id)",
}


@contextmanager
def eager_loads() -> Iterator[None]:
    """services.queue plus what an eager load of author, assignee and org would fetch.

    Loading the rows into the session first turns the template's lazy loads of many-to-one
    relationships into identity-map hits: the same effect as
    ``.options(selectinload(Thread.author).lazyload(User.staff_grants), ...)`` on the query.
    """
    original = forum.queue

    def queue(user, **kwargs):
        result = original(user, **kwargs)
        # The identity map holds its objects weakly: keep them for the request's template.
        g.bench_preloaded = kept = []
        users = {t.author_id for t in result.threads} | {
            t.assignee_id for t in result.threads if t.assignee_id
        }
        orgs = {t.org_id for t in result.threads if t.org_id}
        if users:
            # The list shows names only: User.staff_grants (lazy="selectin") is not needed.
            kept += db.session.scalars(
                select(User).where(User.id.in_(users)).options(lazyload(User.staff_grants))
            ).all()
        if orgs:
            kept += db.session.scalars(select(Organisation).where(Organisation.id.in_(orgs))).all()
        return result

    forum.queue = queue
    try:
        yield
    finally:
        forum.queue = original


def _defer_body(state) -> None:
    statement = state.statement
    if state.is_select and statement.column_descriptions[0].get("entity") is Thread:
        state.statement = statement.options(defer(Thread.body_md))


@contextmanager
def deferred_body() -> Iterator[None]:
    """Thread lists without body_md, which they never show: ``.options(defer(Thread.body_md))``.

    Only list pages are requested here; a page that read the body would load it on access.
    """
    event.listen(Session, "do_orm_execute", _defer_body)
    try:
        yield
    finally:
        event.remove(Session, "do_orm_execute", _defer_body)


def add_indexes(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        for name, target in INDEXES.items():
            conn.execute(text(f"CREATE INDEX {name} ON {target}"))
        conn.execute(text("ANALYZE"))
    engine.dispose()


PASSES = ["as loaded", "after ANALYZE", "eager", "eager + defer", "eager + defer + indexes"]


def run_backend(url: str, runs: int, tmp: Path) -> dict:
    migrate(url)
    app = _app(url, tmp)
    built = build(app)
    clients = {
        "member": _client(app, "bench_member"),
        "admin": _client(app, "bench_admin"),
        "city": _client(app, "bench_city"),
        "branch": _client(app, "bench_branch"),
    }
    engine = app.extensions["school.db"].engine
    log = QueryLog(engine)
    todo = kinds(clients, built)
    results = {"as loaded": measure(clients, log, todo, runs)}
    _analyze(url)
    results["after ANALYZE"] = measure(clients, log, todo, runs)
    with eager_loads():
        # The public list has no per-row relationship to load.
        results["eager"] = measure(clients, log, [k for k in todo if k.user != "member"], runs)
        with deferred_body():
            results["eager + defer"] = measure(clients, log, todo, runs)
            add_indexes(url)
            results["eager + defer + indexes"] = measure(clients, log, todo, runs)
    version = _version(engine)
    engine.dispose()
    return {"version": version, "built": built, "results": results}


# --- databases and the machine ------------------------------------------------------------------


def _version(engine) -> str:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            return "SQLite " + conn.scalar(text("select sqlite_version()"))
        return "PostgreSQL " + conn.scalar(text("show server_version"))


def _analyze(url: str) -> None:
    # A fresh bulk load has no planner statistics; autovacuum (PostgreSQL) or nobody (SQLite)
    # gathers them later. Both states are timed: the first is the worst case.
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()


def _throwaway_postgres(admin_url: str) -> str:
    return harness.create_postgres(admin_url, f"bench_forum_{os.getpid()}")


def _drop_postgres(admin_url: str, url: str) -> None:
    harness.drop_postgres(admin_url, make_url(url).database)


def machine() -> str:
    cpu = harness.cpu_model()
    load = harness.load_average()
    return (
        f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
        f"SQLAlchemy {sqlalchemy.__version__}, load average {load}, {date.today().isoformat()}"
    )


# --- the report ---------------------------------------------------------------------------------


def _label(sql: str) -> str:
    """A short name for a statement of these pages."""
    if sql.startswith("SELECT threads.id, threads.board"):
        return "the page's rows (ORDER BY … LIMIT … OFFSET)"
    if sql.startswith("SELECT anon_1.board, count(*)"):
        return "counts per board"
    if sql.startswith("SELECT count(*)") and "notifications" in sql:
        return "unread notifications"
    if sql.startswith("SELECT count(*)"):
        return "count(*) of the filtered list"
    # Timed together: every lazy load of one kind in the request has the same statement.
    if sql.startswith("SELECT users."):
        return "lazy loads of Thread.author/assignee (all of them)"
    if sql.startswith("SELECT staff_grants."):
        return "User.staff_grants selectin after each of those (all of them)"
    if sql.startswith("SELECT organisations."):
        return "lazy loads of Thread.org (all of them)"
    return f"`{sql[:60]}…`"


def _cell(m: Measured | None) -> str:
    return f"{m.median:.0f} / {m.p95:.0f}" if m else "–"


def report(backend: dict) -> None:
    built: Built = backend["built"]
    results = backend["results"]
    runs = len(results["as loaded"][0].ms)
    print(
        f"\n### {backend['version']}\n\n{built.threads} threads ({built.public_qa} public "
        f"咨询答疑), {built.posts} posts; the branch secretary's branch has "
        f"{built.branch_threads} threads. Built in {built.seconds:.1f} s. Milliseconds per GET, "
        f"median / p95 of {runs} runs after one warm-up; the app as it is, then the fixes tried "
        f"one on top of the other (see the notes).\n"
    )
    by_pass = {name: {m.kind.name: m for m in results[name]} for name in PASSES}
    print(
        "| page | queries | as loaded | after ANALYZE | p95 / 100 ms | SQL ms | "
        "eager: queries | eager | + defer body | + indexes |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for m in results["after ANALYZE"]:
        name = m.kind.name
        eager = by_pass["eager"].get(name)
        print(
            f"| {name} | {m.queries} | {_cell(by_pass['as loaded'][name])} | {_cell(m)} | "
            f"{m.p95 / TARGET_MS:.2f} | {statistics.median(m.sql_ms):.0f} | "
            f"{eager.queries if eager else '–'} | {_cell(eager)} | "
            f"{_cell(by_pass['eager + defer'][name])} | "
            f"{_cell(by_pass['eager + defer + indexes'][name])} |"
        )
    print("\nWhere the time goes on pages over 50 ms (after ANALYZE, mean ms per request):\n")
    for m in results["after ANALYZE"]:
        if m.median > TARGET_MS / 2:
            top = "; ".join(f"{_label(sql)} {ms:.1f} ms" for ms, sql in m.slowest[:2])
            print(f"- {m.kind.name}: {top}")
    repeated: dict[str, list[str]] = {}
    for m in results["after ANALYZE"]:
        for n, sql in m.repeated:
            repeated.setdefault(sql, []).append(f"{m.kind.name}: {n}×")
    if repeated:
        print(f"\nStatements run {N_PLUS_ONE} or more times in one request (N+1):\n")
        for sql, where in repeated.items():
            print(f"- `{sql[:140]}…` — {'; '.join(where[:3])}{' …' if len(where) > 3 else ''}")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], action="append")
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--admin-url", default=ADMIN_URL)
    args = parser.parse_args()

    print(f"Machine: {machine()}")
    for backend in args.backend or ["sqlite", "postgresql"]:
        with tempfile.TemporaryDirectory(prefix="bench-forum-") as tmp:
            if backend == "sqlite":
                url = f"sqlite:///{tmp}/bench.db"
            else:
                url = _throwaway_postgres(args.admin_url)
            try:
                result = run_backend(url, args.runs, Path(tmp))
            finally:
                if backend == "postgresql":
                    _drop_postgres(args.admin_url, url)
        report(result)
    print(f"Machine afterwards: {machine()}")


if __name__ == "__main__":
    main()
