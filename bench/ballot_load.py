r"""A recommendation ballot's last hour over HTTP: thousands of voters casting under gunicorn.

The target (issue): a round with 5,000 voters closing within the hour: 0 errors, and the ballot
POST's p95 under 200 ms on PostgreSQL with 2 workers.

What one run does:

1. a fresh database: a SQLite file in a temporary directory, or, when ``--database-url`` is a
   PostgreSQL URL, ``bench_ballot_<pid>`` created on that server and dropped at the end;
   migrated, then written directly: a city, a district of branches of 100 members each,
   ``--voters`` members in all (default 5,000), every tenth of them a floating member whose
   membership is kept in another district and who is hosted by a branch of this one (eligible by
   host); a secretary of the district sets up a recommendation ballot over the district (8
   candidates, at most 3 each) through the service, open now and closing in 50 minutes;
2. every voter's login session is made in the database and its signed cookie computed with the
   server's secret key (a login is argon2 on purpose and is not what is measured here);
3. the school under gunicorn (``--workers``, default 2 sync workers) and ``bench/hello.py``
   under the same settings; hello's median of ``--hello-runs`` sequential GETs is the yardstick;
4. voters arrive at random at ``--rate`` a second (default 5, i.e. 18,000 an hour: the whole
   electorate would vote in 17 minutes, a rush before the close, not the hour's average), each
   on their own connection per request: GET the ballot page (CSRF token), POST the confirm step
   with 0 to 3 candidates ticked, POST the vote (302 back to the page), GET the page again,
   which must say "您已于"; a secretary reads the audit page (turnout) every 5 seconds meanwhile;
5. afterwards the box is closed in the database and the check compares it with what the voters
   sent: one voter row per voter, and the count per candidate equal to the voters' own tally;
6. a Markdown report on stdout: per step p50/p95/p99/max as the voter saw it and inside the
   worker (access log), errors, hello, load average, machine.

    .venv/bin/python -m bench.ballot_load --voters 500          # a quick check, SQLite
    .venv/bin/python -m bench.ballot_load \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres

The exit status is 0 when no request failed, the vote's p95 is under the target and the check
passes.
"""

from __future__ import annotations

import argparse
import random
import secrets
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import session
from flask_login import login_user
from sqlalchemy import func, insert, select

from bench import harness
from school import create_app
from school.auth.models import LoginSession, User
from school.auth.services import create_user, grant_staff
from school.auth.sessions import IDLE_LIMIT, _digest
from school.ballots import secret, services
from school.ballots.models import BallotVoter, Recommendation
from school.db import db, utcnow
from school.orgs.services import create_org
from tests.conftest import PASSWORD, app_config

VOTERS = 5_000
BRANCH_SIZE = 100
CANDIDATES = 8
MAX_CHOICES = 3
TARGET_SECONDS = 0.2
BATCH = 2_000
USER_AGENT = "bench"


@dataclass
class Built:
    recommendation: int
    candidates: list[int]
    cookies: list[str]  # one signed session cookie per voter
    staff_cookie: str
    cookie_name: str


def _app(url: str, workdir: Path):
    return create_app(app_config(url, workdir / "build", SECRET_KEY=harness.SECRET_KEY))


