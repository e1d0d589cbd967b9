r"""Aimed reminders over HTTP: a reminder to 5,000 overdue members, queued, under gunicorn.

The target (issue): a reminder to 5,000 members queued in under 2 seconds.

What one run does:

1. a fresh database: a SQLite file in a temporary directory, or, when ``--database-url`` (default
   ``$DATABASE_URL``) is a PostgreSQL URL, ``bench_remind_<pid>`` created on that server and
   dropped at the end; migrated, then written directly: a city, a district and two branches of
   ``--members`` members each (default 5,000), none of whom has studied this year, so all are on
   the overdue list; half of them have an email address; a secretary who manages the district;
2. the school under gunicorn (``--workers``, default 2 sync workers) and ``bench/hello.py``
   under the same settings; hello's median of ``--hello-runs`` sequential GETs is the yardstick;
3. the secretary logs in over HTTP, then for each branch: GET the overdue list, GET the compose
   page for everyone on the list (the preview: counts and the first messages), and POST its
   confirm form (CSRF token, message, channel, the count shown): the timed step; then the
   batch page it redirects to. Branch one is
   reminded in-app only; branch two in-app plus email, so 5,000 email copies are queued too
   (more than ``REMINDER_DELIVER_INLINE``: none is sent in the request);
4. ``flask reminders deliver`` then sends the queued email copies with the logging sender
   (timed as a process, start-up included);
5. a Markdown table on stdout and a check of the database (reminders, notifications, copies).

    .venv/bin/python -m bench.remind_load                      # a temporary SQLite file
    .venv/bin/python -m bench.remind_load \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres
    .venv/bin/python -m bench.remind_load --members 300       # a quick check

The exit status is 0 when every confirm meets the target and the database check passes.
"""

from __future__ import annotations

import argparse
import random
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, insert, select

from bench import harness
from school import create_app
from school.auth.models import User
from school.auth.services import create_user, grant_staff
from school.db import db, utcnow
from school.notifications.models import Notification
from school.orgs.services import create_org
from school.reports.models import Reminder, ReminderDelivery
from tests.conftest import PASSWORD, app_config

MEMBERS = 5_000
TARGET_SECONDS = 2.0
BATCH = 5_000
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂"
CONFIRM_COUNT = re.compile(r"将提醒 ([\d,]+) 人")


def build(url: str, workdir: Path, members: int, seed: int = 20261206) -> list[int]:
    """The tree, the secretary and two branches of overdue members; returns the branch ids."""
    rng = random.Random(seed)
    app = _app(url, workdir)
    with app.app_context():
        city = create_org("市委", "city")
        district = create_org("第一区委", "district", city)
        branches = [create_org(f"第{i + 1}支部", "branch", district) for i in range(2)]
        secretary, _ = create_user("secretary", "赵书记", password=PASSWORD, home_org=district)
        grant_staff(secretary, district, "secretary")
        db.session.flush()
        now = utcnow()
        for b, branch in enumerate(branches):
            rows = []
            for i in range(members):
                rows.append(
                    {
                        "username": f"m{b}_{i:05d}",
                        "name": rng.choice(SURNAMES)
                        + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2))),
                        "password_hash": "",
                        "role": "member",
                        "home_org_id": branch.id,
                        "email": f"m{b}_{i:05d}@example.cn" if i % 2 else None,
                        "phone": f"138{b}{i:07d}",
                        "created_at": now,
                    }
                )
                if len(rows) == BATCH:
                    db.session.execute(insert(User), rows)
                    rows = []
            if rows:
                db.session.execute(insert(User), rows)
        ids = [branch.id for branch in branches]
        db.session.commit()
        db.engine.dispose()
    return ids


def _app(url: str, workdir: Path):
    # The tests' cheap password hashing: the secretary's login is set-up, not what is measured.
    return create_app(app_config(url, workdir / "build"))


@dataclass
class Run:
    label: str
    listing: float
    compose: float
    confirm: float
    confirm_worker: float | None
    batch: float
    shown: str


def remind(
    browser: harness.Browser, server: harness.Server, label: str, branch: int, channel: str
) -> Run:
    """The overdue list, the compose page for all of it, and the confirm (timed)."""
    start = harness.log_offset(server.access_log)
    listing = browser.get(f"/reports/{branch}/overdue", "list")
    compose = browser.get(
        f"/reports/{branch}/overdue/remind?scope=all&relation=both&channel={channel}", "compose"
    )
    page = compose.text()
    shown = CONFIRM_COUNT.search(page)
    if shown is None:
        raise harness.Failed(f"{label}: no confirm on the compose page:\n{page[:2000]}")
    path = f"/reports/{branch}/overdue/remind"
    # The page's first form (same path) is the GET that previews again; the confirm follows it.
    confirm_form = page[page.index('<form method="post"') :]
    confirm = browser.send("confirm", "POST", path, harness.form_fields(confirm_form, path))
    browser.expect(confirm, 302, f"{label}: confirm")
    if "/reports/reminders/" not in confirm.location():
        raise harness.Failed(f"{label}: the confirm went to {confirm.location()}")
    batch = browser.get(confirm.location(), "batch")
    time.sleep(0.2)  # the access log's lines are written after the answers
    return Run(
        label,
        listing.seconds,
        compose.seconds,
        confirm.seconds,
        harness.last_served(server, start, path),
        batch.seconds,
        shown.group(1),
    )


