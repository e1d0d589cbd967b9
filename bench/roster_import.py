r"""Benchmark: a 10,000-row roster must import (dry run, then apply) in under a minute.

Builds an organisation tree (a city committee, 10 districts, 200 branches with codes, a work
committee with 10 outbound branches) and a city's worth of members already registered
(``--background``, default 100,000), then generates a 10,000-row .xlsx as a branch would fill it
in and times, through the app's test client as a secretary of the city committee (the whole tree
in scope, so every row's scope is checked):

1. first import: upload + dry run (the preview page), then apply: 10,000 new accounts;
2. the same file again: dry run and apply find 10,000 rows unchanged;
3. a changed file: every phone number differs and 1,000 members get a host organisation
   (10,000 updates and 2,000 flow events).

    .venv/bin/python -m bench.roster_import          # a temporary SQLite file
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python -m bench.roster_import

A PostgreSQL URL names the server: the benchmark creates its own database bench_roster_<pid>
there and drops it afterwards.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import re
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import make_url

from bench import harness
from school import create_app
from school.auth.models import User
from school.auth.services import create_user, grant_staff
from school.db import db, utcnow
from school.members import roster_sheet
from school.members.models import FlowEvent
from school.orgs.services import create_org
from tests.conftest import PASSWORD, app_config
from tests.databases import migrate

ROWS = 10_000
TARGET_SECONDS = 60.0
BATCH = 5_000
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂"


def build(url: str, background: int, seed: int = 20261126) -> list[str]:
    """The tree, the importer and the members already registered; returns the branch codes."""
    rng = random.Random(seed)
    app = _app(url)
    with app.app_context():
        city = create_org("市委", "city")
        codes = []
        branches = []
        for d in range(10):
            district = create_org(f"第{d + 1}区委", "district", city)
            for b in range(20):
                branch = create_org(f"第{d + 1}区第{b + 1}支部", "branch", district)
                branch.code = f"B{d:02d}{b:02d}"
                codes.append(branch.code)
                branches.append(branch)
        committee = create_org("流动党员工作委员会", "work_committee", city)
        for h in range(10):
            outbound = create_org(f"驻外第{h + 1}支部", "outbound_branch", committee)
            outbound.code = f"H{h:02d}"
        importer, _ = create_user("importer", "组织部", password=PASSWORD, home_org=city)
        grant_staff(importer, city, "secretary")
        db.session.flush()
        rows = []
        now = utcnow()
        for i in range(background):
            rows.append(
                {
                    "username": f"old{i:06d}",
                    "name": _name(rng),
                    "password_hash": "",
                    "role": "member",
                    "home_org_id": rng.choice(branches).id,
                    "membership_no": f"OLD-{i:06d}",
                    "created_at": now,
                }
            )
            if len(rows) == BATCH:
                db.session.execute(insert(User), rows)
                rows = []
        if rows:
            db.session.execute(insert(User), rows)
        db.session.commit()
    return codes


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


def roster_xlsx(codes: list[str], changed: bool = False, seed: int = 7) -> bytes:
    """10,000 rows in the template's layout; ``changed`` alters phones and adds 1,000 hosts."""
    rng = random.Random(seed)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(roster_sheet.SHEET)
    sheet.append(list(roster_sheet.HEADERS))
    start = date(1980, 1, 1)
    for i in range(ROWS):
        joined = start + timedelta(days=rng.randint(0, 15_000))
        phone = f"1{rng.choice('3578')}{(i * 7919 + (1 if changed else 0)) % 10**9:09d}"
        host = f"H{i % 10:02d}" if changed and i % 10 == 0 else ""
        sheet.append(
            [
                f"NEW-{i:06d}",
                _name(rng),
                rng.choice("男女"),
                phone,
                joined,  # a real Excel date cell
                codes[i % len(codes)],
                host,
                "是" if host else "否",
                "深圳" if host else "",
                "",
                "",
                "",
            ]
        )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _app(url: str):
    return create_app(
        app_config(
            url, Path(tempfile.gettempdir()) / f"bench-roster-{os.getpid()}", WTF_CSRF_ENABLED=False
        )
    )


