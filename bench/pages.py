r"""Page benchmark: what the pages a member opens most cost, next to a bare Flask app.

```sh
.venv/bin/python -m bench.pages                      # SQLite, then PostgreSQL
.venv/bin/python -m bench.pages --only sqlite        # or postgresql
.venv/bin/python -m bench.pages --rounds 5 --seconds 10 --workers 4
.venv/bin/python -m bench.pages --commit HEAD         # a commit, not the working tree
```

For each database, one run:

1. a fresh database (a SQLite file in a temporary directory; on PostgreSQL ``bench_pages_<pid>``
   created through ``--admin-url`` and dropped at the end), filled as ``make run`` does:
   ``flask db upgrade``, ``flask content import``, ``flask demo load``;
2. the school under gunicorn (``--workers``, default 2 sync workers), ``bench/hello.py`` and
   the school's floor (``bench/floor.py``: the school's app with a page that only checks the
   login and one that only draws the site's frame) under the same settings, side by side;
3. the demo member ``dangyuan`` logs in (GET and POST ``/login`` with the CSRF token) and
   starts the practice quiz, so that there is an open attempt whose first answer the autosave
   row posts again and again (JSON, as the page's autosave does);
4. ``--rounds`` rounds: in each, for every page, wrk loads hello for ``--seconds`` and then the
   page for as long, with ``--connections`` connections and the member's cookies (the login page
   without them). Hello measured just before each page makes a slow moment of the machine show
   in both, so the page's share of hello moves less than its req/s;
5. a Markdown table on stdout: req/s of every round, their median, the median of the rounds'
   page/hello ratios, the workers' CPU per request and its ratio to hello's (the figure other
   work on the machine moves least), p50/p99 latency (median of the rounds), plus load average
   and date.

wrk (Debian package ``wrk``) must be installed. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import create_engine, select

from bench import harness
from bench.quiz_load import log_in

PAGES = (
    "lesson",
    "catalogue",
    "archive",
    "quiz question",
    "quiz autosave (POST)",
    "login (anonymous)",
    "floor: signed in, empty answer",
    "floor: signed in, site frame only",
)
USERNAME = "dangyuan"
PASSWORD = "dangxiao2026"  # noqa: S105 - the demo's published password
BACKENDS = ("sqlite", "postgresql")
FLOOR = "bench.floor:app"


@dataclass
class Options:
    only: str | None
    workers: int
    rounds: int
    seconds: float
    connections: int
    admin_url: str
    commit: str | None
    wait_idle: float


def parse_options(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=BACKENDS, help="one database instead of both")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (2)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of hello/page pairs (3)")
    parser.add_argument("--seconds", type=float, default=5, help="wrk duration per load (5 s)")
    parser.add_argument("--connections", type=int, default=4, help="wrk connections (4)")
    parser.add_argument("--admin-url", default=harness.ADMIN_URL)
    parser.add_argument(
        "--commit",
        help="serve this commit (exported with git archive) instead of the working tree",
    )
    parser.add_argument(
        "--wait-idle",
        type=float,
        default=0,
        metavar="SECONDS",
        help="wait up to this long for the machine to be quiet (<20%% busy) before each database",
    )
    a = parser.parse_args(argv)
    return Options(
        a.only, a.workers, a.rounds, a.seconds, a.connections, a.admin_url, a.commit, a.wait_idle
    )


# --- data ---------------------------------------------------------------------------------------


def load_demo(url: str, workdir: Path, root: Path) -> float:
    """``flask db upgrade``, ``flask content import``, ``flask demo load``; seconds taken."""
    env = harness.app_env(url, workdir)
    began = time.monotonic()
    for command in (["db", "upgrade"], ["content", "import"], ["demo", "load"]):
        done = subprocess.run(  # noqa: S603 - our own interpreter and fixed arguments
            [sys.executable, "-m", "flask", "--app", "wsgi", *command],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"flask {' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return time.monotonic() - began


def find_targets(url: str) -> tuple[str, int]:
    """The first lesson of the first published course, and the demo's untimed practice quiz."""
    from school.courses.models import Course, Lesson
    from school.quizzes.models import Quiz

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            course, lesson = conn.execute(
                select(Course.slug, Lesson.slug)
                .join(Lesson, Lesson.course_id == Course.id)
                .where(Course.status == "published")
                .order_by(Course.position, Course.id, Lesson.position, Lesson.id)
                .limit(1)
            ).one()
            quiz = conn.scalar(
                select(Quiz.id)
                .where(Quiz.status == "published", Quiz.time_limit_seconds.is_(None))
                .order_by(Quiz.id)
                .limit(1)
            )
    finally:
        engine.dispose()
    if quiz is None:
        raise RuntimeError("the demo has no untimed published quiz")
    return f"/courses/{course}/{lesson}", quiz


@dataclass
class Member:
    cookies: dict[str, str]
    question: str  # the first question page of an open attempt
    save: str  # where the page autosaves
    answer: str  # the form an autosave posts: the first question answered, with the CSRF token


