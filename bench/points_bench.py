r"""Points: the member's points page over HTTP with 5 years of daily activity, and what an award
adds to the action that earns it.

```sh
.venv/bin/python -m bench.points_bench                       # SQLite
.venv/bin/python -m bench.points_bench \
    --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres
.venv/bin/python -m bench.points_bench --others 20 --runs 50  # a quick check
```

One run:

1. a fresh database (a SQLite file in a temporary directory, or ``bench_points_<pid>`` on the
   PostgreSQL server of ``--database-url``), migrated; the default rules in force for 5 years; the
   measured member with ``--per-day`` entries a day for 5 years (lessons, the day's practice, a
   practice quiz, with their day and year rows) and ``--others`` members with 2 entries a day
   for 5 years, written in bulk as the awards would have left them;
2. the school under gunicorn (``--workers`` sync workers) and ``bench/hello.py`` beside it; the
   member logs in; ``--runs`` sequential GETs each of hello, ``/points/`` (the first page of the
   ledger) and ``/points/?page=100`` (2,000 entries back), after a warm-up, timed from before the
   connection to the last byte; the workers' own time from the access log;
3. the award's cost, in the benchmark's own process on the same database: ``--lessons`` lesson
   completions (``courses.complete_lesson`` then a commit, one transaction each, as the lesson
   page's POST runs them) for one member with the points subscriber connected and for another
   with it disconnected; the difference of the medians is what points add to the action. The
   award alone (``services.award`` inside the transaction) is timed too.

A Markdown report goes to stdout, progress to stderr.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time as clock
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import insert

from bench import harness

PASSWORD = "bench-points-9"  # noqa: S105 - a throwaway account in a throwaway database
YEARS = 5
TARGET_PAGE_MS = 50.0
TARGET_AWARD_MS = 5.0
DEEP_PAGE = 100
CHUNK = 20_000


@dataclass
class Run:
    database: str = ""
    entries: int = 0
    built_seconds: float = 0.0
    ms: dict[str, list[float]] = field(default_factory=dict)
    served: dict[str, list[float]] = field(default_factory=dict)
    completion_with: list[float] = field(default_factory=list)
    completion_without: list[float] = field(default_factory=list)
    award_alone: list[float] = field(default_factory=list)
    load: list[str] = field(default_factory=list)
    date: str = ""
    code: str = ""


def _rows_for(member_id: int, days: list[date], plan: list[tuple[str, int]], rules: dict):
    """The ledger, day and year rows a member's awards leave, for ``plan`` each day."""
    from school.clock import local_zone

    zone = local_zone()
    entries, day_rows, years = [], [], {}
    for day in days:
        earned: dict[str, int] = {}
        for n, (action, points) in enumerate(plan):
            entries.append(
                {
                    "member_id": member_id,
                    "action": action,
                    "rule_id": rules[action],
                    "points": points,
                    "reason": f"课时：第 {n + 1} 课" if action == "lesson" else "每日答题",
                    "source": f"bench:{day.isoformat()}:{n}",
                    "day": day,
                    "earned_at": datetime.combine(day, time(20, n), zone),
                }
            )
            earned[action] = earned.get(action, 0) + points
            years[(day.year, action)] = years.get((day.year, action), 0) + points
        day_rows += [
            {"member_id": member_id, "day": day, "action": a, "points": p}
            for a, p in earned.items()
        ]
    year_rows = [
        {"member_id": member_id, "year": y, "action": a, "points": p} for (y, a), p in years.items()
    ]
    return entries, day_rows, year_rows


def _config(url: str, workdir) -> dict:
    """The app's settings in the benchmark's own process: its files stay in ``workdir``."""
    return {
        "DATABASE_URL": url,
        "SECRET_KEY": harness.SECRET_KEY,
        "MIN_STUDY_SECONDS": 0,
        "MEDIA_DIR": str(workdir / "media"),
        "UPLOAD_DIR": str(workdir / "uploads"),
        "SEARCH_INDEX_DIR": str(workdir / "search-index"),
    }


