r"""Group credit over HTTP: a secretary credits 500 members in one action, under gunicorn.

The target (issue 18): crediting 500 members in one action answers in under 2 seconds, on SQLite
and on PostgreSQL.

What one run does:

1. a fresh database (a SQLite file, or ``bench_credit_<pid>`` on the PostgreSQL server of
   ``--database-url``), migrated, then written directly: a city committee, 10 districts, 200
   branches, ``--background`` members spread over them (default 20,000) and two branches of
   ``--members`` members each (default 500), every member with a membership number and some
   study this year; the secretary of the city committee (the whole tree in scope), who has
   launched a city-wide campaign of 30 学时 that gives certificates (``--no-campaign``: none), so
   each member credited is checked against it and those who reach it are certified;
2. the school under gunicorn (``--workers``, default 2 sync workers) next to ``bench/hello.py``
   under the same settings; hello's median of ``--hello-runs`` sequential GETs is the yardstick;
3. the secretary logs in over HTTP and credits, as the pages are used: a 党课 for the whole of
   the first branch (the branch choice), and a 支部党员大会 of the second from an attendance
   sheet (.xlsx, one row per member with number and name). Each: GET the form, POST the preview
   (the dry run: every member checked, scope, dedupe), POST the confirmation (the action that
   credits: the plan made again, 500 archive entries, year progress, rollups, the batch, the
   audit line, commit), GET the batch page it leads to;
4. a Markdown table on stdout: each request's time to the last byte and the worker's own time
   (gunicorn's access log), the confirmation against the target, and a check of the database
   (each member credited once, 学时 added once), with the load average before and after.

    .venv/bin/python -m bench.group_credit                      # a temporary SQLite file
    .venv/bin/python -m bench.group_credit \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres

The exit status is 0 when every confirmation meets the target and the check passes.
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import func, insert, select

from bench import harness
from school import create_app
from school.archive import progress, rollups
from school.archive.models import ArchiveEntry, YearProgress
from school.auth.models import User
from school.auth.services import create_user, grant_staff
from school.campaigns import services as campaigns
from school.clock import local_today
from school.db import db, utcnow
from school.orgs.services import create_org
from tests.conftest import PASSWORD, app_config

MEMBERS = 500
TARGET_SECONDS = 2.0
BATCH = 5_000
FORM = "/manage/credits/new"
PREVIEW = "/manage/credits/preview"
CONFIRM = "/manage/credits/confirm"


def _app(url: str, workdir: Path):
    return create_app(app_config(url, workdir / "build"))


def build(
    url: str, workdir: Path, background: int, members: int, campaign: bool
) -> tuple[int, int]:
    """The tree, the members, some study and (``campaign``) a city-wide campaign that gives
    certificates; returns the two branches' ids."""
    rng = random.Random(20261206)
    app = _app(url, workdir)
    with app.app_context():
        city = create_org("市委", "city")
        branches = []
        for d in range(10):
            district = create_org(f"第{d + 1}区委", "district", city)
            branches += [
                create_org(f"第{d + 1}区第{b + 1}支部", "branch", district) for b in range(20)
            ]
        first, second = branches[0], branches[1]
        secretary, _ = create_user("secretary", "组织部", password=PASSWORD, home_org=city)
        grant_staff(secretary, city, "secretary")
        db.session.flush()
        now = utcnow()
        rows = []
        total = background + 2 * members
        for i in range(total):
            if i < members:
                home = first
            elif i < 2 * members:
                home = second
            else:  # the two measured branches hold exactly ``members`` each
                home = rng.choice(branches[2:])
            rows.append(
                {
                    "username": f"m{i:06d}",
                    "name": f"党员{i}",
                    "password_hash": "",
                    "role": "member",
                    "home_org_id": home.id,
                    "membership_no": f"M{i:06d}",
                    "created_at": now,
                }
            )
            if len(rows) == BATCH:
                db.session.execute(insert(User), rows)
                rows = []
        if rows:
            db.session.execute(insert(User), rows)
        # Some study this year for a third of them, so year rows exist and statuses move.
        ids = db.session.scalars(select(User.id).where(User.username.like("m%"))).all()
        when = utcnow() - timedelta(days=1)
        entries = [
            {
                "member_id": member_id,
                "kind": "offline",
                "source": "offline",
                "title": "自学",
                "hours": Decimal(rng.randint(1, 40)),
                "completed_at": when,
                "recorded_at": now,
                "dedupe_key": f"bench:{member_id}",
                "recorded_by_id": secretary.id,
            }
            for member_id in ids
            if member_id % 3 == 0
        ]
        for start in range(0, len(entries), BATCH):
            db.session.execute(insert(ArchiveEntry), entries[start : start + BATCH])
        progress.rebuild()
        rollups.rebuild()
        if campaign:
            # Every member credited is then checked against it, and those who reach its 学时
            # receive a certificate: the heaviest crediting there is.
            today = local_today()
            draft = campaigns.save_draft(
                secretary,
                campaigns.CampaignInput(
                    title="全市专题教育",
                    org_text=city.name,
                    start_on=today - timedelta(days=3),
                    deadline=today + timedelta(days=30),
                    hours_target=Decimal(30),
                    targets_text=city.name,
                    certificate=True,
                ),
            )
            campaigns.launch(secretary, draft, f"/campaigns/{draft.id}")
        db.session.commit()
        result = first.id, second.id
        db.engine.dispose()
    return result