def timed_import(url: str, data: bytes) -> dict[str, float | int | str]:
    """Upload + dry run (preview page), then apply, through the app; seconds for each."""
    app = _app(url)
    client = app.test_client()
    response = client.post("/login", data={"username": "importer", "password": PASSWORD})
    assert response.status_code == 302
    start = time.perf_counter()
    response = client.post(
        "/manage/roster/preview",
        data={"file": (io.BytesIO(data), "roster.xlsx")},
        content_type="multipart/form-data",
    )
    dry = time.perf_counter() - start
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "错误（" not in page, page[:2000]
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    start = time.perf_counter()
    response = client.post("/manage/roster/apply", data={"token": token})
    applied = time.perf_counter() - start
    result = response.get_data(as_text=True)
    assert "名册已导入" in result, result[:2000]
    counts = dict(re.findall(r"<dt>([^<]+)</dt><dd><strong>(\d+)</strong>", result))
    return {"dry": dry, "apply": applied, "counts": counts}


def _parse_only(data: bytes) -> float:
    start = time.perf_counter()
    sheet = roster_sheet.read_file("roster.xlsx", data)
    assert len(sheet.rows) == ROWS
    return time.perf_counter() - start


def _check(url: str) -> tuple[int, int]:
    app = _app(url)
    with app.app_context():
        new = db.session.scalar(
            select(func.count()).select_from(User).where(User.membership_no.like("NEW-%"))
        )
        events = db.session.scalar(select(func.count()).select_from(FlowEvent))
    return new, events


def _server_version(url: str) -> str:
    engine = create_engine(url)
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            version = "SQLite " + conn.scalar(text("select sqlite_version()"))
        else:
            version = "PostgreSQL " + conn.scalar(text("show server_version"))
    engine.dispose()
    return version


def _throwaway_postgres(server_url: str) -> str:
    return harness.create_postgres(server_url, f"bench_roster_{os.getpid()}")


def _drop_postgres(server_url: str, url: str) -> None:
    harness.drop_postgres(server_url, make_url(url).database)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--background", type=int, default=100_000)
    args = parser.parse_args()

    given = os.environ.get("DATABASE_URL", "")
    workdir = tempfile.TemporaryDirectory(prefix="bench-roster-")
    on_server = bool(given) and make_url(given).get_backend_name() == "postgresql"
    if not given:
        url = f"sqlite:///{workdir.name}/bench.db"
    elif on_server:
        url = _throwaway_postgres(given)
    else:
        url = given
    try:
        migrate(url)
        start = time.perf_counter()
        codes = build(url, args.background)
        built = time.perf_counter() - start
        first = roster_xlsx(codes)
        changed = roster_xlsx(codes, changed=True)
        parse = _parse_only(first)
        runs = {
            "first import (creates)": timed_import(url, first),
            "same file again (unchanged)": timed_import(url, first),
            "changed file (updates + flow events)": timed_import(url, changed),
        }
        new, events = _check(url)
        version = _server_version(url)
    finally:
        if on_server:
            _drop_postgres(given, url)
        workdir.cleanup()
    print(f"{version}: {args.background} members already registered, built in {built:.1f} s")
    print(f"file: {ROWS} rows, {len(first) / 1024:.0f} KB; reading it alone: {parse:.2f} s")
    for label, run in runs.items():
        total = run["dry"] + run["apply"]
        print(
            f"{label:<40} dry run {run['dry']:6.2f} s  apply {run['apply']:6.2f} s  "
            f"total {total:6.2f} s ({total / TARGET_SECONDS:.0%} of 60 s)  {run['counts']}"
        )
    print(f"check: {new} imported members, {events} flow events")
    assert new == ROWS and events == 2 * ROWS // 10


if __name__ == "__main__":
    main()
