r"""Benchmark: statistics for a quiz with 10,000 finished attempts must render in under 1 s.

Builds a quiz of 20 questions of mixed types and 10,000 graded attempts (200,000 answers) with
bulk inserts, then times quiz_statistics, question_statistics and rendering the page.

    .venv/bin/python -m bench.quiz_stats          # a temporary SQLite file
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python -m bench.quiz_stats

A PostgreSQL URL names the server: the benchmark creates its own database bench_stats_<pid>
there and drops it afterwards, so it never writes into the database it was pointed at.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from flask import render_template
from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import make_url

from bench import harness
from school import create_app
from school.auth.models import User
from school.db import db, utcnow
from school.quizzes import bank
from school.quizzes.models import Attempt, AttemptQuestion, Quiz, QuizSlot
from school.quizzes.statistics import question_statistics, quiz_statistics
from school.quizzes.types import QUESTION_TYPES
from tests.conftest import app_config
from tests.databases import migrate
from tests.quizzes import factories as f

ATTEMPTS = 10_000
MEMBERS = 8_000  # the other 2,000 attempts are second tries
QUESTIONS = 20
RUNS = 5
TARGET_SECONDS = 1.0
BATCH = 5_000
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


def build(url: str, seed: int = 20261126) -> int:
    """Fill the database at ``url`` with the benchmark quiz; returns the quiz id."""
    rng = random.Random(seed)
    app = _app(url)
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
                for i in range(MEMBERS)
            ],
        )
        grades: dict[tuple[int, str], Decimal] = {}
        attempts, answers = [], []
        numbers = [0] * MEMBERS
        first_attempt = (conn.scalar(select(func.max(Attempt.id))) or 0) + 1
        for n in range(ATTEMPTS):
            member = n if n < MEMBERS else rng.randrange(MEMBERS)
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


# --- the timing --------------------------------------------------------------------------------


def _app(url: str):
    return create_app(app_config(url, Path(tempfile.gettempdir())))


def measure(url: str, quiz_id: int, runs: int = RUNS) -> dict[str, list[float]]:
    """Seconds per run for each step, every run in a fresh app context (a cold session)."""
    app = _app(url)
    times: dict[str, list[float]] = {
        "quiz_statistics": [],
        "question_statistics": [],
        "render": [],
        "total": [],
    }
    # The view has not been added yet: render inside a request context as the view would.
    for _ in range(runs):
        with app.test_request_context(f"/manage/quizzes/{quiz_id}/stats"):
            start = time.perf_counter()
            quiz = db.session.get(Quiz, quiz_id)
            stats = quiz_statistics(quiz)
            mid = time.perf_counter()
            questions = question_statistics(quiz)
            rendered = time.perf_counter()
            html = render_template(
                "quizzes/manage/stats.html", quiz=quiz, stats=stats, questions=questions
            )
            end = time.perf_counter()
        assert stats.all_attempts.attempts == ATTEMPTS and len(questions) == QUESTIONS
        assert "style=" not in html
        times["quiz_statistics"].append(mid - start)
        times["question_statistics"].append(rendered - mid)
        times["render"].append(end - rendered)
        times["total"].append(end - start)
    return times


def fetch_all_rows(url: str, quiz_id: int) -> float:
    """The other design's floor: fetch every (attempt, position, version, fraction, answer)."""
    app = _app(url)
    with app.app_context():
        start = time.perf_counter()
        rows = db.session.execute(
            select(
                AttemptQuestion.attempt_id,
                AttemptQuestion.position,
                AttemptQuestion.version_id,
                AttemptQuestion.fraction,
                AttemptQuestion.answer,
            )
            .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
            .where(Attempt.quiz_id == quiz_id)
        ).all()
        elapsed = time.perf_counter() - start
    assert len(rows) == ATTEMPTS * QUESTIONS
    return elapsed


# --- databases ---------------------------------------------------------------------------------


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
    return harness.create_postgres(server_url, f"bench_stats_{os.getpid()}")


def _drop_postgres(server_url: str, url: str) -> None:
    harness.drop_postgres(server_url, make_url(url).database)


def _analyze(url: str) -> None:
    # Fresh bulk loads have no planner statistics yet; autovacuum (PostgreSQL) or nobody
    # (SQLite) gathers them later. Time both states: the first is the worst case.
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()


def _report(version: str, built: float, results: dict[str, dict[str, list[float]]], floor: float):
    print(f"{version}: {ATTEMPTS} attempts × {QUESTIONS} questions, built in {built:.1f} s")
    print(f"{'planner stats':<15}{'step':<21}{'min s':>7}{'median s':>10}{'median / 1 s':>14}")
    for state, times in results.items():
        for step, values in times.items():
            median = statistics.median(values)
            print(
                f"{state:<15}{step:<21}{min(values):>7.3f}{median:>10.3f}"
                f"{median / TARGET_SECONDS:>13.0%}"
            )
    print(
        f"fetching all {ATTEMPTS * QUESTIONS} rows instead (the alternative design): {floor:.3f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=RUNS)
    args = parser.parse_args()

    given = os.environ.get("DATABASE_URL", "")
    workdir = tempfile.TemporaryDirectory(prefix="bench-stats-")
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
        quiz_id = build(url)
        built = time.perf_counter() - start
        results = {"as loaded": measure(url, quiz_id, args.runs)}
        _analyze(url)
        results["after ANALYZE"] = measure(url, quiz_id, args.runs)
        floor = fetch_all_rows(url, quiz_id)
        version = _server_version(url)
    finally:
        if on_server:
            _drop_postgres(given, url)
        workdir.cleanup()
    _report(version, built, results, floor)


if __name__ == "__main__":
    main()