def deliver(url: str, work: Path, root: Path) -> tuple[float, str]:
    """``flask reminders deliver`` as cron would run it: seconds (process included), output."""
    env = harness.app_env(url, work, {"EMAIL_SENDER": "log"})
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "reminders", "deliver"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return time.perf_counter() - began, done.stdout.strip().splitlines()[-1]


def check(url: str, work: Path, members: int) -> tuple[int, int, dict[str, int]]:
    app = _app(url, work)
    with app.app_context():
        reminders = db.session.scalar(select(func.count()).select_from(Reminder))
        notes = db.session.scalar(select(func.count()).select_from(Notification))
        states = dict(
            db.session.execute(
                select(ReminderDelivery.state, func.count()).group_by(ReminderDelivery.state)
            ).all()
        )
        db.engine.dispose()
    return reminders, notes, states


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    harness.database_option(parser)
    parser.add_argument("--members", type=int, default=MEMBERS, help="overdue members a branch")
    harness.server_options(parser)
    args = parser.parse_args(argv)
    postgres = harness.wants_postgres(parser, args)

    with (
        harness.workdir("bench-remind-") as work,
        harness.fresh_database(not postgres, args.database_url, work, "bench_remind") as url,
    ):
        version = harness.server_version(url)
        start = time.perf_counter()
        branches = build(url, work, args.members)
        built = time.perf_counter() - start
        facts = harness.machine_facts(args.database_url if postgres else None)
        root, code = harness.served_tree(args.commit, work)
        load_before = harness.load_average()
        with harness.hello_server(args.workers, work, root) as hello:
            hello_seconds = harness.hello_latency(hello, args.hello_runs)
        with harness.Server(url, args.workers, work, root=root) as server:
            browser = harness.Browser(server.port)
            browser.log_in("secretary", PASSWORD)
            runs = [
                remind(browser, server, "in-app", branches[0], "inapp"),
                remind(browser, server, "in-app + email (queued)", branches[1], "email"),
            ]
            for run in runs:
                print(f"  {run.label}: {run.confirm:.2f} s", file=sys.stderr)
        deliver_seconds, deliver_output = deliver(url, work, root)
        load_after = harness.load_average()
        reminders, notes, states = check(url, work, args.members)

    half = args.members // 2
    checked = (
        reminders == 2 * args.members
        and notes == 2 * args.members
        and states == {"sent": half, "failed": args.members - half}
    )
    print(f"\n### Aimed reminders over HTTP: {version}, {args.members:,} overdue members\n")
    print(
        f"{harness.utc_now()}; code {code}; {args.workers} gunicorn sync workers; load average "
        f"{load_before} before, {load_after} after. Hello (bare Flask, same gunicorn settings, "
        f"this run): {harness.ms(hello_seconds)} ms median of {args.hello_runs} sequential GETs. "
        f"Data built in {built:.1f} s.\n"
    )
    print(
        "| reminder | overdue list | compose (preview) | **confirm** | "
        f"of {TARGET_SECONDS:g} s | worker: confirm | batch page | count shown |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for run in runs:
        print(
            f"| {run.label} | {harness.ms(run.listing)} | {harness.ms(run.compose)} "
            f"| **{harness.ms(run.confirm)}** | {run.confirm / TARGET_SECONDS:.0%} "
            f"| {harness.ms(run.confirm_worker)} | {harness.ms(run.batch)} | {run.shown} |"
        )
    print(
        "\nMilliseconds, one request per step (each confirm changes the database), from sending "
        "it to the last byte of the answer (the confirm answers with a redirect to the batch; "
        "its page, 50 members a page, is the next GET); "
        "worker: the time gunicorn's worker spent on it (access log). "
        f"`flask reminders deliver` afterwards: {deliver_seconds:.1f} s as a process "
        f"(\u201c{deliver_output}\u201d; the logging sender). "
        f"Check: {reminders:,} reminders and {notes:,} notifications (expected "
        f"{2 * args.members:,} each), email copies {states} (half the members have an "
        f"address): {'passed' if checked else 'FAILED'}.\n"
    )
    print("- " + "\n- ".join(facts))
    met = all(run.confirm < TARGET_SECONDS for run in runs)
    return 0 if met and checked else 1


if __name__ == "__main__":
    sys.exit(main())