def build(url: str, workdir, opts: argparse.Namespace, run: Run) -> None:
    """The school's data, written through the app's models in bulk."""
    from school import create_app
    from school.auth import services as accounts
    from school.clock import local_today
    from school.db import db
    from school.orgs.services import create_org
    from school.points.models import PointDay, PointEntry, PointRule, PointYear

    began = clock.perf_counter()
    app = create_app(_config(url, workdir))
    with app.app_context():
        city = create_org("市委", "city")
        branch = create_org("一支部", "branch", create_org("区委", "district", city))
        member, _ = accounts.create_user(
            "bench_member", "陈志强", password=PASSWORD, home_org=branch
        )
        others = [
            accounts.create_user(f"other{n}", f"党员{n}", password=PASSWORD, home_org=branch)[0]
            for n in range(opts.others)
        ]
        today = local_today()
        since = date(today.year - YEARS, 1, 1)
        rules = {}
        for action, points, cap in (
            ("lesson", 1, 10),
            ("course", 5, None),
            ("exam", 3, None),
            ("practice", 1, 1),
            ("daily_practice", 2, None),
            ("class", 3, None),
            ("answer", 2, 10),
            ("notice", 1, None),
            ("honour", 20, None),
        ):
            rule = PointRule(action=action, points=points, daily_cap=cap, effective_from=since)
            db.session.add(rule)
            db.session.flush()
            rules[action] = rule.id
        days = [today - timedelta(days=n) for n in range(YEARS * 365, 0, -1)]
        lessons = max(0, opts.per_day - 2)
        plan = [("lesson", 1)] * lessons + [("daily_practice", 2), ("practice", 1)]
        plan = plan[: opts.per_day]
        people = [(member.id, plan)] + [
            (o.id, [("lesson", 1), ("daily_practice", 2)]) for o in others
        ]
        for member_id, each_day in people:
            entries, day_rows, year_rows = _rows_for(member_id, days, each_day, rules)
            for model, rows in (
                (PointEntry, entries),
                (PointDay, day_rows),
                (PointYear, year_rows),
            ):
                for start in range(0, len(rows), CHUNK):
                    db.session.execute(insert(model), rows[start : start + CHUNK])
            run.entries += len(entries)
        db.session.commit()
    app.extensions["school.db"].engine.dispose()
    run.built_seconds = clock.perf_counter() - began


def award_cost(url: str, workdir, opts: argparse.Namespace, run: Run) -> None:
    """Lesson completions with and without the points subscriber, one transaction each."""
    from school import create_app, events
    from school.auth import services as accounts
    from school.clock import local_today
    from school.courses.models import Course, Lesson, Module, Theme
    from school.courses.services import complete_lesson
    from school.db import db
    from school.orgs.services import find_org
    from school.points import services, subscribers
    from school.points.models import PointRule

    app = create_app(_config(url, workdir))
    with app.app_context():
        branch = find_org("一支部")
        # A version without a daily cap from today, so every completion earns in full.
        db.session.add(PointRule(action="lesson", points=1, effective_from=local_today()))
        theme = Theme(slug="bench", title="基准", position=0)
        lessons: list[list[Lesson]] = []
        for n in range(2):
            course = Course(
                slug=f"bench-{n}",
                title="课程",
                theme=theme,
                status="published",
                hours=Decimal(opts.lessons),
                body_md="",
            )
            module = Module(title="单元", position=0, course=course)
            lessons.append(
                [
                    Lesson(
                        course=course,
                        module=module,
                        slug=f"l{position}",
                        title=f"第 {position} 课",
                        body_md="正文",
                        hours=Decimal(1),
                        position=position,
                        required=True,
                    )
                    for position in range(opts.lessons)
                ]
            )
            db.session.add(course)
        with_points = accounts.create_user("with", "甲", password=PASSWORD, home_org=branch)[0]
        without = accounts.create_user("without", "乙", password=PASSWORD, home_org=branch)[0]
        db.session.commit()

        def timed_completion(member, lesson) -> float:
            began = clock.perf_counter()
            complete_lesson(member, lesson)
            db.session.commit()
            return clock.perf_counter() - began

        # Interleaved, so the machine's moods fall on both sides alike.
        for mine, theirs in zip(lessons[0], lessons[1], strict=True):
            run.completion_with.append(timed_completion(with_points, mine))
            events.lesson_completed.disconnect(subscribers.on_lesson_completed)
            try:
                run.completion_without.append(timed_completion(without, theirs))
            finally:
                events.lesson_completed.connect(subscribers.on_lesson_completed)
        # The award alone, inside a transaction as the action's.
        for n in range(opts.lessons):
            began = clock.perf_counter()
            services.award(without.id, "lesson", f"bench-alone:{n}", "课时")
            run.award_alone.append(clock.perf_counter() - began)
            db.session.commit()
    app.extensions["school.db"].engine.dispose()


