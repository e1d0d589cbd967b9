"""Quiz load benchmark: many members start the same quiz within a minute.

The requirement (from the issue): with 300 members starting the same quiz within a minute on this
machine's two cores, no request fails and saving an answer stays under 100 ms at the median.

What one run does:

1. makes a fresh database (PostgreSQL by default, ``--sqlite`` for a temporary SQLite file),
   migrates it, and adds the members and one published 20-question quiz with a 30-minute limit;
2. serves the app with gunicorn on 127.0.0.1 (``--workers N``), as the README deploys it;
3. logs every member in first (argon2 is deliberately slow and is not what the issue measures),
   then, in the measured phase, lets the members arrive spread over ``--spread`` seconds: each
   starts the quiz, opens every question page, saves an answer on it (the JSON autosave) after a
   short think time, submits and opens the result;
4. prints latency percentiles per request kind, the failures, where the CPU went and what the
   server itself reported, and checks in the database that nothing was lost;
5. stops the server and drops the database.

Run from the project root: ``.venv/bin/python -m bench.quiz_load [--sqlite] [--workers N]``.
The exit status is 0 only when the requirement is met and the database check passes.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import shlex
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import nullcontext, suppress
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import Engine, make_url

from bench.harness import (
    ADMIN_URL,
    REQUEST_TIMEOUT,
    SECRET_KEY,
    Browser,
    Failed,
    Sample,
    Server,
    cpu_seconds,
    fresh_database,
    log_in_all,
    machine_busy,
    machine_facts,
    ms,
    percentile,
    processes,
    wait_for_quiet,
)
from school import create_app
from school.archive.models import ArchiveEntry
from school.auth.passwords import PRODUCTION
from school.auth.services import create_user
from school.db import db
from school.quizzes.models import Attempt, AttemptQuestion, QuestionVersion
from tests.quizzes import factories

# Throwaway value for a throwaway database that is dropped at the end of the run.
PASSWORD = "bench-password-2026"  # noqa: S105
SAVE_TARGET_SECONDS = 0.100
MEASURED_KINDS = ("start", "page", "save", "nav", "submit", "result")

# Auto-graded types only: an answered essay leaves the attempt ungraded, which would skip the
# grading and archive writes that make submit the heaviest request.
QUESTION_MIX = ("single", "multiple", "truefalse", "fillin", "numerical", "matching")
# Form values a member sends per type. Choices refer to option indices in the question data;
# a matching value is "left index:position in the shown list", valid for every shuffle.
ANSWERS: dict[str, list[str]] = {
    "single": ["0"],
    "multiple": ["0", "1"],
    "truefalse": ["true"],
    "fillin": ["党章"],
    "numerical": ["32"],
    "matching": ["0:0", "1:1"],
}


def stored_as_sent(qtype: str, answer: dict | None) -> bool:
    """Whether the stored answer is the one ANSWERS sent for this type."""
    if answer is None:
        return False
    expected: dict[str, object] = {
        "single": {"choices": [0]},
        "multiple": {"choices": [0, 1]},
        "truefalse": {"choice": "true"},
        "fillin": {"text": "党章"},
        "numerical": {"text": "32"},
    }
    if qtype == "matching":
        return set(answer.get("pairs", {})) == {"0", "1"}
    return answer == expected[qtype]


@dataclass(frozen=True)
class Options:
    sqlite: bool
    workers: int
    members: int
    questions: int
    spread: float
    think_min: float
    think_max: float
    budget: float
    seed: int
    admin_url: str
    browser_navigation: bool
    one_page: bool
    csv_path: Path | None
    wait_idle: float


def parse_options(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m bench.quiz_load", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--sqlite", action="store_true", help="temporary SQLite file database")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument("--members", type=int, default=300)
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument("--spread", type=float, default=60.0, help="arrival window, seconds")
    parser.add_argument("--think-min", type=float, default=0.5, help="seconds before a save")
    parser.add_argument("--think-max", type=float, default=1.5)
    parser.add_argument(
        "--budget", type=float, default=290.0, help="seconds after which every request stops"
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--admin-url", default=ADMIN_URL, help="PostgreSQL server to use")
    parser.add_argument(
        "--browser-navigation",
        action="store_true",
        help="also post the form with 下一题 after each autosave, as a browser does (kind 'nav')",
    )
    parser.add_argument(
        "--one-page",
        action="store_true",
        help="all questions on one page: the attempt page is loaded once, then 20 saves",
    )
    parser.add_argument("--csv", type=Path, help="write every request's sample to this file")
    parser.add_argument(
        "--wait-idle",
        type=float,
        default=0.0,
        help="wait up to this many seconds for the machine to be idle (<20%% busy) first",
    )
    args = parser.parse_args(argv)
    if not args.sqlite:
        host = make_url(args.admin_url).host
        if host not in (None, "127.0.0.1", "localhost", "::1"):
            parser.error("the benchmark only talks to a PostgreSQL server on this machine")
    return Options(
        sqlite=args.sqlite,
        workers=args.workers,
        members=args.members,
        questions=args.questions,
        spread=args.spread,
        think_min=args.think_min,
        think_max=args.think_max,
        budget=args.budget,
        seed=args.seed,
        admin_url=args.admin_url,
        browser_navigation=args.browser_navigation,
        one_page=args.one_page,
        csv_path=args.csv,
        wait_idle=args.wait_idle,
    )


# --- database -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dataset:
    quiz_id: int
    usernames: list[str]
    qtypes: list[str]  # by position - 1


def populate(url: str, opts: Options, workdir: Path) -> Dataset:
    """Members with real argon2 password hashes and one published quiz."""
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": SECRET_KEY,
            # create_user hashes with the fast parameters here; every account then gets one hash
            # made with the production parameters, so logins cost what they cost in production
            # while setup does not spend 300 x 0.12 s hashing the same password.
            "FAST_PASSWORD_HASHING": True,
            "MEDIA_DIR": str(workdir / "media"),
        }
    )
    qtypes = [QUESTION_MIX[i % len(QUESTION_MIX)] for i in range(opts.questions)]
    with app.app_context():
        real_hash = PRODUCTION.hash(PASSWORD)
        usernames = []
        for i in range(opts.members):
            user, _ = create_user(f"bench{i:04d}", f"测试党员{i:04d}", password=PASSWORD)
            user.password_hash = real_hash
            usernames.append(user.username)
        quiz = factories.make_quiz(
            [getattr(factories, qtype)() for qtype in qtypes],
            title="负载测试：党章知识",
            time_limit_seconds=30 * 60,
            one_per_page=not opts.one_page,
        )
        db.session.commit()
        quiz_id = quiz.id
        db.engine.dispose()
    return Dataset(quiz_id=quiz_id, usernames=usernames, qtypes=qtypes)


@dataclass
class Check:
    ok: bool
    lines: list[str]


def verify(url: str, data: Dataset) -> Check:
    """Exactly one finished, graded attempt per member, every answer stored as sent, archived."""
    engine = create_engine(url)
    problems: list[str] = []
    try:
        with engine.connect() as conn:
            attempts = conn.execute(
                select(
                    Attempt.id, Attempt.user_id, Attempt.state, Attempt.score, Attempt.preview
                ).where(Attempt.quiz_id == data.quiz_id)
            ).all()
            rows = conn.execute(
                select(
                    AttemptQuestion.attempt_id,
                    AttemptQuestion.position,
                    AttemptQuestion.answer,
                    AttemptQuestion.saved_at,
                    QuestionVersion.qtype,
                )
                .join(QuestionVersion, QuestionVersion.id == AttemptQuestion.version_id)
                .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
                .where(Attempt.quiz_id == data.quiz_id)
            ).all()
            archived = conn.execute(
                select(ArchiveEntry.dedupe_key).where(ArchiveEntry.kind == "quiz")
            ).all()
    finally:
        engine.dispose()

    finished = [a for a in attempts if a.state == "finished" and not a.preview]
    graded = [a for a in finished if a.score is not None]
    members = {a.user_id for a in attempts}
    good: Counter[int] = Counter()
    for row in rows:
        if row.saved_at is not None and stored_as_sent(row.qtype, row.answer):
            good[row.attempt_id] += 1
    complete = [a for a in attempts if good[a.id] == len(data.qtypes)]
    saved = sum(good.values())
    keys = {k for (k,) in archived}
    archived_ok = sum(1 for a in finished if f"attempt:{a.id}" in keys)
    expected = len(data.usernames)
    facts = [
        f"attempts: {len(attempts)} (members with an attempt: {len(members)})",
        f"finished and graded: {len(graded)} of {expected}",
        f"answers stored as sent: {saved} of {expected * len(data.qtypes)}"
        f" ({len(complete)} attempts with all {len(data.qtypes)})",
        f"archive entries for the attempts: {archived_ok}",
    ]
    if len(attempts) != expected or len(members) != expected:
        problems.append("not exactly one attempt per member")
    if len(graded) != expected:
        problems.append("not every attempt finished and graded")
    if len(complete) != expected:
        problems.append("answers missing or different from what was sent")
    if archived_ok != expected:
        problems.append("archive entries missing")
    return Check(ok=not problems, lines=facts + [f"PROBLEM: {p}" for p in problems])


# --- server -------------------------------------------------------------------------------------


# --- what the machine did -------------------------------------------------------------------------


@dataclass
class CpuSnapshot:
    busy: float
    total: float
    server: float
    postgres: float
    client: float


def postgres_processes(database: str) -> Iterator[int]:
    """This benchmark's backends and the server's shared background processes, not other
    databases' backends: other sessions may be using the same server at the same time."""
    for pid, _, name in processes():
        if name != "postgres":
            continue
        with suppress(OSError):
            title = Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")
            if database in title.split():
                yield pid
            elif "(" not in title and "[local]" not in title and "worker" not in title:
                yield pid  # postmaster, WAL writer, checkpointer: they work for us too


