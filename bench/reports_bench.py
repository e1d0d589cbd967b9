"""Completion reports at city scale over HTTP: the report pages under gunicorn, next to hello.

The requirements (issues): with 112,000 members in about 2,500 branches, 8,618 floating, 40
courses of 8 lessons and about 3 million completions, on SQLite and on PostgreSQL: the city-wide
report under 100 ms, still under 100 ms at 1,120,000 members, a branch report under 10 ms; a
district under 300 ms, a member's archive under 50 ms, the XLSX export of a district under 10 s;
the staff workbench under 300 ms for the city and under 100 ms for a branch, with a city-wide
campaign under way.

What one run does:

1. opens the database at ``--database-url`` (default: ``$DATABASE_URL``), migrates it, and when it
   holds no members generates the city with ``school.demo.generate`` (``--members``, ``--seed``),
   timing the generator; a database that already holds the generated city is reused as it is;
2. adds an administrator ``bench-admin`` and a secretary ``bench-secretary`` of the largest branch
   (one password hash), and a launched city-wide campaign of one course, if not there yet; and
   transfers ``--moves`` members (5,000 by default) to another branch through the app's own
   path, so that a report as of last month's end has members to place where they were;
3. starts the school under gunicorn (``--workers``, default 2 sync workers) and ``bench/hello.py``
   under the same settings, and logs in over HTTP (GET and POST ``/login`` with the CSRF token);
4. measures hello: wrk for ``--seconds`` (req/s) and ``--runs`` sequential requests (latency);
5. for each page: one request to warm up (it must answer 200), then ``--runs`` sequential
   requests (the export ``--export-runs``), one at a time on a new connection, timed from
   sending the request to the last byte of the answer; prints the median, p95 (nearest rank)
   and maximum, and the median of the time the worker spent (gunicorn's access log, ``%(D)s``).
   A page passes when its median is under the target.

Run from the project root: ``DATABASE_URL=... .venv/bin/python -m bench.reports_bench``.
The exit status is 0 when every page meets its target.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import desc, func, select

from bench import harness
from school import create_app
from school.archive.models import (
    ArchiveEntry,
    CourseProgress,
    MemberMonth,
    RollupCourse,
    RollupMembers,
    RollupYear,
    YearProgress,
)
from school.auth.models import User
from school.auth.services import create_user, grant_staff
from school.campaigns.models import Campaign, CampaignItem, CampaignTarget
from school.clock import local_today
from school.courses.models import Course, CourseCompletion, LessonCompletion
from school.db import db, utcnow
from school.demo.generate import CITY_CODE, generate
from school.orgs.models import Organisation

ADMIN = "bench-admin"
SECRETARY = "bench-secretary"
CAMPAIGN = "测速专题教育活动"
# A throwaway account on a generated data set; the password is only ever used by this program.
PASSWORD = "bench-reports-2026"  # noqa: S105


@dataclass
class Page:
    label: str
    url: str
    target: float | None
    runs: int
    status: str = ""
    samples: list[float] = field(default_factory=list)
    served: list[float] = field(default_factory=list)
    # Who requests the page: the workbench differs per staff member.
    user: str = ADMIN
    # The first request, before the timed ones: a page that keeps a slow count shows it here.
    first: float | None = None

    def result(self) -> str:
        if not self.samples:
            return self.status
        if self.target is None:
            return "measured"
        return "pass" if statistics.median(self.samples) < self.target else "FAIL"


def p95(samples: list[float]) -> float:
    return harness.percentile(sorted(samples), 95)


def ms(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    return f"{seconds * 1000:.1f} ms" if seconds < 10 else f"{seconds:.1f} s"


def prepare(app, members: int, seed: int) -> float | None:
    """Generate the city when the database has no members; returns the generator's seconds."""
    with app.app_context():
        if db.session.scalar(select(func.count(User.id))):
            if not db.session.scalar(select(Organisation.id).where(Organisation.code == CITY_CODE)):
                sys.exit("数据库里已有账号，但不是生成的城市数据：请换一个空数据库。")
            print("数据库里已有生成的城市数据，直接测量。")
            return None
        print(f"生成 {members} 名党员的城市数据……")
        return generate(members, seed).seconds