def measure(opts: argparse.Namespace, postgres: bool) -> Run:
    run = Run()
    with (
        harness.workdir("bench-points-") as workdir,
        harness.fresh_database(
            not postgres, opts.database_url, workdir, prefix="bench_points"
        ) as url,
    ):
        run.database = harness.server_version(url)
        run.code = harness.code_version()
        print(f"building: 1 + {opts.others} members, {YEARS} years", file=sys.stderr)
        build(url, workdir, opts, run)
        print(f"built {run.entries:,} entries in {run.built_seconds:.0f} s", file=sys.stderr)
        run.load.append(harness.load_average())
        with (
            harness.Server(url, opts.workers, workdir) as school,
            harness.hello_server(opts.workers, workdir) as hello,
        ):
            browser = harness.Browser(school.port)
            browser.log_in("bench_member", PASSWORD)
            anonymous = harness.Browser(hello.port)
            paths = {"hello": None, "points": "/points/", "deep": f"/points/?page={DEEP_PAGE}"}
            for _ in range(10):  # warm-up: every worker has rendered the page
                anonymous.get("/")
                for path in paths.values():
                    if path:
                        browser.get(path)
            start = harness.log_offset(school.access_log)
            for _ in range(opts.runs):
                run.ms.setdefault("hello", []).append(anonymous.get("/").seconds * 1000)
                for name, path in paths.items():
                    if path:
                        run.ms.setdefault(name, []).append(browser.get(path).seconds * 1000)
            clock.sleep(0.5)  # gunicorn logs a line after the answer
            # Both pages are /points/ in the log (no query string): they alternate, in order.
            served = [t * 1000 for t in harness.served_times(school.access_log, start, "/points/")]
            run.served["points"], run.served["deep"] = served[0::2], served[1::2]
            run.load.append(harness.load_average())
        print("measuring the award's cost", file=sys.stderr)
        award_cost(url, workdir, opts, run)
        run.load.append(harness.load_average())
    run.date = harness.utc_now()
    return run


def report(run: Run, opts: argparse.Namespace, postgres: bool) -> list[str]:
    def figures(values: list[float]) -> str:
        values = sorted(values)
        return f"{statistics.median(values):.1f} / {harness.percentile(values, 95):.1f}"

    with_ms = statistics.median(run.completion_with) * 1000
    without_ms = statistics.median(run.completion_without) * 1000
    page_p95 = harness.percentile(sorted(run.ms["points"]), 95)
    out = [
        f"#### Points over HTTP: {run.database}, 5 years of daily activity",
        "",
        f"{run.date}; code {run.code}; {opts.workers} gunicorn sync workers; load average "
        f"{'; '.join(run.load)} (after building; after the pages; at the end). "
        f"{run.entries:,} ledger entries ({opts.per_day} a day for the member over {YEARS} years, "
        f"2 a day for each of {opts.others} others), built in {run.built_seconds:.0f} s.",
        "",
        f"| GET, {opts.runs} one at a time | p50 / p95 ms (client) "
        "| p50 / p95 ms (in the worker) |",
        "|---|---:|---:|",
        f"| hello `/` (bare Flask) | {figures(run.ms['hello'])} | – |",
        f"| `/points/` (today, year, rules, newest 20 entries) | **{figures(run.ms['points'])}** "
        f"| {figures(run.served['points'])} |",
        f"| `/points/?page={DEEP_PAGE}` (entries 1,981–2,000) | {figures(run.ms['deep'])} | "
        f"{figures(run.served['deep'])} |",
        "",
        f"Page p95 {page_p95:.1f} ms against {TARGET_PAGE_MS:g} ms.",
        "",
        f"Award cost, in-process, {opts.lessons} lesson completions each (one transaction and "
        "commit each): with the points subscriber p50 / p95 "
        f"{figures([t * 1000 for t in run.completion_with])} ms, without "
        f"{figures([t * 1000 for t in run.completion_without])} ms: points add "
        f"**{with_ms - without_ms:.2f} ms** at the median (target {TARGET_AWARD_MS:g} ms). "
        f"`services.award` alone inside the transaction: p50 / p95 "
        f"{figures([t * 1000 for t in run.award_alone])} ms.",
        "",
        "- " + "\n- ".join(harness.machine_facts(opts.database_url if postgres else None)),
    ]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    harness.database_option(parser)
    parser.add_argument("--others", type=int, default=200, help="other members (200)")
    parser.add_argument("--per-day", type=int, default=5, help="the member's entries a day (5)")
    parser.add_argument("--runs", type=int, default=200, help="sequential GETs of each page")
    parser.add_argument("--lessons", type=int, default=200, help="completions with and without")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (2)")
    opts = parser.parse_args(argv)
    postgres = harness.wants_postgres(parser, opts)
    run = measure(opts, postgres)
    lines = report(run, opts, postgres)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