def cpu_snapshot(server: Server, database: str | None) -> CpuSnapshot:
    busy, total = machine_busy()
    postgres = sum(cpu_seconds(pid) for pid in postgres_processes(database)) if database else 0
    return CpuSnapshot(
        busy=busy,
        total=total,
        server=sum(cpu_seconds(pid) for pid in server.pids()),
        postgres=postgres,
        client=sum(os.times()[:2]),
    )


class LockSampler:
    """Samples pg_stat_activity twice a second: who is waiting on a lock, and in which query."""

    def __init__(self, admin_url: str, database: str) -> None:
        self.engine: Engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        self.database = database
        self.samples = 0
        self.max_active = 0
        self.max_lock_waits = 0
        self.lock_wait_samples = 0
        self.waiting_queries: Counter[str] = Counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> LockSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.engine.dispose()

    def _run(self) -> None:
        query = text(
            "SELECT state, wait_event_type, left(regexp_replace(query, '\\s+', ' ', 'g'), 90) "
            "FROM pg_stat_activity WHERE datname = :db AND pid <> pg_backend_pid()"
        )
        with self.engine.connect() as conn:
            while not self._stop.wait(0.5):
                rows = conn.execute(query, {"db": self.database}).all()
                self.samples += 1
                self.max_active = max(self.max_active, sum(r[0] == "active" for r in rows))
                waits = [r[2] for r in rows if r[1] == "Lock"]
                self.max_lock_waits = max(self.max_lock_waits, len(waits))
                self.lock_wait_samples += bool(waits)
                self.waiting_queries.update(waits)