def log_in_and_start(port: int, quiz_id: int) -> Member:
    """The member logged in, with a new attempt at the quiz and an answer to save."""
    browser = harness.Browser(port)
    log_in(browser, USERNAME, quiz_id, PASSWORD)
    started = browser.send(
        "start", "POST", f"/quizzes/{quiz_id}/start", [("csrf_token", browser.csrf)]
    )
    browser.expect(started, 302, "start")
    attempt = started.location().split("?")[0]
    if not attempt.startswith("/attempts/"):
        raise RuntimeError(f"start led to {started.location()}")
    page = browser.send("page", "GET", f"{attempt}?page=1")
    browser.expect(page, 200, "question page")
    browser.read_token(page)
    # The draw decides the first question: an option to choose (a radio button, a box, a list
    # to pick from) or a blank to fill in.
    html = page.body.decode()
    field = re.search(r'<(input|textarea|select)[^>]*name="(q(\d+))"[^>]*>', html)
    if field is None:
        raise RuntimeError("the first question page has no answer to give")
    tag, name, position = field.groups()
    if tag == "select":
        chosen = re.compile(r'<option[^>]*value="([^"]+)"').search(html, field.end())
    else:
        chosen = re.search(r'value="([^"]+)"', field.group(0))
    value = chosen.group(1) if chosen else "按时参加组织生活"
    form = [("csrf_token", browser.csrf), ("page", "1"), ("present", position), (name, value)]
    return Member(dict(browser.cookies), f"{attempt}?page=1", f"{attempt}/save", urlencode(form))


# --- measuring ----------------------------------------------------------------------------------


@dataclass
class Measured:
    page: str
    path: str
    runs: list[harness.WrkResult] = field(default_factory=list)
    hello: list[harness.WrkResult] = field(default_factory=list)  # the load just before each
    cpu: list[float] = field(default_factory=list)  # workers' CPU seconds per request, each run
    hello_cpu: list[float] = field(default_factory=list)

    @property
    def rates(self) -> list[float]:
        return [r.rate for r in self.runs]

    def share(self) -> float:
        return statistics.median(
            r.rate / h.rate for r, h in zip(self.runs, self.hello, strict=True)
        )

    def cpu_ms(self) -> float:
        return 1000 * statistics.median(self.cpu)

    def cpu_share(self) -> float:
        """Hello's CPU per request ÷ the page's, median over the rounds."""
        return statistics.median(h / c for c, h in zip(self.cpu, self.hello_cpu, strict=True))

    def latency(self, q: str) -> float:
        return statistics.median(getattr(r, q) for r in self.runs)

    def failures(self) -> int:
        return sum(r.errors + r.bad_status for r in self.runs)


@dataclass
class Run:
    backend: str
    version: str
    setup_seconds: float
    facts: list[str]
    load_before: str
    load_after: str
    date: str
    pages: list[Measured]
    hello: list[harness.WrkResult]


def measure(backend: str, opts: Options) -> Run:
    with (
        harness.workdir("bench-pages-") as workdir,
        harness.fresh_database(
            backend == "sqlite", opts.admin_url, workdir, prefix="bench_pages", upgrade=False
        ) as url,
    ):
        root, code = harness.served_tree(opts.commit, workdir)
        print(f"{backend}: loading the demo", file=sys.stderr)
        setup = load_demo(url, workdir, root)
        lesson, quiz_id = find_targets(url)
        version = harness.server_version(url)
        busy = harness.wait_for_quiet(opts.wait_idle)
        with (
            harness.Server(url, opts.workers, workdir, None, root=root) as school,
            harness.Server(url, opts.workers, workdir, None, root=root, app=FLOOR) as floor,
            harness.hello_server(opts.workers, workdir, root) as hello,
        ):
            member = log_in_and_start(school.port, quiz_id)
            cookie = {"Cookie": "; ".join(f"{k}={v}" for k, v in member.cookies.items())}
            save = {
                **cookie,
                "Accept": "application/json",
                "Content-Type": "application/x-www-form-urlencoded",
            }
            # (server, path, headers, method, body) per page, in the order of PAGES
            targets = [
                (school, lesson, cookie, "GET", None),
                (school, "/", cookie, "GET", None),
                (school, "/archive/", cookie, "GET", None),
                (school, member.question, cookie, "GET", None),
                (school, member.save, save, "POST", member.answer),
                (school, "/login", {}, "GET", None),
                (floor, "/_bench/signed-in", cookie, "GET", None),
                (floor, "/_bench/header", cookie, "GET", None),
            ]
            for page, (server, path, headers, method, body) in zip(PAGES, targets, strict=True):
                status = harness.get_status(server.base + path, headers, method, body)
                if status != 200:
                    raise RuntimeError(f"{page} {path} answered {status}, not 200")

            def load(server: harness.Server, path, headers, method, body, seconds: float):
                """wrk's figures and the workers' CPU seconds per request of one load."""
                cpu = server.worker_cpu()
                result = harness.run_wrk(
                    server.base + path,
                    seconds,
                    connections=opts.connections,
                    headers=headers,
                    method=method,
                    body=body,
                )
                return result, (server.worker_cpu() - cpu) / max(1, result.requests)

            # Warm-up: every worker has imported, connected and rendered each page once.
            load(hello, "/", {}, "GET", None, 2)
            for target in targets:
                load(*target, 2)
            load_before = harness.load_average()
            measured = [Measured(page, t[1]) for page, t in zip(PAGES, targets, strict=True)]
            hello_runs: list[harness.WrkResult] = []
            for round_ in range(opts.rounds):
                for m, target in zip(measured, targets, strict=True):
                    h, h_cpu = load(hello, "/", {}, "GET", None, opts.seconds)
                    r, r_cpu = load(*target, opts.seconds)
                    hello_runs.append(h)
                    m.hello.append(h)
                    m.runs.append(r)
                    m.hello_cpu.append(h_cpu)
                    m.cpu.append(r_cpu)
                    print(
                        f"{backend} round {round_ + 1}: hello {h.rate:.0f}/s "
                        f"({1000 * h_cpu:.2f} ms CPU), {m.page} {r.rate:.0f}/s "
                        f"({1000 * r_cpu:.2f} ms CPU)",
                        file=sys.stderr,
                    )
            load_after = harness.load_average()
            # Still the member's own page: the session outlived the run.
            for page, (server, path, headers, method, body) in zip(PAGES, targets, strict=True):
                status = harness.get_status(server.base + path, headers, method, body)
                if status != 200:
                    raise RuntimeError(f"{page} {path} answered {status} after the run")
    return Run(
        backend=backend,
        version=version,
        setup_seconds=setup,
        facts=[
            *harness.machine_facts(None if backend == "sqlite" else opts.admin_url),
            f"code: {code}",
            f"machine {busy:.0f}% busy with other work just before the run",
        ],
        load_before=load_before,
        load_after=load_after,
        date=harness.now(),
        pages=measured,
        hello=hello_runs,
    )