def build(url: str, workdir: Path, voters: int) -> Built:
    """The tree, the voters, the ballot and every voter's signed-in cookie."""
    app = _app(url, workdir)
    with app.app_context():
        city = create_org("市委", "city")
        district = create_org("第一区委", "district", city)
        elsewhere = create_org("第二区委", "district", city)
        home_branch = create_org("第二区委第一支部", "branch", elsewhere)
        branches = [
            create_org(f"第{i + 1}支部", "branch", district)
            for i in range((voters + BRANCH_SIZE - 1) // BRANCH_SIZE)
        ]
        secretary, _ = create_user("secretary", "赵书记", password=PASSWORD, home_org=district)
        grant_staff(secretary, district, "secretary")
        db.session.flush()
        now = utcnow()
        rows = []
        for i in range(voters):
            branch = branches[i // BRANCH_SIZE]
            floating = i % 10 == 9
            rows.append(
                {
                    "username": f"v{i:05d}",
                    "name": f"投票人{i:05d}",
                    "password_hash": "",
                    "role": "member",
                    "home_org_id": home_branch.id if floating else branch.id,
                    "host_org_id": branch.id if floating else None,
                    "is_floating": floating,
                    "created_at": now,
                }
            )
            if len(rows) == BATCH:
                db.session.execute(insert(User), rows)
                rows = []
        if rows:
            db.session.execute(insert(User), rows)
        names = [f"候选人{chr(0x7532 + n)}" for n in range(CANDIDATES)]
        recommendation = services.save(
            secretary,
            services.RecommendationInput(
                title="推荐区党代会代表候选人",
                kind="party_congress",
                org_text=district.name,
                opens_at=now,
                closes_at=now + timedelta(minutes=50),
                max_choices=MAX_CHOICES,
                candidates_text="\n".join(f"{n} | 第一区委党员" for n in names),
                targets_text=district.name,
            ),
            now,
        )
        built_id = recommendation.id
        candidate_ids = [c.id for c in recommendation.candidates]
        ids = list(
            db.session.scalars(
                select(User.id).where(User.username.like("v%")).order_by(User.username)
            )
        )
        staff_id = secretary.id
        db.session.commit()
        cookies = _sign_in(app, [*ids, staff_id])
        db.engine.dispose()
    return Built(
        built_id,
        candidate_ids,
        cookies[:-1],
        cookies[-1],
        app.config["SESSION_COOKIE_NAME"],
    )


def _sign_in(app, user_ids: list[int]) -> list[str]:
    """A live login session per user, and the session cookie a login would have set."""
    now = utcnow()
    tokens = [secrets.token_urlsafe(32) for _ in user_ids]
    rows = [
        {
            "user_id": uid,
            "token_hash": _digest(token),
            "remember": False,
            "created_at": now,
            "last_seen_at": now,
            "expires_at": now + IDLE_LIMIT,
            "first_ip": harness.HOST,
            "last_ip": harness.HOST,
            "user_agent": USER_AGENT,
        }
        for uid, token in zip(user_ids, tokens, strict=True)
    ]
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(LoginSession), rows[start : start + BATCH])
    db.session.commit()
    serializer = app.session_interface.get_signing_serializer(app)
    cookies = []
    environ = {"REMOTE_ADDR": harness.HOST}
    with app.test_request_context(headers={"User-Agent": USER_AGENT}, environ_base=environ):
        for uid, token in zip(user_ids, tokens, strict=True):
            session.clear()
            user = db.session.get(User, uid)
            user.login_token = token
            login_user(user)
            cookies.append(serializer.dumps(dict(session)))
            db.session.expunge(user)
    return cookies


def vote(browser: harness.Browser, built: Built, chosen: list[int]) -> None:
    """One voter: the page, the confirm step, the vote, the page again."""
    path = f"/ballots/{built.recommendation}"
    page = browser.get(path, "page")
    browser.read_token(page)
    form = [("csrf_token", browser.csrf)] + [("candidate", str(c)) for c in chosen]
    confirm = browser.send("confirm", "POST", f"{path}/confirm", form)
    browser.expect(confirm, 200, "confirm")
    done = browser.send("vote", "POST", f"{path}/vote", form)
    browser.expect(done, 302, "vote")
    after = browser.get(path, "after")
    if "您已于" not in after.text():
        browser.fail("after", "the page does not say the vote was recorded")


def watch(server: harness.Server, built: Built, stop: threading.Event) -> harness.Browser:
    """The secretary reading the audit page (turnout) every 5 seconds until ``stop``."""
    staff = harness.Browser(server.port, index=-1)
    staff.cookies[built.cookie_name] = built.staff_cookie

    def loop() -> None:
        while not stop.wait(5):
            try:
                staff.get(f"/ballots/manage/{built.recommendation}", "audit")
            except harness.Failed:
                return

    threading.Thread(target=loop, daemon=True).start()
    return staff


def load(
    server: harness.Server, built: Built, rate: float, seed: int
) -> tuple[list[harness.Sample], Counter, dict[int, str], float]:
    """Voters arriving at ``rate`` a second (Poisson); returns samples, tally, failures, seconds."""
    rng = random.Random(seed)
    tally: Counter = Counter()
    failures: dict[int, str] = {}
    browsers: list[harness.Browser] = []
    lock = threading.Lock()
    stop = threading.Event()
    staff = watch(server, built, stop)

    def one(index: int, cookie: str, chosen: list[int]) -> None:
        browser = harness.Browser(server.port, index=index)
        browser.cookies[built.cookie_name] = cookie
        with lock:
            browsers.append(browser)
        try:
            vote(browser, built, chosen)
        except harness.Failed as exc:
            with lock:
                failures[index] = str(exc)
            return
        with lock:
            tally.update(chosen)

    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=64) as pool:
        at = began
        for index, cookie in enumerate(built.cookies):
            at += rng.expovariate(rate)
            chosen = rng.sample(built.candidates, rng.randint(0, MAX_CHOICES))
            delay = at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            pool.submit(one, index, cookie, chosen)
    seconds = time.monotonic() - began
    stop.set()
    samples = [s for b in [*browsers, staff] for s in b.samples]
    return samples, tally, failures, seconds