# --- the members ----------------------------------------------------------------------------------

ATTEMPT = re.compile(r"^/attempts/(\d+)$")


def log_in(browser: Browser, username: str, quiz_id: int, password: str = PASSWORD) -> None:
    """What a member does before the exam: log in and open the quiz's page."""
    browser.log_in(username, password)
    quiz = browser.send("quiz", "GET", f"/quizzes/{quiz_id}")
    browser.expect(quiz, 200, "quiz page")
    browser.read_token(quiz)


def take_quiz(
    browser: Browser, data: Dataset, opts: Options, rng: random.Random, stop_at: float
) -> None:
    """Start, answer every question with autosave (page by page, or all on one page), submit,
    read the result."""

    def in_time() -> None:
        if time.monotonic() > stop_at:
            raise Failed("run budget exhausted")

    in_time()
    started = browser.send(
        "start", "POST", f"/quizzes/{data.quiz_id}/start", [("csrf_token", browser.csrf)]
    )
    browser.expect(started, 302, "start")
    match = ATTEMPT.match(started.location())
    if match is None:
        browser.fail("start", f"redirected to {started.location()}")
    attempt = started.location()
    next_page: str | None = None
    for position, qtype in enumerate(data.qtypes, 1):
        in_time()
        if not opts.one_page or position == 1:
            page = browser.send("page", "GET", next_page or f"{attempt}?page={position}")
            browser.expect(page, 200, "attempt page")
            browser.read_token(page)
        time.sleep(rng.uniform(opts.think_min, opts.think_max))
        in_time()
        shown = 1 if opts.one_page else position
        form = [("csrf_token", browser.csrf), ("page", str(shown)), ("present", str(position))]
        form += [(f"q{position}", value) for value in ANSWERS[qtype]]
        saved = browser.send("save", "POST", f"{attempt}/save", form, json_reply=True)
        browser.expect(saved, 200, "save")
        try:
            confirmed = json.loads(saved.body).get("ok") is True
        except ValueError:
            confirmed = False
        if not confirmed:
            browser.fail("save", f"answered {saved.body[:200]!r}")
        if opts.browser_navigation and not opts.one_page and position < len(data.qtypes):
            # The 下一题 button posts the whole form again and follows the redirect.
            moved = browser.send("nav", "POST", f"{attempt}/save", [*form, ("go", "next")])
            browser.expect(moved, 302, "next question")
            next_page = moved.location()
    in_time()
    submitted = browser.send("submit", "POST", f"{attempt}/submit", [("csrf_token", browser.csrf)])
    browser.expect(submitted, 302, "submit")
    result = browser.send("result", "GET", submitted.location())
    browser.expect(result, 200, "result")


