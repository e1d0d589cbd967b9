r"""Quiz statistics over HTTP: the statistics page of a quiz with 10,000 finished attempts.

The target (issue): the statistics of a quiz with 10,000 finished attempts render in under 1 s,
on SQLite and on PostgreSQL.

What one run does:

1. a fresh database: a SQLite file in a temporary directory, or, when ``--database-url``
   (default ``$DATABASE_URL``) is a PostgreSQL URL, ``bench_stats_<pid>`` created on that server
   and dropped at the end, so it never writes into the database it was pointed at; migrated,
   then written directly: a quiz of 20 questions of mixed types and 10,000 graded attempts of
   8,000 members (200,000 answers, bulk inserts; ``--attempts`` scales both), and an
   instructor to open the page;
2. the school under gunicorn (``--workers``, default 2 sync workers) and ``bench/hello.py``
   under the same settings; hello's median of ``--hello-runs`` sequential GETs is the yardstick;
3. the instructor logs in over HTTP (GET and POST ``/login`` with the CSRF token); GET
   ``/manage/quizzes/<id>/stats`` once per worker to warm up, then ``--runs`` times one at a
   time, each timed from sending the request to the last byte, on the data as loaded (no
   planner statistics yet: the worst case) and again after ``ANALYZE``;
4. a Markdown table on stdout: median, p95 (nearest rank) and maximum per state, the median of
   the worker's own time (gunicorn's access log), the median against the target; with the date
   (UTC), the load average before and after, the code version and the machine.

    .venv/bin/python -m bench.quiz_stats                 # a temporary SQLite file
    .venv/bin/python -m bench.quiz_stats \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres
    .venv/bin/python -m bench.quiz_stats --runs 20 --workers 4 --commit HEAD
    .venv/bin/python -m bench.quiz_stats --attempts 500        # a quick check

The exit status is 0 when the median meets the target in both states.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine, func, insert, select, text

from bench import harness
from school import create_app
from school.auth.models import User
from school.auth.services import create_user
from school.db import db, utcnow
from school.quizzes import bank
from school.quizzes.models import Attempt, AttemptQuestion, Quiz, QuizSlot
from school.quizzes.types import QUESTION_TYPES
from tests.conftest import PASSWORD, app_config
from tests.quizzes import factories as f

ATTEMPTS = 10_000
MEMBERS = 8_000  # the other 2,000 attempts are second tries
QUESTIONS = 20
RUNS = 5
TARGET_SECONDS = 1.0
BATCH = 5_000
INSTRUCTOR = "bench_instructor"
# Mixed types as an exam of the school would have them; one essay, graded.
MAKERS = [f.single] * 6 + [f.multiple] * 4 + [f.truefalse] * 4 + [f.fillin] * 2
MAKERS += [f.numerical, f.numerical, f.matching, f.essay]
TYPED = {
    "fillin": ["党章", "党章。", "中国共产党章程", "章程", "党规", "宪法", "党的章程", "党纪"],
    "numerical": ["32", "３２", "30", "40", "32.0", "24", "56"],
}


# --- the data ----------------------------------------------------------------------------------


def _answer(rng: random.Random, qtype: str, data: dict, knows: bool) -> dict | None:
    """A plausible answer: right when the member knows it, otherwise a guess or nothing."""
    if rng.random() < 0.04:
        return None
    if qtype in ("single", "multiple"):
        options = data["options"]
        right = [i for i, o in enumerate(options) if Decimal(o["fraction"]) > 0]
        if knows:
            return {"choices": right}
        size = 1 if qtype == "single" else rng.randint(1, len(options))
        return {"choices": sorted(rng.sample(range(len(options)), size))}
    if qtype == "truefalse":
        right = "true" if Decimal(data["true"]["fraction"]) == 1 else "false"
        return {"choice": right if knows else rng.choice(["true", "false"])}
    if qtype in TYPED:
        pool = TYPED[qtype]
        return {"text": pool[rng.choice([0, 0, 1]) if knows else rng.randrange(len(pool))]}
    if qtype == "matching":
        rights = [p["right"] for p in data["pairs"]]
        lefts = [i for i, p in enumerate(data["pairs"]) if p["left"].strip()]
        return {
            "pairs": {
                str(i): data["pairs"][i]["right"] if knows else rng.choice(rights) for i in lefts
            }
        }
    return {"text": "在外地也坚持参加支部的线上会议。" * rng.randint(1, 5)}  # essay


def build(url: str, workdir: Path, finished: int = ATTEMPTS, seed: int = 20261126) -> int:
    """Fill the database at ``url`` with the benchmark quiz; returns the quiz id."""
    members = finished * MEMBERS // ATTEMPTS
    rng = random.Random(seed)
    app = _app(url, workdir)
    with app.app_context():
        added = bank.add_questions([make() for make in MAKERS], category="基准测试", by=None)
        quiz = Quiz(title="基准测验", status="published", pass_percent=60)
        quiz.slots = [QuizSlot(position=i, question=q) for i, q in enumerate(added.questions, 1)]
        db.session.add(quiz)
        db.session.flush()
        versions = [(q.current.id, q.current.qtype, q.current.data) for q in added.questions]
        quiz_id = quiz.id
        db.session.commit()

    engine = create_engine(url)
    now = utcnow()
    with engine.begin() as conn:
        first_user = (conn.scalar(select(func.max(User.id))) or 0) + 1
        conn.execute(
            insert(User),
            [
                {
                    "id": first_user + i,
                    "username": f"bench{i}",
                    "name": f"学员{i}",
                    "password_hash": "!",
                    "role": "member",
                    "is_cadre": False,
                    "active": True,
                    "must_change_password": False,
                    "created_at": now,
                }
                for i in range(members)
            ],
        )
        grades: dict[tuple[int, str], Decimal] = {}
        attempts, answers = [], []
        numbers = [0] * members
        first_attempt = (conn.scalar(select(func.max(Attempt.id))) or 0) + 1
        for n in range(finished):
            member = n if n < members else rng.randrange(members)
            numbers[member] += 1
            ability = rng.random() + 0.1 * numbers[member]  # second tries do a little better
            attempt_id = first_attempt + n
            score = Decimal(0)
            for position, (version_id, qtype, data) in enumerate(versions, 1):
                difficulty = (position % 7) / 7
                answer = _answer(rng, qtype, data, rng.random() < 0.35 + ability - difficulty / 2)
                if qtype == "essay":
                    fraction = Decimal(rng.choice(["0", "0.5", "1"])) if answer else Decimal(0)
                else:
                    key = (version_id, json.dumps(answer, sort_keys=True))
                    if key not in grades:
                        grades[key] = QUESTION_TYPES[qtype].grade(data, answer)
                    fraction = grades[key]
                score += fraction.quantize(Decimal("0.0001"))
                answers.append(
                    {
                        "attempt_id": attempt_id,
                        "position": position,
                        "version_id": version_id,
                        "mark": Decimal(1),
                        "layout": {},
                        "answer": answer,
                        "saved_at": now,
                        "checked": False,
                        "fraction": fraction,
                        "comment": "",
                    }
                )
            started = now - timedelta(days=30, minutes=n)
            attempts.append(
                {
                    "id": attempt_id,
                    "quiz_id": quiz_id,
                    "user_id": first_user + member,
                    "number": numbers[member],
                    "preview": False,
                    "state": "finished",
                    "started_at": started,
                    "finished_at": started + timedelta(minutes=25),
                    "max_score": Decimal(QUESTIONS),
                    "score": score,
                    "passed": score * 100 >= QUESTIONS * 60,
                }
            )
        for start in range(0, len(attempts), BATCH):
            conn.execute(insert(Attempt), attempts[start : start + BATCH])
        for start in range(0, len(answers), BATCH):
            conn.execute(insert(AttemptQuestion), answers[start : start + BATCH])
    engine.dispose()
    return quiz_id


def _app(url: str, workdir: Path):
    # The tests' cheap password hashing: the instructor's login is set-up, not what is measured.
    return create_app(app_config(url, workdir / "build"))


def add_instructor(url: str, workdir: Path) -> None:
    """The account that opens the page: the benchmark's members cannot log in."""
    app = _app(url, workdir)
    with app.app_context():
        create_user(INSTRUCTOR, "出题老师", password=PASSWORD, role="instructor")
        db.session.commit()
        db.engine.dispose()