def check(url: str, work: Path, built: Built, tally: Counter) -> tuple[int, bool]:
    """Close the box and compare its voters and counts with what the voters sent."""
    app = _app(url, work)
    with app.app_context():
        recommendation = db.session.get(Recommendation, built.recommendation)
        voters = db.session.scalar(
            select(func.count())
            .select_from(BallotVoter)
            .where(BallotVoter.box_id == recommendation.box_id)
        )
        recommendation.box.closes_at = utcnow() - timedelta(seconds=1)
        db.session.flush()
        eligible = services.eligible_count(recommendation)
        results = secret.results(recommendation.box, utcnow(), eligible)
        counts = {s: c.get(secret.RECOMMEND, 0) for s, c in (results.counts or {}).items()}
        db.session.rollback()
        db.engine.dispose()
    matches = {c: n for c, n in counts.items() if n} == {c: n for c, n in tally.items() if n}
    # The secretary's membership is kept at the district: eligible, not voting.
    expected = len(built.cookies) + 1
    if not matches or eligible != expected:
        print(f"check: {results.reason or ''} eligible {eligible}", file=sys.stderr)
        box, sent = sorted(counts.items()), sorted(tally.items())
        print(f"check: box {box}, voters {sent}", file=sys.stderr)
    return voters or 0, matches and eligible == expected


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    harness.database_option(parser)
    parser.add_argument("--voters", type=int, default=VOTERS, help="eligible voters (5,000)")
    parser.add_argument("--rate", type=float, default=5.0, help="voters arriving a second (5)")
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument(
        "--wait-idle", type=float, default=0, help="seconds to wait for a quiet machine (0)"
    )
    harness.server_options(parser)
    args = parser.parse_args(argv)
    postgres = harness.wants_postgres(parser, args)

    with (
        harness.workdir("bench-ballot-") as work,
        harness.fresh_database(not postgres, args.database_url, work, "bench_ballot") as url,
    ):
        version = harness.server_version(url)
        start = time.perf_counter()
        built = build(url, work, args.voters)
        built_seconds = time.perf_counter() - start
        facts = harness.machine_facts(args.database_url if postgres else None)
        root, code = harness.served_tree(args.commit, work)
        busy = harness.wait_for_quiet(args.wait_idle) if args.wait_idle else None
        load_before = harness.load_average()
        with harness.hello_server(args.workers, work, root) as hello:
            hello_seconds = harness.hello_latency(hello, args.hello_runs)
        with harness.Server(url, args.workers, work, root=root) as server:
            offset = harness.log_offset(server.access_log)
            samples, tally, failures, seconds = load(server, built, args.rate, args.seed)
            time.sleep(0.5)  # the access log's last lines are written after the answers
            served = harness.served_times(server.access_log, offset)
            vote_path = f"/ballots/{built.recommendation}/vote"
            served_vote = harness.served_times(server.access_log, offset, vote_path)
        load_after = harness.load_average()
        voters, matches = check(url, work, built, tally)

    errors = [s for s in samples if s.error or s.status == 0]
    print(f"\n### Recommendation ballot over HTTP: {version}, {args.voters:,} eligible voters\n")
    print(
        f"{harness.utc_now()}; code {code}; {args.workers} gunicorn sync workers; voters "
        f"arriving at {args.rate:g}/s over {seconds:.0f} s; load average {load_before} before, "
        f"{load_after} after. Hello (bare Flask, same gunicorn settings, this run): "
        f"{harness.ms(hello_seconds)} ms median of {args.hello_runs} sequential GETs. "
        f"Data built in {built_seconds:.1f} s."
        + (f" The machine was {busy:.0f}% busy just before." if busy is not None else "")
        + "\n"
    )
    print("| step | requests | p50 | p95 | p99 | max |")
    print("|---|---:|---:|---:|---:|---:|")
    for kind in ("page", "confirm", "vote", "after", "audit"):
        times = sorted(s.latency for s in samples if s.kind == kind and not s.error)
        if not times:
            continue
        label = f"**{kind}**" if kind == "vote" else kind
        print(
            f"| {label} | {len(times):,} | {harness.ms(harness.percentile(times, 50))} "
            f"| {harness.ms(harness.percentile(times, 95))} "
            f"| {harness.ms(harness.percentile(times, 99))} | {harness.ms(times[-1])} |"
        )
    vote_times = sorted(s.latency for s in samples if s.kind == "vote" and not s.error)
    p95 = harness.percentile(vote_times, 95) if vote_times else float("inf")
    worker = sorted(served_vote)
    print(
        f"\nMilliseconds from sending a request to the last byte of its answer, a new "
        f"connection each. Inside the worker (access log): vote p50 "
        f"{harness.ms(harness.percentile(worker, 50))}, p95 "
        f"{harness.ms(harness.percentile(worker, 95))}; all {len(served):,} requests p95 "
        f"{harness.ms(harness.percentile(sorted(served), 95))}. "
        f"Errors: {len(errors) + len(failures)} ({len(failures)} voters stopped). "
        f"Vote p95 {harness.ms(p95)} ms against {harness.ms(TARGET_SECONDS)} ms. "
        f"Check: {voters:,} voters recorded of {len(built.cookies):,}, counts per candidate "
        f"{'equal to' if matches else 'DIFFERENT FROM'} the voters' own tally.\n"
    )
    for index, why in list(failures.items())[:5]:
        print(f"- voter {index}: {why}")
    print("- " + "\n- ".join(facts))
    passed = not errors and not failures and p95 < TARGET_SECONDS
    return 0 if passed and matches and voters == len(built.cookies) else 1


if __name__ == "__main__":
    sys.exit(main())