# --- numbers ------------------------------------------------------------------------------------


ACCESS_KINDS = [
    ("POST", re.compile(r"^/quizzes/\d+/start$"), "start"),
    ("GET", re.compile(r"^/attempts/\d+$"), "page"),
    ("POST", re.compile(r"^/attempts/\d+/save$"), "save"),  # the nav posts land here too
    ("POST", re.compile(r"^/attempts/\d+/submit$"), "submit"),
    ("GET", re.compile(r"^/attempts/\d+/result$"), "result"),
    ("POST", re.compile(r"^/login$"), "login"),
]


def server_times(access_log: Path) -> dict[str, list[float]]:
    """Seconds the workers spent per request kind, from gunicorn's access log."""
    times: dict[str, list[float]] = defaultdict(list)
    if not access_log.exists():
        return times
    for line in access_log.read_text(errors="replace").splitlines():
        parts = line.split()
        if len(parts) != 4 or not parts[3].isdigit():
            continue
        method, path, _, micros = parts
        for want, pattern, kind in ACCESS_KINDS:
            if method == want and pattern.match(path):
                times[kind].append(int(micros) / 1e6)
                break
    for values in times.values():
        values.sort()
    return times


def server_problems(error_log: Path) -> Counter[str]:
    found: Counter[str] = Counter()
    if error_log.exists():
        for line in error_log.read_text(errors="replace").splitlines():
            for marker in ("WORKER TIMEOUT", "Traceback", "[ERROR]", "[CRITICAL]"):
                if marker in line:
                    found[marker] += 1
    return found


# --- the run ------------------------------------------------------------------------------------