def ensure_accounts(app, branch_id: int) -> None:
    """The benchmark's administrator, a secretary of the largest branch, and a launched
    city-wide campaign (written as rows: launching it would notify the whole city)."""
    with app.app_context():
        city = db.session.scalar(select(Organisation).where(Organisation.code == CITY_CODE))
        if db.session.scalar(select(User.id).where(User.username == ADMIN)) is None:
            create_user(ADMIN, "测速管理员", password=PASSWORD, role="admin", home_org=city)
        if db.session.scalar(select(User.id).where(User.username == SECRETARY)) is None:
            branch = db.session.get(Organisation, branch_id)
            secretary, _ = create_user(SECRETARY, "测速书记", password=PASSWORD, home_org=branch)
            grant_staff(secretary, branch, "secretary")
        if db.session.scalar(select(Campaign.id).where(Campaign.title == CAMPAIGN)) is None:
            admin = db.session.scalar(select(User).where(User.username == ADMIN))
            course = db.session.scalar(
                select(Course).where(Course.status == "published").order_by(Course.id).limit(1)
            )
            today = local_today()
            db.session.add(
                Campaign(
                    title=CAMPAIGN,
                    org=city,
                    created_by=admin,
                    launched_by=admin,
                    start_on=today - timedelta(days=30),
                    deadline=today + timedelta(days=30),
                    status="launched",
                    launched_at=utcnow(),
                    items=[CampaignItem(course_id=course.id, required=True)],
                    targets=[CampaignTarget(org=city)],
                )
            )
        db.session.commit()


