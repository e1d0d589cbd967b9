r"""Check-in by phone under load: 200 members scanning the screen's code within a minute.

The target (issue): a check-in answers in under 100 ms at the median with 200 members checking
in within a minute, on SQLite and on PostgreSQL.

What one run does:

1. a fresh database (a SQLite file, or ``bench_checkin_<pid>`` on the PostgreSQL server of
   ``--admin-url`` with ``--postgresql``), migrated, then written through the services: a city
   committee and a branch, its secretary (the organiser), ``--members`` members (default 200,
   real production password hashes) and one class with one session, everyone enrolled; the class
   gives a 培训证明 for full attendance, so every check-in also issues a certificate and tells the
   member (the heaviest check-in there is: the last session of a certifying class);
2. the school under gunicorn (``--workers``, default 2 sync workers) and ``bench/hello.py``
   under the same settings; hello's median of ``--hello-runs`` sequential GETs is the yardstick;
3. every member logs in over HTTP (eight at a time: logins are setup, not measured); the
   organiser's screen fetches ``/manage/classes/sessions/<id>/code`` every 20 s as the
   check-in screen's script does; each member, at a random moment within ``--spread`` seconds
   (default 60), GETs the address of the code on the screen at that moment: the check-in;
4. a Markdown table on stdout: check-in latency to the last byte (median, p95, max) and the
   worker's own time from gunicorn's access log, against hello and the target; refusals; the
   database check (one attendance, one archive entry and one certificate per member); the load
   average before and after, the code version and the machine.

    .venv/bin/python -m bench.checkin_load                   # SQLite
    .venv/bin/python -m bench.checkin_load --postgresql      # PostgreSQL on --admin-url
    .venv/bin/python -m bench.checkin_load --members 50 --spread 15   # a quick look

The exit status is 0 when the median meets the target and the database check passes.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import threading
import time
from datetime import time as clock_time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import func, select

from bench import harness
from school import create_app
from school.archive.models import ArchiveEntry
from school.auth.passwords import PRODUCTION
from school.auth.services import create_user, grant_staff
from school.certificates.models import Certificate
from school.classes import services
from school.classes.models import Attendance, TrainingClass
from school.classes.services import ClassFields
from school.clock import local_today
from school.db import db
from school.orgs.services import create_org

PASSWORD = "bench-checkin-9"  # noqa: S105 - a throwaway database's accounts
ROTATE_SECONDS = 20  # how often the screen fetches a new code (CHECKIN_ROTATE_SECONDS default)
TARGET_MEDIAN = 0.100


def populate(url: str, members: int, workdir: Path) -> tuple[int, list[str]]:
    """The organiser, the members and one enrolled class; returns (session id, usernames)."""
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": harness.SECRET_KEY,
            "FAST_PASSWORD_HASHING": True,
            "MEDIA_DIR": str(workdir / "media"),
            "SEARCH_INDEX_DIR": str(workdir / "search-index"),
        }
    )
    with app.app_context():
        real_hash = PRODUCTION.hash(PASSWORD)
        city = create_org("压测市委", "city", code="BC")
        branch = create_org("压测支部", "branch", city, code="BC01")
        organiser, _ = create_user("organiser", "组织者", password=PASSWORD, home_org=branch)
        organiser.password_hash = real_hash
        grant_staff(organiser, branch, "secretary")
        people = []
        for i in range(members):
            user, _ = create_user(f"m{i:04d}", f"党员{i:04d}", password=PASSWORD, home_org=branch)
            user.password_hash = real_hash
            people.append(user)
        fields = ClassFields(
            title="压测培训班", kind="homecoming", place="会议室", certificate_share=100
        )
        training_class = services.create_class(organiser, branch, fields)
        session = services.add_session(
            organiser,
            training_class,
            title="开班",
            day=local_today(),
            start=clock_time(0),
            end=clock_time(23, 59),
            hours=Decimal(4),
        )
        services.bulk_enrol(training_class, people, organiser)
        db.session.commit()
        result = session.id, [u.username for u in people]
        db.engine.dispose()
    return result


class Screen:
    """The organiser's check-in screen: a new code every 20 s, as checkin-screen.js asks."""

    def __init__(self, browser: harness.Browser, session_id: int) -> None:
        self.browser = browser
        self.url = f"/manage/classes/sessions/{session_id}/code"
        self.path = ""
        self.stop = threading.Event()
        self.refresh()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def refresh(self) -> None:
        answer = self.browser.send("code", "GET", self.url, json_reply=True)
        self.browser.expect(answer, 200, "code")
        self.path = urlsplit(json.loads(answer.body)["url"]).path

    def _run(self) -> None:
        while not self.stop.wait(ROTATE_SECONDS):
            self.refresh()


