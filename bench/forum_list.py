r"""Board lists over HTTP: a list of 10,000 threads must page in under 100 ms per page.

What one run does, for each database (``--backend``, default SQLite then PostgreSQL):

1. a fresh database: a SQLite file in a temporary directory, or ``bench_forum_<pid>`` on the
   PostgreSQL server at ``--admin-url``, dropped afterwards even after an error; migrated, then
   10,000 threads (``--threads``) over a tree of 300 branches (60 % public 咨询答疑, the rest
   private questions, suggestions, reports and help requests, two to three replies each on
   average) by 4,000 members (``--members``), bulk inserted, and four accounts that log in: a
   member, a system administrator, the city committee's secretary and the busiest branch's
   secretary;
2. the school under gunicorn (``--workers``, default 2 sync workers) and ``bench/hello.py``
   under the same settings; hello's median of ``--hello-runs`` sequential GETs is the yardstick;
3. the four log in over HTTP (GET and POST ``/login`` with the CSRF token); pages: the public
   Q&A board as the member and the staff queue of the three others, with and without
   ``overdue=1``, each on its first, a middle and its last page (as its own pager counts them);
   each page once to warm up, then ``--runs`` GETs one at a time, timed from sending the
   request to the last byte, each checked for status 200 and, on the board, for the number of
   threads the page must list; once on the data as loaded (no planner statistics: the worst
   case), once after ``ANALYZE``;
4. a Markdown table on stdout: median / p95 (nearest rank) / max per page in each state, the
   median of the worker's own time after ANALYZE (gunicorn's access log), p95 against the
   target; with the date (UTC), the load average before and after, the code version and the
   machine.

    .venv/bin/python -m bench.forum_list                       # SQLite, then PostgreSQL
    .venv/bin/python -m bench.forum_list --backend sqlite      # one of them
    .venv/bin/python -m bench.forum_list --threads 500 --members 200 --runs 3   # a quick check
    .venv/bin/python -m bench.forum_list --commit HEAD         # serve a commit

The exit status is 0 when every page's p95 meets the target.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy
from sqlalchemy import create_engine, insert, select, text

from bench import harness
from school import create_app
from school.auth import services as accounts
from school.auth.models import User
from school.db import db, utcnow
from school.forum.models import Post, Thread
from school.orgs.models import Organisation, StaffGrant
from school.orgs.services import create_org
from tests.conftest import app_config

THREADS = 10_000
MEMBERS = 4_000
DISTRICTS, TOWNSHIPS, BRANCHES = 6, 5, 10  # 300 branches under one city committee
OUTBOUND = 6  # 驻外流动党员党支部 under the work committee
RUNS = 20
TARGET_SECONDS = 0.100
PER_PAGE = 30  # the views' page size
BATCH = 2_000
PASSWORD = "bench-password-2026"  # noqa: S105 - a throwaway account in a throwaway database
USERS = {"member": "bench_member", "admin": "bench_admin", "city": "bench_city"}
USERS["branch"] = "bench_branch"
STATES = ("as loaded", "after ANALYZE")

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
    return create_app(app_config(url, tmp / "build"))


def build(
    app, thread_count: int = THREADS, member_count: int = MEMBERS, seed: int = 20261126
) -> Built:
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
        for i in range(member_count):
            uid = first_user + len(users)
            home = rng.choices(branch_ids, weights)[0]
            host = rng.choice(outbound_ids) if rng.random() < 0.4 else None
            members.append((uid, home, host))
            users.append(_user(uid, f"m{i}", f"党员{i}", home, host, now))
        _bulk(conn, User, users)
        _bulk(conn, StaffGrant, grants)

        threads, posts = [], []
        for tid in range(1, thread_count + 1):
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
        "routed_at": created,
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
    samples: list[float] = field(default_factory=list)
    served: list[float] = field(default_factory=list)  # the worker's seconds, access log


_PAGES = re.compile(r"第 \d+/(\d+) 页")
_CARD = 'class="card thread-card'


def _pages(browser: harness.Browser, url: str) -> int:
    match = _PAGES.search(browser.get(url, "pager").text())
    return int(match.group(1)) if match else 1


def kinds(browsers: dict[str, harness.Browser], built: Built) -> list[Kind]:
    """First, middle and last page of each list, as their own pagers count them."""
    result = []
    lists = [("board qa", "member", "/forum/qa/?", built.public_qa)]
    for who in ("admin", "city", "branch"):
        lists.append((f"queue {who}", who, "/forum/queue?", None))
        lists.append((f"queue {who} overdue", who, "/forum/queue?overdue=1&", None))
    for label, who, base, total in lists:
        pages = _pages(browsers[who], f"{base}page=1")
        for where, page in (("first", 1), ("middle", max(1, pages // 2)), ("last", pages)):
            cards = None
            if total is not None:
                cards = PER_PAGE if page < pages else total - PER_PAGE * (pages - 1)
            name = f"{label} p{page}/{pages} ({where})"
            result.append(Kind(name, who, f"{base}page={page}", cards))
    return result


def measure(
    browsers: dict[str, harness.Browser], server: harness.Server, todo: list[Kind], runs: int
) -> list[Measured]:
    results = []
    for kind in todo:
        browser = browsers[kind.user]
        browser.get(kind.url, "warm-up")  # templates compiled, statements cached, pages in memory
        measured = Measured(kind)
        start = harness.log_offset(server.access_log)
        for _ in range(runs):
            page = browser.get(kind.url, kind.name)
            cards = page.text().count(_CARD)
            if kind.expect_cards is not None and cards != kind.expect_cards:
                raise harness.Failed(f"{kind.url}: {cards} threads, not {kind.expect_cards}")
            measured.samples.append(page.seconds)
        time.sleep(0.2)  # the access log's lines are written after the answers
        measured.served = harness.served_times(server.access_log, start)
        results.append(measured)
    return results


def _analyze(url: str) -> None:
    # A fresh bulk load has no planner statistics; autovacuum (PostgreSQL) or nobody (SQLite)
    # gathers them later. Both states are timed: the first is the worst case.
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()


@dataclass
class Run:
    version: str
    built: Built
    code: str
    hello: float  # hello's median seconds, sequential
    load_before: str
    load_after: str
    facts: list[str]
    results: dict[str, list[Measured]]


def run_backend(backend: str, args: argparse.Namespace) -> Run:
    with (
        harness.workdir("bench-forum-") as work,
        harness.fresh_database(backend == "sqlite", args.admin_url, work, "bench_forum") as url,
    ):
        app = _app(url, work)
        built = build(app, args.threads, args.members)
        with app.app_context():
            db.engine.dispose()  # the server answers from here on
        root, code = harness.served_tree(args.commit, work)
        load_before = harness.load_average()
        with harness.hello_server(args.workers, work, root) as hello:
            hello_seconds = harness.hello_latency(hello, args.hello_runs)
        results = {}
        with harness.Server(url, args.workers, work, root=root) as server:
            browsers = {who: harness.Browser(server.port) for who in USERS}
            for who, username in USERS.items():
                browsers[who].log_in(username, PASSWORD)
            todo = kinds(browsers, built)
            results["as loaded"] = measure(browsers, server, todo, args.runs)
            _analyze(url)
            results["after ANALYZE"] = measure(browsers, server, todo, args.runs)
        load_after = harness.load_average()
        return Run(
            version=harness.server_version(url),
            built=built,
            code=code,
            hello=hello_seconds,
            load_before=load_before,
            load_after=load_after,
            facts=harness.machine_facts(None if backend == "sqlite" else args.admin_url),
            results=results,
        )


# --- the report ---------------------------------------------------------------------------------


def _cell(samples: list[float]) -> str:
    return " / ".join(harness.ms(x) for x in harness.spread(samples))


def report(run: Run, args: argparse.Namespace) -> bool:
    """The Markdown table of one database; whether every page met the target."""
    built = run.built
    print(
        f"\n### Board lists over HTTP: {run.version}\n\n{harness.utc_now()}; code {run.code}; "
        f"{args.workers} gunicorn sync workers; load average {run.load_before} before, "
        f"{run.load_after} after. Hello (bare Flask, same gunicorn settings, this run): "
        f"{harness.ms(run.hello)} ms median of {args.hello_runs} sequential GETs. "
        f"{built.threads} threads ({built.public_qa} public 咨询答疑), {built.posts} posts; the "
        f"branch secretary's branch has {built.branch_threads} threads. Built in "
        f"{built.seconds:.1f} s.\n"
    )
    print(
        "| page | as loaded: median / p95 / max | after ANALYZE: median / p95 / max "
        f"| worker median | p95 / {harness.ms(TARGET_SECONDS)} ms |"
    )
    print("|---|---:|---:|---:|---:|")
    loaded = {m.kind.name: m for m in run.results["as loaded"]}
    met = True
    for m in run.results["after ANALYZE"]:
        p95 = harness.spread(m.samples)[1]
        met = met and p95 < TARGET_SECONDS
        worker = harness.ms(statistics.median(m.served)) if m.served else "–"
        print(
            f"| {m.kind.name} `{m.kind.url}` | {_cell(loaded[m.kind.name].samples)} "
            f"| {_cell(m.samples)} | {worker} | {p95 / TARGET_SECONDS:.2f} |"
        )
    print(
        f"\nMilliseconds per GET, {args.runs} sequential runs per page after one warm-up, each "
        "from sending the request to the last byte; worker: the time gunicorn's worker spent "
        "on it (access log), after ANALYZE.\n"
    )
    print("- " + "\n- ".join(run.facts))
    return met


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], action="append")
    parser.add_argument("--runs", type=int, default=RUNS, help="timed GETs per page (20)")
    parser.add_argument("--threads", type=int, default=THREADS, help="threads (10,000)")
    parser.add_argument("--members", type=int, default=MEMBERS, help="members (4,000)")
    parser.add_argument("--admin-url", default=harness.ADMIN_URL)
    harness.server_options(parser)
    args = parser.parse_args(argv)

    met = True
    for backend in args.backend or ["sqlite", "postgresql"]:
        # Each database's table as soon as it is measured: a failure in the next keeps it.
        met = report(run_backend(backend, args), args) and met
        sys.stdout.flush()
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