# --- the report ---------------------------------------------------------------------------------


def report(run: Run, opts: Options) -> list[str]:
    rounds = " | ".join(f"r{i + 1}" for i in range(opts.rounds))
    out = [
        f"### {run.version}, {opts.workers} sync workers, {opts.connections} connections",
        "",
        f"{run.date}; load average {run.load_before} before the rounds, {run.load_after} after; "
        f"{opts.rounds} rounds of {opts.seconds:g} s per load; demo loaded in "
        f"{run.setup_seconds:.0f} s.",
        "",
        f"| page | req/s {rounds} | median req/s | share of hello | CPU ms a request "
        "| CPU share of hello | p50 ms | p99 ms | failed |",
        "|---|" + "---:|" * (opts.rounds + 7),
    ]
    per_round = len(run.pages)
    hello_rounds = [
        statistics.median(h.rate for h in run.hello[i * per_round : (i + 1) * per_round])
        for i in range(opts.rounds)
    ]
    hello = [h.rate for h in run.hello]
    out.append(
        f"| hello (bare Flask) | {' | '.join(f'{x:.0f}' for x in hello_rounds)} "
        f"| {statistics.median(hello):.0f} | 100% "
        f"| {1000 * statistics.median(c for m in run.pages for c in m.hello_cpu):.2f} | 100% "
        f"| {harness.ms(statistics.median(h.p50 for h in run.hello))} "
        f"| {harness.ms(statistics.median(h.p99 for h in run.hello))} "
        f"| {sum(h.errors + h.bad_status for h in run.hello)} |"
    )
    for m in run.pages:
        out.append(
            f"| {m.page} `{m.path}` | {' | '.join(f'{x:.0f}' for x in m.rates)} "
            f"| {statistics.median(m.rates):.0f} | {m.share():.1%} "
            f"| {m.cpu_ms():.2f} | {m.cpu_share():.1%} "
            f"| {harness.ms(m.latency('p50'))} | {harness.ms(m.latency('p99'))} "
            f"| {m.failures()} |"
        )
    out += [
        "",
        f"Hello was loaded just before each page in every round ({len(run.hello)} loads, "
        f"{min(hello):.0f} to {max(hello):.0f} req/s); its row shows the median of each round's "
        "loads and of all. "
        "Share of hello: the median over the rounds of page req/s ÷ the hello req/s just before. "
        "CPU a request: the gunicorn workers' user and system CPU over a load ÷ its requests "
        "(less moved by other work on the machine than req/s); its share of hello likewise. "
        "Latency: wrk's, median of the rounds, including the wait for a free worker.",
        "",
        "- " + "\n- ".join(run.facts),
    ]
    return out


def main(argv: list[str] | None = None) -> int:
    opts = parse_options(argv)
    harness.wrk_path()  # fail early without wrk
    for backend in [opts.only] if opts.only else BACKENDS:
        run = measure(backend, opts)
        # Each database's table as soon as it is measured: a failure in the next keeps it.
        print("\n".join([*report(run, opts), ""]), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
