r"""Search over HTTP: the search page through gunicorn over 50,000 documents, beside hello.

```sh
.venv/bin/python -m bench.search_http                      # SQLite (Whoosh), then PostgreSQL
.venv/bin/python -m bench.search_http --only sqlite-whoosh  # or postgresql-whoosh, -postgres
.venv/bin/python -m bench.search_http --documents 5000      # a quick check
```

For each configuration, one run:

1. a fresh database (a SQLite file in a temporary directory; on PostgreSQL
   ``bench_search_http_<pid>`` created through ``--admin-url`` and dropped at the end),
   migrated, filled with the documents of ``bench/search_bench.py`` (same generator and seed);
2. ``flask search reindex`` as a deployer runs it, in a process of its own, twice: from nothing
   (the generator writes content behind the hooks, so every document is cut), then again with
   nothing changed; wall time and the CPU time of it and its workers (on a shared machine the
   CPU seconds move less);
3. the school under gunicorn (``--workers`` sync workers) and ``bench/hello.py`` beside it; a
   member and a district secretary log in (GET and POST ``/login``);
4. ``--passes`` passes over the 200 queries of ``bench/search_bench.py``: for each query, one GET
   of hello, then ``GET /search/?q=`` as the member and as the secretary, one at a time, each on
   a new connection (gunicorn's sync workers close it after every answer anyway), timed from
   before the connection to the last byte. p95 per viewer is the median of the passes' p95;
5. wrk, ``--seconds`` each, on hello and on one common query as the member: req/s.

A Markdown report goes to stdout, progress to stderr. wrk (Debian package ``wrk``) must be
installed.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from bench import harness
from bench import search_bench as corpus

TARGET_P95_MS = 15.0
CONFIGURATIONS = {
    "sqlite-whoosh": ("sqlite", "whoosh"),
    "postgresql-whoosh": ("postgresql", "whoosh"),
    "postgresql-postgres": ("postgresql", "postgres"),
}
VIEWERS = {"member": "bench_member", "secretary": "bench_staff"}


@dataclass
class Run:
    configuration: str
    documents: int
    database: str = ""
    # (what, wall seconds, CPU seconds, the command's last line)
    reindexes: list[tuple[str, float, float, str]] = field(default_factory=list)
    # viewer -> pass -> milliseconds per query; "hello" too
    ms: dict[str, list[list[float]]] = field(default_factory=dict)
    by_kind: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    hello_rate: float = 0.0
    search_rate: float = 0.0
    search_rate_query: str = ""
    failures: list[str] = field(default_factory=list)
    load: list[str] = field(default_factory=list)
    busy: float = 0.0
    date: str = ""
    code: str = ""


def generate(url: str, workdir: Path, documents: int, seed: int) -> corpus.Built:
    """The benchmark's documents, written as bench/search_bench.py writes them."""
    config = corpus._config(url, "whoosh", workdir / "search-index", workdir)
    app = corpus.create_app(config)
    built = corpus.build(app, corpus.Sizes.for_documents(documents), seed)
    app.extensions["school.db"].engine.dispose()
    return built


def reindex(url: str, workdir: Path, backend: str, run: Run, what: str) -> None:
    """``flask search reindex`` in a process of its own, timed (wall and CPU)."""
    env = harness.app_env(url, workdir, {"SEARCH_BACKEND": backend})
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "search", "reindex"],
        cwd=harness.ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.monotonic() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise RuntimeError(f"flask search reindex failed:\n{done.stdout}\n{done.stderr}")
    lines = done.stdout.strip().splitlines()
    said = " ".join(line for line in lines if line.startswith("分词")) + " " + lines[-1]
    run.reindexes.append((what, wall, cpu, said))
    print(f"{run.configuration}: {what}: {wall:.1f} s ({cpu:.1f} s CPU)", file=sys.stderr)


def log_in(port: int, username: str) -> harness.Browser:
    browser = harness.Browser(port)
    browser.log_in(username, corpus.PASSWORD)
    return browser


def timed(browser: harness.Browser, path: str, run: Run) -> float:
    """Milliseconds for one GET, from before the connection to the last byte."""
    began = time.perf_counter()
    response = browser.send("get", "GET", path)
    elapsed = (time.perf_counter() - began) * 1000
    if response.status != 200:
        run.failures.append(f"{path}: {response.status}")
    return elapsed