def run(opts: Options) -> int:
    quiet = wait_for_quiet(opts.wait_idle)
    began = time.monotonic()
    stop_at = began + opts.budget
    rng = random.Random(opts.seed)
    workdir = Path(tempfile.mkdtemp(prefix="bench-quiz-load-"))
    out: list[str] = []
    say = out.append
    backend = "sqlite" if opts.sqlite else "postgresql"
    try:
        facts = machine_facts(None if opts.sqlite else opts.admin_url)
        facts.append(f"machine {quiet:.0f}% busy with other work just before the run")
        with fresh_database(opts.sqlite, opts.admin_url, workdir) as url:
            data = populate(url, opts, workdir)
            setup_seconds = time.monotonic() - began
            print(f"setup done in {setup_seconds:.0f} s", file=sys.stderr)
            with Server(url, opts.workers, workdir) as server:
                phase_start = [time.monotonic()]

                def clock() -> float:
                    return time.monotonic() - phase_start[0]

                browsers = [Browser(server.port, index=i, clock=clock) for i in range(opts.members)]
                login_began = time.monotonic()
                login_failures = log_in_all(
                    browsers,
                    lambda b: log_in(b, data.usernames[b.index], data.quiz_id),
                    timeout=240,
                )
                login_seconds = time.monotonic() - login_began
                print(f"logins done in {login_seconds:.0f} s", file=sys.stderr)
                login_samples = [s for b in browsers for s in b.samples]
                for browser in browsers:
                    browser.samples = []

                database = None if opts.sqlite else make_url(url).database
                sampler = LockSampler(opts.admin_url, database) if database else None
                arrivals = sorted(rng.uniform(0, opts.spread) for _ in browsers)
                seeds = [rng.randrange(2**32) for _ in browsers]
                member_errors: dict[int, str] = {}
                before = cpu_snapshot(server, database)
                phase_start[0] = time.monotonic()
                threads = []
                with sampler if sampler else nullcontext():
                    for browser, arrival, seed in zip(browsers, arrivals, seeds, strict=True):
                        if browser.index in login_failures:
                            continue
                        thread = threading.Thread(
                            target=member,
                            args=(browser, data, opts, arrival, seed, stop_at, member_errors),
                            daemon=True,
                        )
                        thread.start()
                        threads.append(thread)
                    for thread in threads:
                        thread.join(timeout=max(0.0, stop_at - time.monotonic()) + REQUEST_TIMEOUT)
                    phase_seconds = clock()
                    after = cpu_snapshot(server, database)
                time.sleep(0.5)  # let the workers write their last access-log lines
                served = server_times(server.access_log)
                problems = server_problems(server.error_log)
            check = verify(url, data)

        samples = [s for b in browsers for s in b.samples]
        if opts.csv_path:
            write_csv(opts.csv_path, login_samples + samples)
        ok = report(
            say,
            opts=opts,
            backend=backend,
            facts=facts,
            samples=samples,
            login_samples=login_samples,
            login_seconds=login_seconds,
            login_failures=login_failures,
            member_errors=member_errors,
            phase_seconds=phase_seconds,
            cpu=(before, after),
            served=served,
            problems=problems,
            sampler=sampler,
            check=check,
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        print("\n".join(out))
    return 0 if ok else 1


def member(
    browser: Browser,
    data: Dataset,
    opts: Options,
    arrival: float,
    seed: int,
    stop_at: float,
    errors: dict[int, str],
) -> None:
    delay = arrival - browser.clock()
    if delay > 0:
        time.sleep(delay)
    try:
        take_quiz(browser, data, opts, random.Random(seed), stop_at)
    except Failed as exc:
        errors[browser.index] = str(exc)


def write_csv(path: Path, samples: list[Sample]) -> None:
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["member", "kind", "started_s", "latency_ms", "status", "error"])
        for s in samples:
            writer.writerow(
                [s.member, s.kind, f"{s.started:.3f}", f"{s.latency * 1000:.2f}", s.status, s.error]
            )


def is_failure(sample: Sample) -> bool:
    return bool(sample.error) or not 200 <= sample.status < 400