def _analyze(url: str) -> None:
    # Fresh bulk loads have no planner statistics yet; autovacuum (PostgreSQL) or nobody
    # (SQLite) gathers them later. Time both states: the first is the worst case.
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()


def measure(
    browser: harness.Browser, server: harness.Server, path: str, runs: int, workers: int
) -> tuple[list[float], list[float]]:
    """Seconds of ``runs`` sequential GETs of the page, and the worker's seconds of each."""
    for _ in range(workers):  # each worker has compiled the templates and connected
        browser.get(path, "warm-up")
    start = harness.log_offset(server.access_log)
    samples = []
    for _ in range(runs):
        page = browser.get(path, "stats")
        # The page is all there (its last section), and obeys the CSP: no inline style.
        html = page.text()
        if "每人首次作答" not in html or "style=" in html:
            raise harness.Failed(f"{path}: not the statistics page")
        samples.append(page.seconds)
    time.sleep(0.2)  # the access log's lines are written after the answers
    return samples, harness.served_times(server.access_log, start, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    harness.database_option(parser)
    parser.add_argument("--attempts", type=int, default=ATTEMPTS, help="finished attempts")
    parser.add_argument("--runs", type=int, default=RUNS, help="timed GETs per state (5)")
    harness.server_options(parser)
    args = parser.parse_args(argv)
    postgres = harness.wants_postgres(parser, args)

    results: dict[str, tuple[list[float], list[float]]] = {}
    with (
        harness.workdir("bench-stats-") as work,
        harness.fresh_database(not postgres, args.database_url, work, "bench_stats") as url,
    ):
        version = harness.server_version(url)
        facts = harness.machine_facts(args.database_url if postgres else None)
        # First: the bulk insert numbers its rows itself, past the PostgreSQL sequence.
        add_instructor(url, work)
        start = time.perf_counter()
        quiz_id = build(url, work, args.attempts)
        built = time.perf_counter() - start
        root, code = harness.served_tree(args.commit, work)
        path = f"/manage/quizzes/{quiz_id}/stats"
        load_before = harness.load_average()
        with harness.hello_server(args.workers, work, root) as hello:
            hello_seconds = harness.hello_latency(hello, args.hello_runs)
        with harness.Server(url, args.workers, work, root=root) as server:
            browser = harness.Browser(server.port)
            browser.log_in(INSTRUCTOR, PASSWORD)
            results["as loaded"] = measure(browser, server, path, args.runs, args.workers)
            _analyze(url)
            results["after ANALYZE"] = measure(browser, server, path, args.runs, args.workers)
        load_after = harness.load_average()

    print(
        f"\n### Quiz statistics over HTTP: {version}, {args.attempts:,} attempts × {QUESTIONS} "
        f"questions\n"
    )
    print(
        f"{harness.utc_now()}; code {code}; {args.workers} gunicorn sync workers; load average "
        f"{load_before} before, {load_after} after. Hello (bare Flask, same gunicorn settings, "
        f"this run): {harness.ms(hello_seconds)} ms median of {args.hello_runs} sequential GETs. "
        f"Data built in {built:.1f} s.\n"
    )
    print(
        f"| `{path}` | runs | median ms | p95 ms | max ms | worker median ms "
        f"| median / {TARGET_SECONDS:g} s |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for state, (samples, served) in results.items():
        median, p95, top = harness.spread(samples)
        worker = harness.ms(statistics.median(served)) if served else "–"
        print(
            f"| {state} | {len(samples)} | {harness.ms(median)} | {harness.ms(p95)} "
            f"| {harness.ms(top)} | {worker} | {median / TARGET_SECONDS:.0%} |"
        )
    print(
        "\nSequential GETs as the instructor, after one warm-up per worker, each from sending "
        "the request to the last byte; worker: the time gunicorn's worker spent on it "
        "(access log).\n"
    )
    print("- " + "\n- ".join(facts))
    met = all(statistics.median(s) < TARGET_SECONDS for s, _ in results.values())
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