def attendance_xlsx(start: int, members: int) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("签到表")
    sheet.append(["党员编号", "姓名", "签到"])
    for i in range(start, start + members):
        sheet.append([f"M{i:06d}", f"党员{i}", "✓"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@dataclass
class Run:
    label: str
    form: float
    preview: float
    confirm: float
    batch: float
    workers: list[float | None]


def credit(
    browser: harness.Browser,
    server: harness.Server,
    label: str,
    study: list[tuple[str, str]],
    files: list[tuple[str, str, bytes]],
) -> Run:
    """The form, the preview, the confirmation and the batch page, as a secretary uses them."""
    start = harness.log_offset(server.access_log)
    form = browser.get(FORM, "form")
    # The form's token; the study and the choice are filled in as the secretary would.
    fields = [(k, v) for k, v in harness.form_fields(form.text(), PREVIEW) if k == "csrf_token"]
    preview = browser.send("preview", "POST", PREVIEW, fields + study, files=files)
    page = preview.text()
    if preview.status != 200 or "确认记入" not in page:
        raise harness.Failed(f"{label}: the preview answered {preview.status}:\n{page[:3000]}")
    confirm = browser.send("confirm", "POST", CONFIRM, harness.form_fields(page, CONFIRM))
    if confirm.status != 302:
        raise harness.Failed(f"{label}: the confirmation answered {confirm.status}")
    location = confirm.location()
    batch = browser.get(location, "batch")
    time.sleep(0.2)  # the access log's lines are written after the answers
    return Run(
        label,
        form.seconds,
        preview.seconds,
        confirm.seconds,
        batch.seconds,
        [harness.last_served(server, start, p) for p in (FORM, PREVIEW, CONFIRM, location)],
    )


def _check(url: str, workdir: Path, members: int) -> tuple[int, int, int]:
    app = _app(url, workdir)
    with app.app_context():
        entries = db.session.scalar(
            select(func.count()).where(ArchiveEntry.dedupe_key.like("group:%"))
        )
        distinct = db.session.scalar(
            select(func.count(func.distinct(ArchiveEntry.member_id))).where(
                ArchiveEntry.dedupe_key.like("group:%")
            )
        )
        # The progress rows agree with the ledger after the two batches.
        kept = db.session.execute(
            select(YearProgress.member_id, YearProgress.year, YearProgress.hours).order_by(
                YearProgress.member_id, YearProgress.year
            )
        ).all()
        progress.rebuild()
        rebuilt = db.session.execute(
            select(YearProgress.member_id, YearProgress.year, YearProgress.hours).order_by(
                YearProgress.member_id, YearProgress.year
            )
        ).all()
        db.session.rollback()
        db.engine.dispose()
    return entries, distinct, int(kept == rebuilt)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    harness.database_option(parser)
    parser.add_argument("--background", type=int, default=20_000, help="other members")
    parser.add_argument("--members", type=int, default=MEMBERS, help="members per batch")
    parser.add_argument(
        "--no-campaign",
        action="store_true",
        help="without the city-wide campaign that gives certificates",
    )
    harness.server_options(parser)
    args = parser.parse_args(argv)
    postgres = harness.wants_postgres(parser, args)

    with (
        harness.workdir("bench-credit-") as work,
        harness.fresh_database(not postgres, args.database_url, work, "bench_credit") as url,
    ):
        version = harness.server_version(url)
        started = time.perf_counter()
        first, second = build(url, work, args.background, args.members, not args.no_campaign)
        built = time.perf_counter() - started
        with _app(url, work).app_context():
            day = (local_today() - timedelta(days=1)).isoformat()
        facts = harness.machine_facts(args.database_url if postgres else None)
        root, code = harness.served_tree(args.commit, work)
        load_before = harness.load_average()
        with harness.hello_server(args.workers, work, root) as hello:
            hello_seconds = harness.hello_latency(hello, args.hello_runs)
        with harness.Server(url, args.workers, work, root=root) as server:
            browser = harness.Browser(server.port)
            browser.log_in("secretary", PASSWORD)

            def study(kind: str, org: int) -> list[tuple[str, str]]:
                return [
                    ("kind", kind),
                    ("title", "学习党章"),
                    ("held_on", day),
                    ("hours", "2"),
                    ("org_id", str(org)),
                    ("note", ""),
                ]

            runs = [
                credit(
                    browser,
                    server,
                    f"whole branch ({args.members})",
                    [*study("party_lecture", first), ("how", "branch"), ("branch_id", str(first))],
                    [],
                ),
                credit(
                    browser,
                    server,
                    f"attendance sheet ({args.members} rows)",
                    [*study("branch_meeting", second), ("how", "sheet")],
                    [("sheet", "签到表.xlsx", attendance_xlsx(args.members, args.members))],
                ),
            ]
            for run in runs:
                print(f"  {run.label}: confirm {run.confirm:.2f} s", file=sys.stderr)
        load_after = harness.load_average()
        entries, distinct, agrees = _check(url, work, args.members)

    checked = entries == distinct == 2 * args.members and agrees
    print(
        f"\n### Group credit over HTTP: {version}, {args.members} members per batch, "
        f"{args.background:,} other members"
        f"{'' if args.no_campaign else ', a city-wide campaign giving certificates'}\n"
    )
    print(
        f"{harness.utc_now()}; code {code}; {args.workers} gunicorn sync workers; load average "
        f"{load_before} before, {load_after} after. Hello (bare Flask, same gunicorn settings, "
        f"this run): {harness.ms(hello_seconds)} ms median of {args.hello_runs} sequential GETs. "
        f"Data built in {built:.1f} s.\n"
    )
    print(
        f"| batch | form | preview (dry run) | **confirm (credits)** | of {TARGET_SECONDS:g} s "
        "| batch page | worker: form / preview / confirm / batch |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for run in runs:
        print(
            f"| {run.label} | {harness.ms(run.form)} | {harness.ms(run.preview)} "
            f"| **{harness.ms(run.confirm)}** "
            f"| {run.confirm / TARGET_SECONDS:.0%} | {harness.ms(run.batch)} "
            f"| {' / '.join(harness.ms(w) for w in run.workers)} |"
        )
    print(
        "\nMilliseconds, one request per step, from sending it to the last byte of the answer; "
        "worker: the time gunicorn's worker spent on it (access log). "
        f"Check: {entries} group entries for {distinct} members (expected {2 * args.members} "
        f"each), progress equal to a rebuild: {'passed' if checked else 'FAILED'}.\n"
    )
    print("- " + "\n- ".join(facts))
    met = all(run.confirm < TARGET_SECONDS for run in runs)
    return 0 if met and checked else 1


if __name__ == "__main__":
    sys.exit(main())
