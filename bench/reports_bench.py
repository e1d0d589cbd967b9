"""Completion reports at city scale: how long the report pages take for an administrator.

The requirement (from the issue): with 112,000 members in about 2,500 branches, 8,618 floating,
40 courses of 8 lessons and about 3 million completions, on SQLite and on PostgreSQL: the
city-wide report under 1 s, a district under 300 ms, a branch under 50 ms, a member's archive
under 50 ms, the XLSX export of a district under 10 s.

What one run does:

1. opens the database at ``--database-url`` (default: ``$DATABASE_URL``), migrates it, and when it
   holds no members generates the city with ``school.demo.generate`` (``--members``, ``--seed``),
   timing the generator; a database that already holds the generated city is reused as it is;
2. adds an administrator ``bench-admin`` (one password hash) and logs in with Flask's test client;
3. requests each page once to warm up, then ``--runs`` times (the export ``--export-runs`` times),
   and prints the median and p95 (nearest rank) of the wall time per request, including reading
   the whole response. A page passes when its median is under the target. A page that answers
   404 is reported as missing (not built yet).

Run from the project root: ``DATABASE_URL=... .venv/bin/python -m bench.reports_bench``.
The exit status is 0 when every page exists and meets its target.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import sys
import time
from dataclasses import dataclass

from flask.testing import FlaskClient
from sqlalchemy import desc, func, select

from bench import harness
from school import create_app
from school.archive.models import ArchiveEntry, CourseProgress, YearProgress
from school.auth.models import User
from school.auth.services import create_user
from school.courses.models import CourseCompletion, LessonCompletion
from school.db import db
from school.demo.generate import CITY_CODE, generate
from school.orgs.models import Organisation

ADMIN = "bench-admin"
# A throwaway account on a generated data set; the password is only ever used by this program.
PASSWORD = "bench-reports-2026"  # noqa: S105
_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass
class Page:
    label: str
    url: str
    target: float | None
    runs: int
    status: str = ""
    samples: list[float] | None = None

    def result(self) -> str:
        if self.samples is None:
            return self.status
        if self.target is None:
            return "measured"
        return "pass" if statistics.median(self.samples) < self.target else "FAIL"


def p95(samples: list[float]) -> float:
    return harness.percentile(sorted(samples), 95)


def ms(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


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


def admin_client(app) -> FlaskClient:
    with app.app_context():
        if db.session.scalar(select(User.id).where(User.username == ADMIN)) is None:
            city = db.session.scalar(select(Organisation).where(Organisation.code == CITY_CODE))
            create_user(ADMIN, "测速管理员", password=PASSWORD, role="admin", home_org=city)
            db.session.commit()
    client = app.test_client()
    token = _TOKEN.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post(
        "/login", data={"username": ADMIN, "password": PASSWORD, "csrf_token": token}
    )
    if response.status_code != 302:
        sys.exit(f"管理员登录失败（{response.status_code}）。")
    return client


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
        }


def pages(t: dict, runs: int, export_runs: int) -> list[Page]:
    return [
        Page("city-wide report", f"/reports/{t['city']}", 1.0, runs),
        Page(
            f"district report ({t['district_members']} members, largest district)",
            f"/reports/{t['district']}",
            0.3,
            runs,
        ),
        Page(
            f"branch report ({t['branch_members']} members, largest branch)",
            f"/reports/{t['branch']}",
            0.05,
            runs,
        ),
        Page("branch member list", f"/reports/{t['branch']}/members", 0.05, runs),
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
        Page("district member list, page 1", f"/reports/{t['district']}/members", 0.3, runs),
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
        Page("district XLSX export", f"/reports/{t['district']}/members.xlsx", 10.0, export_runs),
    ]


def measure(client: FlaskClient, page: Page) -> None:
    def get() -> tuple[int, float, int]:
        start = time.perf_counter()
        response = client.get(page.url)
        size = len(response.get_data())
        return response.status_code, time.perf_counter() - start, size

    status, _, _ = get()  # warm-up
    if status == 404:
        page.status = "missing (404)"
        return
    if status != 200:
        page.status = f"error ({status})"
        return
    page.samples = [get()[1] for _ in range(page.runs)]


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
            )
        }
        # Not the benchmark's own administrator.
        counts["users"] -= db.session.scalar(select(func.count()).where(User.username == ADMIN))
        return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--members", type=int, default=112_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--export-runs", type=int, default=3)
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
    counts = row_counts(app)
    t = targets(app)
    client = admin_client(app)
    measured = pages(t, args.runs, args.export_runs)
    for page in measured:
        measure(client, page)
        print(f"  {page.label}: {page.result()}", file=sys.stderr)

    with app.app_context():
        backend = db.engine.dialect.name
        version = db.engine.dialect.server_version_info
    print(f"\n### {backend} {'.'.join(map(str, version or ()))}\n")
    load = harness.load_average(1)
    print(f"Python {platform.python_version()}, {os.cpu_count()} cores, load average {load}.")
    if generator_seconds is not None:
        print(f"Generator: {generator_seconds:.0f} s for {counts['users']} members.")
    print("Rows: " + ", ".join(f"{name} {n:,}" for name, n in counts.items()) + ".\n")
    print("| page | URL | target | median | p95 | result |")
    print("|---|---|---:|---:|---:|---|")
    for page in measured:
        median = statistics.median(page.samples) if page.samples else None
        worst = p95(page.samples) if page.samples else None
        print(
            f"| {page.label} | `{page.url}` | {ms(page.target)} | {ms(median)} | {ms(worst)} "
            f"| {page.result()} |"
        )
    return 0 if all(page.result() in ("pass", "measured") for page in measured) else 1


if __name__ == "__main__":
    sys.exit(main())