def ensure_moves(app, moves: int) -> float | None:
    """Transfer ``moves`` members, spread over the city, to the next branch, unless members have
    moved already; returns the seconds it took. Through the ORM, so the rollups and the kept
    months follow as they do for a transfer in the app."""
    with app.app_context():
        if moves <= 0 or db.session.scalar(select(MemberMonth.member_id).limit(1)) is not None:
            return None
        branches = db.session.scalars(
            select(Organisation.id).where(Organisation.kind == "branch").order_by(Organisation.id)
        ).all()
        following = dict(zip(branches, branches[1:] + branches[:1], strict=True))
        ids = db.session.scalars(
            select(User.id)
            .where(User.home_org_id.in_(branches), User.role == "member")
            .order_by(User.id)
        ).all()
        step = max(1, len(ids) // moves)
        chosen = ids[::step][:moves]
        started = time.perf_counter()
        for start in range(0, len(chosen), 1000):
            for member in db.session.scalars(
                select(User).where(User.id.in_(chosen[start : start + 1000]))
            ):
                member.home_org_id = following[member.home_org_id]
            db.session.flush()
        db.session.commit()
        return time.perf_counter() - started


def targets(app) -> dict[str, object]:
    """The organisations and members the pages are measured on."""
    with app.app_context():
        city = db.session.scalar(select(Organisation).where(Organisation.code == CITY_CODE))
        members = func.count(User.id).label("n")
        # The largest district and branch (by home members), the busiest out-of-town branch.
        districts = db.session.scalars(
            select(Organisation).where(Organisation.kind == "district")
        ).all()
        sizes = {
            d.id: db.session.scalar(
                select(func.count(User.id))
                .join(Organisation, User.home_org_id == Organisation.id)
                .where(Organisation.path.startswith(d.path))
            )
            for d in districts
        }
        district = max(districts, key=lambda d: (sizes[d.id], -d.id))
        outbound_id, outbound_size = db.session.execute(
            select(User.host_org_id, members)
            .join(Organisation, User.host_org_id == Organisation.id)
            .where(Organisation.kind == "outbound_branch")
            .group_by(User.host_org_id)
            .order_by(desc(members))
            .limit(1)
        ).one()
        branch_id, branch_size = db.session.execute(
            select(User.home_org_id, members)
            .group_by(User.home_org_id)
            .order_by(desc(members))
            .limit(1)
        ).one()
        # The heaviest archive of the year and a typical one (the median number of entries).
        per_member = (
            select(ArchiveEntry.member_id, func.count().label("n"))
            .group_by(ArchiveEntry.member_id)
            .subquery()
        )
        counts = db.session.execute(select(per_member.c.member_id, per_member.c.n)).all()
        counts.sort(key=lambda row: (row.n, row.member_id))
        typical, heaviest = counts[len(counts) // 2], counts[-1]
        return {
            "today": local_today(),
            "city": city.id,
            "district": district.id,
            "district_members": sizes[district.id],
            "outbound": outbound_id,
            "outbound_name": db.session.get(Organisation, outbound_id).name,
            "outbound_members": outbound_size,
            "branch": branch_id,
            "branch_members": branch_size,
            "typical": typical,
            "heaviest": heaviest,
            # The first published course, for the course filter.
            "course": db.session.scalar(
                select(Course.id).where(Course.status == "published").order_by(Course.id).limit(1)
            ),
        }


def pages(t: dict, runs: int, export_runs: int) -> list[Page]:
    city, district, branch, today = t["city"], t["district"], t["branch"], t["today"]
    # Last month's end, when it is a month of this year (in January there is none).
    as_of = (
        []
        if today.month == 1
        else [
            Page(
                "city-wide, as of last month's end",
                f"/reports/{city}?asof={today.year}-{today.month - 1:02d}",
                0.1,
                runs,
            ),
            Page(
                f"branch report as of last month's end ({t['branch_members']} members)",
                f"/reports/{branch}?asof={today.year}-{today.month - 1:02d}",
                0.01,
                runs,
            ),
            Page(
                "branch member list as of last month's end",
                f"/reports/{branch}/members?asof={today.year}-{today.month - 1:02d}",
                0.05,
                runs,
            ),
        ]
    )
    return [
        Page("city-wide report", f"/reports/{city}", 0.1, runs),
        Page("city-wide, floating members only", f"/reports/{city}?floating=1", 0.1, runs),
        Page(
            "city-wide, hosted members (relation host)", f"/reports/{city}?relation=host", 0.1, runs
        ),
        Page("city-wide, one course", f"/reports/{city}?course={t['course']}", 0.1, runs),
        *as_of,
        Page(
            f"district report ({t['district_members']} members, largest district)",
            f"/reports/{district}",
            0.1,
            runs,
        ),
        Page(
            f"branch report ({t['branch_members']} members, largest branch)",
            f"/reports/{branch}",
            0.01,
            runs,
        ),
        Page("branch member list", f"/reports/{branch}/members", 0.05, runs),
        Page(
            f"out-of-town branch report ({t['outbound_name']}, {t['outbound_members']} hosted)",
            f"/reports/{t['outbound']}",
            0.05,
            runs,
        ),
        Page(
            "out-of-town branch member list, page 1",
            f"/reports/{t['outbound']}/members",
            0.05,
            runs,
        ),
        Page("district member list, page 1", f"/reports/{district}/members", 0.3, runs),
        Page(
            f"member archive (typical, {t['typical'].n} entries)",
            f"/archive/members/{t['typical'].member_id}",
            0.05,
            runs,
        ),
        Page(
            f"member archive (heaviest, {t['heaviest'].n} entries)",
            f"/archive/members/{t['heaviest'].member_id}",
            0.05,
            runs,
        ),
        Page("district XLSX export", f"/reports/{district}/members.xlsx", 10.0, export_runs),
        Page("workbench, whole city (administrator)", "/workbench/", 0.3, runs),
        Page(
            f"workbench, largest branch ({t['branch_members']} members, secretary)",
            "/workbench/",
            0.1,
            runs,
            user=SECRETARY,
        ),
    ]


def measure(client: harness.Browser, page: Page, log: Path) -> None:
    warm_up = client.send("warm-up", "GET", page.url)
    if warm_up.status != 200:
        page.status = f"error ({warm_up.status})"
        return
    page.first = warm_up.seconds
    start = harness.log_offset(log)
    for _ in range(page.runs):
        answer = client.send(page.label, "GET", page.url)
        if answer.status != 200:
            page.status = f"error ({answer.status})"
            page.samples = []
            return
        page.samples.append(answer.seconds)
    time.sleep(0.2)  # the access log line is written after the answer
    page.served = harness.served_times(log, start)


def row_counts(app) -> dict[str, int]:
    with app.app_context():
        counts = {
            model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
            for model in (
                Organisation,
                User,
                LessonCompletion,
                CourseCompletion,
                ArchiveEntry,
                CourseProgress,
                YearProgress,
                RollupMembers,
                RollupYear,
                RollupCourse,
                MemberMonth,
            )
        }
        # Not the benchmark's own accounts.
        counts["users"] -= db.session.scalar(
            select(func.count()).where(User.username.in_((ADMIN, SECRETARY)))
        )
        return counts


def hello_baseline(workers: int, work: Path, seconds: float, runs: int) -> tuple[float, float]:
    """req/s under wrk and the median latency of sequential requests, of bare Flask."""
    with harness.hello_server(workers, work) as hello:
        latency = harness.hello_latency(hello, runs)
        rate = harness.run_wrk(f"{hello.base}/", seconds, connections=4).rate
    return rate, latency


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--members", type=int, default=112_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--moves", type=int, default=5000, help="members transferred before measuring"
    )
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--export-runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=5, help="wrk's time on hello")
    parser.add_argument("--only", help="measure only the pages whose label contains this")
    parser.add_argument(
        "--commit",
        help="serve this commit (exported with git archive) instead of the working tree; the "
        "database is prepared by the working tree's code",
    )
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("set DATABASE_URL or pass --database-url")

    harness.migrate(args.database_url)
    app = create_app(
        {
            "DATABASE_URL": args.database_url,
            "SECRET_KEY": "bench-reports-secret",
            "RATELIMIT_ENABLED": False,
        }
    )
    generator_seconds = prepare(app, args.members, args.seed)
    moved_seconds = ensure_moves(app, args.moves)
    t = targets(app)
    ensure_accounts(app, t["branch"])
    counts = row_counts(app)
    with app.app_context():
        backend = db.engine.dialect.name
        version = db.engine.dialect.server_version_info
    with app.app_context():
        db.engine.dispose()  # the server answers from here on: no connection of ours stays open
    measured = [p for p in pages(t, args.runs, args.export_runs) if (args.only or "") in p.label]
    load_before = harness.load_average(2)
    with harness.workdir("bench-reports-") as work:
        root, code = harness.served_tree(args.commit, work)
        hello_rate, hello_latency = hello_baseline(args.workers, work, args.seconds, args.runs)
        with harness.Server(args.database_url, args.workers, work, root=root) as server:
            # The export of a district takes seconds: more than a page's timeout.
            clients = {}
            for user in (ADMIN, SECRETARY):
                clients[user] = harness.Browser(server.port, timeout=120)
                clients[user].log_in(user, PASSWORD)
            for page in measured:
                measure(clients[page.user], page, server.access_log)
                print(f"  {page.label}: {page.result()}", file=sys.stderr)
    load_after = harness.load_average(2)

    print(f"\n### {backend} {'.'.join(map(str, version or ()))}\n")
    print(
        f"{harness.now()}, code {code}, Python {platform.python_version()}, "
        f"{os.cpu_count()} cores, {args.workers} gunicorn workers; load average {load_before} "
        f"before, {load_after} after."
    )
    print(
        f"Hello (bare Flask, same gunicorn settings, this run): {hello_rate:.0f} req/s under wrk "
        f"(4 connections, {args.seconds:.0f} s), {ms(hello_latency)} median sequential."
    )
    if generator_seconds is not None:
        print(f"Generator: {generator_seconds:.0f} s for {counts['users']} members.")
    if moved_seconds is not None:
        print(f"Transfers: {args.moves} members moved in {moved_seconds:.1f} s.")
    print("Rows: " + ", ".join(f"{name} {n:,}" for name, n in counts.items()) + ".\n")
    print("| page | URL | target | first | median | p95 | max | worker median | result |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---|")
    for page in measured:
        median = statistics.median(page.samples) if page.samples else None
        worst = p95(page.samples) if page.samples else None
        top = max(page.samples) if page.samples else None
        worker = statistics.median(page.served) if page.served else None
        print(
            f"| {page.label} | `{page.url}` | {ms(page.target)} | {ms(page.first)} "
            f"| {ms(median)} | {ms(worst)} "
            f"| {ms(top)} | {ms(worker)} | {page.result()} |"
        )
    return 0 if all(page.result() in ("pass", "measured") for page in measured) else 1


if __name__ == "__main__":
    sys.exit(main())