def verify(url: str, members: int) -> tuple[bool, str]:
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": harness.SECRET_KEY})
    with app.app_context():
        attendances = db.session.scalar(select(func.count(Attendance.id)))
        entries = db.session.scalar(
            select(func.count(ArchiveEntry.id)).where(
                ArchiveEntry.dedupe_key.like("class-session:%")
            )
        )
        certificates = db.session.scalar(
            select(func.count(Certificate.id)).where(Certificate.revoked_at.is_(None))
        )
        title = db.session.scalar(select(TrainingClass.title))
        db.engine.dispose()
    ok = attendances == members and entries == members and certificates == members
    return (
        ok,
        f"{attendances} attendances, {entries} archive entries, {certificates} certificates for "
        f"{members} members ({title})",
    )


def run(opts: argparse.Namespace) -> int:
    backend = "postgresql" if opts.postgresql else "sqlite"
    load_before = harness.load_average()
    rng = random.Random(opts.seed)
    workdir = Path(tempfile.mkdtemp(prefix="bench-checkin-"))
    out: list[str] = []
    try:
        facts = harness.machine_facts(opts.admin_url if opts.postgresql else None)
        with harness.fresh_database(
            not opts.postgresql, opts.admin_url, workdir, "bench_checkin"
        ) as url:
            session_id, usernames = populate(url, opts.members, workdir)
            with (
                harness.hello_server(opts.workers, workdir) as hello,
                harness.Server(url, opts.workers, workdir) as server,
            ):
                hello_median = harness.hello_latency(hello, opts.hello_runs)
                browsers = [harness.Browser(server.port, index=i) for i in range(len(usernames))]
                failures = harness.log_in_all(
                    browsers, lambda b: b.log_in(usernames[b.index], PASSWORD)
                )
                organiser = harness.Browser(server.port, index=-1)
                organiser.log_in("organiser", PASSWORD)
                screen = Screen(organiser, session_id)
                screen.thread.start()
                offset = harness.log_offset(server.access_log)
                arrivals = sorted(rng.uniform(0, opts.spread) for _ in browsers)
                latencies: list[float] = []
                refused: list[str] = []
                lock = threading.Lock()
                began = time.monotonic()

                def member(browser: harness.Browser, arrival: float) -> None:
                    time.sleep(max(0.0, began + arrival - time.monotonic()))
                    answer = browser.send("checkin", "GET", screen.path)
                    with lock:
                        if answer.status == 200 and "签到成功" in answer.text():
                            latencies.append(answer.seconds)
                        else:
                            refused.append(f"{answer.status}")

                threads = [
                    threading.Thread(target=member, args=(b, a), daemon=True)
                    for b, a in zip(browsers, arrivals, strict=True)
                    if b.index not in failures
                ]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join(timeout=opts.spread + 60)
                phase = time.monotonic() - began
                screen.stop.set()
                time.sleep(0.5)
                served = [
                    t
                    for line_path, t in _served(server.access_log, offset)
                    if line_path.startswith("/classes/checkin/")
                ]
            ok_db, db_text = verify(url, len(latencies))
        median, p95, worst = harness.spread(latencies) if latencies else (float("nan"),) * 3
        s_median, s_p95, s_max = harness.spread(served) if served else (float("nan"),) * 3
        ok = bool(latencies) and median < TARGET_MEDIAN and ok_db and not refused
        say = out.append
        say(f"## Check-in by phone, {backend}, {harness.utc_now()}")
        say("")
        say(
            f"{len(latencies)} members checked in over {phase:.0f} s (spread {opts.spread:.0f} s), "
            f"gunicorn {opts.workers} sync workers; code {harness.code_version()}"
        )
        say("")
        say("| | median ms | p95 ms | max ms |")
        say("|---|---|---|---|")
        for label, figures in (
            ("check-in (client, to last byte)", (median, p95, worst)),
            ("check-in (worker's own time)", (s_median, s_p95, s_max)),
        ):
            say(f"| {label} | {' | '.join(harness.ms(x) for x in figures)} |")
        say(f"| hello (sequential) | {harness.ms(hello_median)} | | |")
        say("")
        say(f"- target: median under {TARGET_MEDIAN * 1000:.0f} ms: {'met' if ok else 'NOT met'}")
        say(f"- refused or failed: {len(refused)} {refused[:5]}; login failures: {len(failures)}")
        say(f"- database: {db_text}: {'ok' if ok_db else 'WRONG'}")
        say(f"- load average before: {load_before}; after: {harness.load_average()}")
        for fact in facts:
            say(f"- {fact}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        print("\n".join(out))
    return 0 if ok else 1


def _served(log: Path, start: int) -> list[tuple[str, float]]:
    """(path, worker seconds) of the access log's lines after ``start``."""
    if not log.exists():
        return []
    with log.open() as lines:
        lines.seek(start)
        rows = [line.split() for line in lines if line.strip()]
    return [(row[1], int(row[-1]) / 1e6) for row in rows]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgresql", action="store_true", help="PostgreSQL, not SQLite")
    parser.add_argument("--admin-url", default=harness.ADMIN_URL)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--spread", type=float, default=60.0, help="seconds of arrivals (60)")
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--hello-runs", type=int, default=20)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