def measure(configuration: str, opts: argparse.Namespace) -> Run:
    database, backend = CONFIGURATIONS[configuration]
    run = Run(configuration, opts.documents)
    with (
        harness.workdir("bench-search-http-") as workdir,
        harness.fresh_database(
            database == "sqlite", opts.admin_url, workdir, prefix="bench_search_http"
        ) as url,
    ):
        run.database = harness.server_version(url)
        run.code = harness.code_version()
        print(f"{configuration}: generating {opts.documents:,} documents", file=sys.stderr)
        generate(url, workdir, opts.documents, opts.seed)
        run.busy = harness.wait_for_quiet(opts.wait_idle)
        run.load.append(harness.load_average())
        print(f"{configuration}: flask search reindex", file=sys.stderr)
        # The documents were written in bulk, behind the hooks: nothing is cut yet.
        reindex(url, workdir, backend, run, "from nothing (every document cut)")
        reindex(url, workdir, backend, run, "again, nothing changed")
        rng = random.Random(opts.seed + 1)
        queries = corpus.make_queries(rng, corpus.phrases_from_text(rng), opts.queries)
        with (
            harness.Server(
                url, opts.workers, workdir, None, env={"SEARCH_BACKEND": backend}
            ) as school,
            harness.hello_server(opts.workers, workdir) as hello,
        ):
            browsers = {viewer: log_in(school.port, name) for viewer, name in VIEWERS.items()}
            anonymous = harness.Browser(hello.port)
            paths = [(kind, "/search/?q=" + quote(query)) for kind, query in queries]
            # Warm-up: every worker has searched (and read its index) before anything counts.
            for _, path in paths[:20]:
                for browser in browsers.values():
                    timed(browser, path, run)
                timed(anonymous, "/", run)
            run.load.append(harness.load_average())
            for number in range(opts.passes):
                passes = {name: [] for name in ["hello", *browsers]}
                for kind, path in paths:
                    passes["hello"].append(timed(anonymous, "/", run))
                    for viewer, browser in browsers.items():
                        elapsed = timed(browser, path, run)
                        passes[viewer].append(elapsed)
                        run.by_kind.setdefault((viewer, kind), []).append(elapsed)
                for name, values in passes.items():
                    run.ms.setdefault(name, []).append(values)
                print(
                    f"{configuration} pass {number + 1}: "
                    + ", ".join(
                        f"{name} p95 {harness.percentile(sorted(v), 95):.1f} ms"
                        for name, v in passes.items()
                    ),
                    file=sys.stderr,
                )
            common = next(q for kind, q in queries if kind == "1 word")
            run.search_rate_query = common
            hello_wrk = harness.run_wrk(hello.base + "/", opts.seconds, connections=4)
            member = browsers["member"]
            cookie = {"Cookie": "; ".join(f"{k}={v}" for k, v in member.cookies.items())}
            search_wrk = harness.run_wrk(
                school.base + "/search/?q=" + quote(common),
                opts.seconds,
                connections=4,
                headers=cookie,
            )
            run.hello_rate, run.search_rate = hello_wrk.rate, search_wrk.rate
            run.load.append(harness.load_average())
    run.date = harness.now()
    return run


def p95(run: Run, name: str) -> float:
    """The median of the passes' p95 (nearest rank)."""
    return statistics.median(harness.percentile(sorted(v), 95) for v in run.ms[name])


def report(run: Run, opts: argparse.Namespace) -> list[str]:
    def figures(values: list[float]) -> str:
        values = sorted(values)
        return (
            " / ".join(f"{harness.percentile(values, q):.1f}" for q in (50, 95))
            + f" / {values[-1]:.0f}"
        )

    out = [
        f"### {run.configuration}, {run.database}, {opts.workers} sync workers",
        "",
        f"{run.date}; load average {', '.join(run.load)} (after generating, before the "
        f"reindex; before the passes; at the end); machine {run.busy:.0f}% busy with other work "
        f"before the reindex; code {run.code}; {run.documents:,} documents.",
        "",
        *(
            f"- `flask search reindex` {what}: **{wall:.1f} s** wall, {cpu:.1f} s CPU "
            f"(it and its workers): {said}"
            for what, wall, cpu, said in run.reindexes
        ),
        f"- wrk, {opts.seconds:g} s, 4 connections: hello {run.hello_rate:.0f} req/s; "
        f"search `{run.search_rate_query}` as the member {run.search_rate:.0f} req/s "
        f"({run.search_rate / run.hello_rate:.1%} of hello)",
        "",
        "| GET, one at a time | p50 / p95 / max ms (all passes) | p95 of each pass | "
        f"p95 judged (median of passes) | / {TARGET_P95_MS:g} ms |",
        "|---|---:|---|---:|---:|",
    ]
    for name in ["hello", *VIEWERS]:
        every = [ms for values in run.ms[name] for ms in values]
        each = ", ".join(f"{harness.percentile(sorted(v), 95):.1f}" for v in run.ms[name])
        label = "hello `/` (bare Flask)" if name == "hello" else f"`/search/?q=` as {name}"
        share = "" if name == "hello" else f"{p95(run, name) / TARGET_P95_MS:.2f}"
        out.append(f"| {label} | {figures(every)} | {each} | **{p95(run, name):.1f}** | {share} |")
    kinds = sorted({kind for _, kind in run.by_kind})
    out += [
        "",
        "By kind of query (p50 / p95 / max ms, all passes):",
        "",
        "| viewer | " + " | ".join(kinds) + " |",
        "|---|" + "---:|" * len(kinds),
    ]
    for viewer in VIEWERS:
        cells = [figures(run.by_kind[(viewer, kind)]) for kind in kinds]
        out.append(f"| {viewer} | " + " | ".join(cells) + " |")
    if run.failures:
        out += ["", f"**{len(run.failures)} failed requests**, first: {run.failures[:3]}"]
    server = None if run.configuration.startswith("sqlite") else opts.admin_url
    out += ["", "- " + "\n- ".join(harness.machine_facts(server))]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=list(CONFIGURATIONS), action="append")
    parser.add_argument("--documents", type=int, default=corpus.DOCUMENTS)
    parser.add_argument("--seed", type=int, default=20261126)
    parser.add_argument("--queries", type=int, default=corpus.QUERIES)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (2)")
    parser.add_argument("--seconds", type=float, default=5, help="wrk duration (5 s)")
    server = os.environ.get("DATABASE_URL", "")
    parser.add_argument(
        "--admin-url", default=server if server.startswith("postgresql") else harness.ADMIN_URL
    )
    parser.add_argument(
        "--wait-idle",
        type=float,
        default=0,
        metavar="SECONDS",
        help="wait up to this long for the machine to be quiet before each reindex",
    )
    opts = parser.parse_args(argv)
    harness.wrk_path()
    out: list[str] = []
    for configuration in opts.only or list(CONFIGURATIONS):
        run = measure(configuration, opts)
        lines = report(run, opts)
        print("\n".join(lines), file=sys.stderr)
        out += [*lines, ""]
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
