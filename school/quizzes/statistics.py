"""Quiz statistics for instructors: score distribution and item analysis per question.

Counted attempts are finished, not previews, and have a score (an essay still waiting for a
grade keeps its attempt out until it is graded). Moodle reports the same figures over all
attempts and over each member's first attempt; later attempts are shaped by the feedback of
earlier ones, so "first attempts" is the fair measure of how hard a question is.

Everything heavy happens in SQL: one GROUP BY (position, version, answer) returns a few hundred
rows of counts and sums, from which facility, standard deviation, the discrimination index and
the answer tallies follow without loading a row per answer (at 10,000 attempts × 20 questions,
fetching the 200,000 answer rows alone takes about 2 s; see bench/RESULTS.md). Each question
type tallies its own answers (school/quizzes/types.py). Statistics are floats; templates round
them.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import Float, Subquery, and_, case, cast, distinct, func, select

from school.db import db
from school.quizzes.models import Attempt, AttemptQuestion, QuestionVersion, Quiz
from school.quizzes.types import QUESTION_TYPES, OptionCount, freeze

BANDS = 10
# Warning thresholds from Moodle's documentation of the statistics report: a facility index
# below 20 is "difficult" or worse, above 90 "very easy"; a discrimination index below 20%
# (r < 0.2) is "very weak", a negative one suggests a wrong key. (Moodle's own code flags on
# other figures: the report on discriminative efficiency < 15%, the question bank's "Needs
# checking?" on discrimination index < 30%.)
HARD_BELOW, EASY_ABOVE, WEAK_BELOW = 20.0, 90.0, 0.2
REVIEW_REASONS = {
    "hard": "得分率低于 20%，题目可能过难或答案设置有误",
    "easy": "得分率高于 90%，题目可能过于简单",
    "weak": "区分度低于 0.2，难以区分掌握好与掌握差的学员",
    "negative": "区分度为负，总分高的学员反而答错，请检查答案",
}
# Scores keep four decimals, so two percentages that differ at all differ by at least 0.01 of a
# mark; SQLite compares them as floats, and this slack only absorbs that float noise.
_FLOAT_SLACK = Decimal("0.000001")


@dataclass(frozen=True)
class Band:
    """One bar of the histogram: percentages from ``low`` up to ``high`` (inclusive)."""

    low: int
    high: int
    count: int
    percent: float

    @property
    def label(self) -> str:
        return f"{self.low}–{self.high}"


@dataclass(frozen=True)
class ScoreSummary:
    attempts: int
    members: int
    mean: float
    median: float
    sd: float
    pass_rate: float  # percent that passed, by the pass mark in force when each was graded
    histogram: list[Band]


@dataclass(frozen=True)
class QuizStats:
    all_attempts: ScoreSummary
    first_attempts: ScoreSummary


@dataclass(frozen=True)
class QuestionStats:
    position: int
    version_id: int
    question_id: int
    version_number: int
    name: str
    qtype: str
    type_label: str
    text: str
    text_format: str
    responses: int
    facility: float  # mean fraction of the mark, 0..100
    sd: float | None  # of the fraction, 0..100; None with fewer than two responses
    discrimination: float | None  # Pearson r, -1..1; None when either side does not vary
    options: list[OptionCount] = field(default_factory=list)  # choice, true/false, matching
    top_answers: list[OptionCount] = field(default_factory=list)  # fill-in, numerical
    unanswered: int = 0
    review_reasons: list[str] = field(default_factory=list)

    @property
    def needs_review(self) -> bool:
        return bool(self.review_reasons)


# --- which attempts count ----------------------------------------------------------------------


def _counted(quiz: Quiz, first_only: bool) -> Subquery:
    """Counted attempts with their percentage and histogram band, as a subquery."""
    percent = cast(Attempt.score, Float) * 100 / cast(Attempt.max_score, Float)
    # Bands compare marks, not a rounded percentage, so 70 of 100 lands in 70–79 on both
    # databases; 100% joins the 90s as in Moodle's histogram.
    band = case(
        *[
            (Attempt.score * 100 >= Attempt.max_score * (10 * b) - _FLOAT_SLACK, b)
            for b in range(BANDS - 1, 0, -1)
        ],
        else_=0,
    )
    query = select(
        Attempt.id,
        Attempt.user_id,
        cast(Attempt.score, Float).label("score"),
        percent.label("percent"),
        band.label("band"),
        case((Attempt.passed.is_(True), 1), else_=0).label("passed"),
    ).where(
        Attempt.quiz_id == quiz.id,
        Attempt.state == "finished",
        Attempt.preview.is_(False),
        Attempt.score.is_not(None),
        # A quiz of descriptions only has no percentage to speak of.
        Attempt.max_score > 0,
    )
    if first_only:
        # The member's first finished attempt, graded or not: if it still waits for an essay
        # grade the member has no first-attempt figure yet, rather than a later one standing in.
        firsts = (
            select(Attempt.user_id, func.min(Attempt.number).label("number"))
            .where(
                Attempt.quiz_id == quiz.id,
                Attempt.state == "finished",
                Attempt.preview.is_(False),
            )
            .group_by(Attempt.user_id)
            .subquery("firsts")
        )
        query = query.join(
            firsts, and_(firsts.c.user_id == Attempt.user_id, firsts.c.number == Attempt.number)
        )
    return query.subquery("counted")


# --- the quiz ----------------------------------------------------------------------------------


def _median(counted: Subquery, n: int) -> float:
    # SQLite has no percentile function: read the middle one or two rows in order, as Moodle's
    # mod/quiz/report/statistics/classes/calculator.php does for the same portability reason.
    if n == 0:
        return 0.0
    middle = db.session.scalars(
        select(counted.c.percent)
        .order_by(counted.c.percent)
        .offset((n - 1) // 2)
        .limit(1 if n % 2 else 2)
    ).all()
    return sum(middle) / len(middle)


def _summary(quiz: Quiz, first_only: bool) -> ScoreSummary:
    counted = _counted(quiz, first_only)
    n, members, total, squares, passed = db.session.execute(
        select(
            func.count(),
            func.count(distinct(counted.c.user_id)),
            func.coalesce(func.sum(counted.c.percent), 0.0),
            func.coalesce(func.sum(counted.c.percent * counted.c.percent), 0.0),
            func.coalesce(func.sum(counted.c.passed), 0),
        )
    ).one()
    bands: dict[int, int] = {
        band: count
        for band, count in db.session.execute(
            select(counted.c.band, func.count()).group_by(counted.c.band)
        )
    }
    histogram = [
        Band(
            low=10 * b,
            high=100 if b == BANDS - 1 else 10 * b + 9,
            count=bands.get(b, 0),
            percent=100 * bands.get(b, 0) / n if n else 0.0,
        )
        for b in range(BANDS)
    ]
    mean = total / n if n else 0.0
    return ScoreSummary(
        attempts=n,
        members=members,
        mean=mean,
        median=_median(counted, n),
        # The sample standard deviation (n - 1), as Moodle's quiz statistics calculator uses.
        sd=math.sqrt(_spread(squares, total, n) / (n - 1)) if n > 1 else 0.0,
        pass_rate=100 * passed / n if n else 0.0,
        histogram=histogram,
    )


def _spread(sum_of_squares: float, total: float, n: int) -> float:
    """Σ(x - mean)² from Σx² and Σx, never negative from float rounding."""
    spread = sum_of_squares - total * total / n
    # A value that does not vary can come out as ±1e-13 instead of 0; call that 0, so an
    # everyone-right question gets no discrimination index rather than a noisy one.
    return spread if spread > 1e-9 * max(1.0, sum_of_squares) else 0.0


def quiz_statistics(quiz: Quiz) -> QuizStats:
    """Scores of the quiz's counted attempts: all of them and each member's first."""
    return QuizStats(all_attempts=_summary(quiz, False), first_attempts=_summary(quiz, True))


# --- the questions -----------------------------------------------------------------------------


def _discrimination(
    n: int, sx: float, sxx: float, ss: float, sss: float, sxs: float
) -> float | None:
    """Moodle's discrimination index, as a correlation coefficient r in -1..1.

    Moodle (question/classes/statistics/questions/calculator.php) correlates x, the mark on the
    question, with y, the mark on the rest of the quiz (the attempt's total minus x), over the
    attempts: discriminationindex = 100 · Cov(x, y) / sqrt(Var(x) · Var(y)). We return r without
    the factor 100. With S the attempt total and y = S - x, all from grouped sums:
        Sxx = Σx² - (Σx)²/n
        Sxy = (ΣxS - Σx²) - Σx · (ΣS - Σx)/n
        Syy = (ΣS² - 2ΣxS + Σx²) - (ΣS - Σx)²/n
        r   = Sxy / sqrt(Sxx · Syy)
    (the n - 1 of the sample (co)variances cancels out).
    """
    if n < 2:
        return None
    sum_y = ss - sx
    sxx_c = _spread(sxx, sx, n)
    syy_c = _spread(sss - 2 * sxs + sxx, sum_y, n)
    if not sxx_c or not syy_c:
        return None
    sxy_c = (sxs - sxx) - sx * sum_y / n
    return max(-1.0, min(1.0, sxy_c / math.sqrt(sxx_c * syy_c)))


def _reasons(facility: float, discrimination: float | None) -> list[str]:
    reasons = []
    if facility < HARD_BELOW:
        reasons.append(REVIEW_REASONS["hard"])
    elif facility > EASY_ABOVE:
        reasons.append(REVIEW_REASONS["easy"])
    if discrimination is not None and discrimination < WEAK_BELOW:
        reasons.append(REVIEW_REASONS["negative" if discrimination < 0 else "weak"])
    return reasons


@dataclass
class _Sums:
    """Running sums for one (position, version): f the fraction, x the mark earned, s the total."""

    n: int = 0
    f: float = 0.0
    ff: float = 0.0
    x: float = 0.0
    xx: float = 0.0
    s: float = 0.0
    ss: float = 0.0
    xs: float = 0.0
    answers: Counter = field(default_factory=Counter)


def _grouped_sums(counted: Subquery) -> dict[tuple[int, int], _Sums]:
    """One pass over the answers of the counted attempts, grouped in SQL.

    Rows are grouped by (position, version, answer), the answer only for question types whose
    answers are tallied (essays are free text: grouping them would return a row per essay). The
    few hundred groups are then added up per (position, version) here.
    """
    aq = AttemptQuestion
    fraction = cast(aq.fraction, Float)
    tallied = select(QuestionVersion.id).where(
        QuestionVersion.qtype.in_(sorted(k for k, t in QUESTION_TYPES.items() if t.tallied))
    )
    # A subquery of plain columns, so the outer GROUP BY repeats no bound parameters (PostgreSQL
    # would not see "CASE ... $1" and "CASE ... $2" as the same expression). Filtering on
    # version_id in the WHERE clause instead invites PostgreSQL, on fresh statistics, to AND a
    # bitmap of the whole version_id index into every attempt's lookup: 45 s instead of 0.5 s.
    rows = (
        select(
            aq.position,
            aq.version_id,
            case((aq.version_id.in_(tallied), aq.answer), else_=None).label("answer"),
            fraction.label("f"),
            (cast(aq.mark, Float) * fraction).label("x"),  # the mark earned on the question
            counted.c.score.label("s"),  # the attempt's total
        )
        .join(counted, counted.c.id == aq.attempt_id)
        .subquery("answers")
    )
    c = rows.c
    query = select(
        c.position,
        c.version_id,
        c.answer,
        func.count(),
        func.sum(c.f),
        func.sum(c.f * c.f),
        func.sum(c.x),
        func.sum(c.x * c.x),
        func.sum(c.s),
        func.sum(c.s * c.s),
        func.sum(c.x * c.s),
    ).group_by(c.position, c.version_id, c.answer)
    sums: dict[tuple[int, int], _Sums] = defaultdict(_Sums)
    for position, version_id, answer, n, f, ff, x, xx, s, ss, xs in db.session.execute(query):
        group = sums[position, version_id]
        group.n += n
        group.f += f
        group.ff += ff
        group.x += x
        group.xx += xx
        group.s += s
        group.ss += ss
        group.xs += xs
        # SQL NULL and JSON null both mean "no answer"; equal answers stored with their keys in
        # a different order (SQLite keeps the JSON text as written) are merged here.
        group.answers[freeze(answer) if answer else None] += n
    return sums


def question_statistics(quiz: Quiz, *, first_attempts: bool = False) -> list[QuestionStats]:
    """Item analysis per (position, question version) over the counted attempts."""
    sums = _grouped_sums(_counted(quiz, first_attempts))
    if not sums:
        return []
    versions = {
        v.id: v
        for v in db.session.scalars(
            select(QuestionVersion).where(QuestionVersion.id.in_({v for _, v in sums}))
        )
    }
    stats = []
    for (position, version_id), g in sorted(sums.items()):
        version = versions[version_id]
        qtype = QUESTION_TYPES[version.qtype]
        if not qtype.answerable:
            continue  # descriptions carry no mark
        facility = 100 * g.f / g.n
        discrimination = _discrimination(g.n, g.x, g.xx, g.s, g.ss, g.xs)
        stats.append(
            QuestionStats(
                position=position,
                version_id=version_id,
                question_id=version.question_id,
                version_number=version.number,
                name=version.name,
                qtype=version.qtype,
                type_label=qtype.label,
                text=version.text,
                text_format=version.text_format,
                responses=g.n,
                facility=facility,
                sd=100 * math.sqrt(_spread(g.ff, g.f, g.n) / (g.n - 1)) if g.n > 1 else None,
                discrimination=discrimination,
                options=qtype.option_counts(version.data, g.answers, g.n),
                top_answers=qtype.top_answers(version.data, g.answers, g.n),
                unanswered=g.answers.get(None, 0) if qtype.tallied else 0,
                review_reasons=_reasons(facility, discrimination),
            )
        )
    return stats


__all__ = [
    "Band",
    "QuestionStats",
    "QuizStats",
    "ScoreSummary",
    "question_statistics",
    "quiz_statistics",
]