def report(
    say: Callable[[str], None],
    *,
    opts: Options,
    backend: str,
    facts: list[str],
    samples: list[Sample],
    login_samples: list[Sample],
    login_seconds: float,
    login_failures: dict[int, str],
    member_errors: dict[int, str],
    phase_seconds: float,
    cpu: tuple[CpuSnapshot, CpuSnapshot],
    served: dict[str, list[float]],
    problems: Counter[str],
    sampler: LockSampler | None,
    check: Check,
) -> bool:
    by_kind: dict[str, list[float]] = defaultdict(list)
    failures: Counter[str] = Counter()
    for s in samples:
        by_kind[s.kind].append(s.latency)
        if is_failure(s):
            failures[s.kind] += 1
    for values in by_kind.values():
        values.sort()
    failed = sum(failures.values()) + len(login_failures)
    save_p50 = percentile(by_kind["save"], 50)
    met = failed == 0 and not member_errors and save_p50 < SAVE_TARGET_SECONDS and check.ok

    command = "python -m bench.quiz_load " + shlex.join(sys.argv[1:])
    say(f"### {backend}, {opts.workers} gunicorn workers")
    say("")
    say(f"`{command.strip()}`")
    say("")
    for fact in facts:
        say(f"- {fact}")
    if opts.one_page:
        flow = "all on one page: the page loaded once, then a save per question"
    else:
        flow = "one per page: page + save" + (" + 下一题 post" if opts.browser_navigation else "")
        flow += " per question"
    say(
        f"- {opts.members} members, {opts.questions} questions ({flow}), arrivals "
        f"uniform over {opts.spread:.0f} s, think {opts.think_min}-{opts.think_max} s per answer"
    )
    logins = sorted(s.latency for s in login_samples if s.kind == "login")
    say(
        f"- before the measured phase: {len(login_samples)} login requests in "
        f"{login_seconds:.0f} s (p50 {ms(percentile(logins, 50))} ms, argon2 at production "
        f"cost), {len(login_failures)} members failed to log in"
    )
    say(
        f"- measured phase: {phase_seconds:.0f} s, {len(samples)} requests "
        f"({len(samples) / phase_seconds:.0f}/s), **{sum(failures.values())} failed**, "
        f"{len(member_errors)} members did not finish"
    )
    say("")
    say(
        "| kind | requests | failed | p50 ms | p95 ms | p99 ms | max ms | worker p50 | worker p95 |"
    )
    say("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for kind in MEASURED_KINDS:
        values = by_kind.get(kind)
        if not values:
            continue
        worker = served.get(kind, []) if kind != "nav" else []
        say(
            f"| {kind} | {len(values)} | {failures[kind]} | {ms(percentile(values, 50))} | "
            f"{ms(percentile(values, 95))} | {ms(percentile(values, 99))} | {ms(values[-1])} | "
            f"{ms(percentile(worker, 50))} | {ms(percentile(worker, 95))} |"
        )
    say("")
    say(
        '"worker" columns: time inside the gunicorn worker (access log %(D)s); the rest of the '
        "client's latency is waiting for a free worker, connecting and the client's own threads."
    )
    say("")
    verdict = "MET" if met else "NOT MET"
    say(
        f"**Requirement {verdict}**: save p50 {ms(save_p50)} ms (target < 100 ms), "
        f"{failed} failed requests (target 0)."
    )
    say("")
    before, after = cpu
    wall = after.total - before.total
    ours = {
        "gunicorn": after.server - before.server,
        "postgres (this database and its background processes)": after.postgres - before.postgres,
        "load generator": after.client - before.client,
    }
    if opts.sqlite:
        del ours["postgres (this database and its background processes)"]
    # Whatever else ran on the machine meanwhile (other jobs, other databases) slows us down too.
    ours["everything else on the machine"] = max(0.0, after.busy - before.busy - sum(ours.values()))
    say(
        f"- CPU in the measured phase: {wall:.0f} core-seconds available, "
        f"{100 * (after.busy - before.busy) / wall:.0f}% busy: "
        + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in ours.items())
    )
    # Near the worker count with idle CPU left: requests wait on each other, not on the CPU.
    inside = sum(sum(served.get(kind, [])) for kind in MEASURED_KINDS)
    say(
        f"- workers busy on average: {inside / phase_seconds:.1f} of {opts.workers} "
        "(time inside workers from the access log / length of the measured phase)"
    )
    if sampler is not None:
        top = "; ".join(f"{n}× `{q}`" for q, n in sampler.waiting_queries.most_common(3))
        say(
            f"- PostgreSQL (sampled every 0.5 s, {sampler.samples} samples): at most "
            f"{sampler.max_active} active sessions; lock waits seen in "
            f"{sampler.lock_wait_samples} samples, at most {sampler.max_lock_waits} at once"
            + (f": {top}" if top else "")
        )
    say(
        "- gunicorn error log: "
        + (", ".join(f"{n}× {m}" for m, n in problems.items()) if problems else "clean")
    )
    for kind, count in failures.most_common():
        examples = Counter(
            s.error or str(s.status) for s in samples if s.kind == kind and is_failure(s)
        )
        say(
            f"- failures of {kind}: {count}: "
            + "; ".join(f"{n}× {e}" for e, n in examples.most_common(3))
        )
    if member_errors:
        reasons = Counter(member_errors.values()).most_common(3)
        say("- members that stopped: " + "; ".join(f"{n}× {e}" for e, n in reasons))
    say("- database check: " + "; ".join(check.lines))
    say("")
    return met


def main(argv: list[str] | None = None) -> int:
    return run(parse_options(argv))


if __name__ == "__main__":
    sys.exit(main())
