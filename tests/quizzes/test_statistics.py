"""Quiz statistics: score summaries, first attempts, item analysis and the statistics page."""

import math
from decimal import Decimal

import pytest
from flask import render_template
from sqlalchemy import event

from school.auth.models import User
from school.db import db
from school.quizzes import attempts as svc
from school.quizzes import bank
from school.quizzes.statistics import REVIEW_REASONS, question_statistics, quiz_statistics
from school.quizzes.types import OptionCount
from tests.factories import make_user
from tests.quizzes import factories as f


def _members(count: int) -> list[User]:
    return [make_user(f"m{i}", f"学员{i}") for i in range(count)]


def _take(quiz, member: User, answers: dict[int, list[str]], *, preview=False, finish=True):
    """One attempt with the given answers (position -> form values)."""
    attempt = svc.start_attempt(member, quiz, preview=preview)
    svc.save_answers(attempt, answers)
    if finish:
        svc.finish_attempt(attempt)
    return attempt


def _scoring(right: int, of: int = 5) -> dict[int, list[str]]:
    """True/false answers: the first ``right`` positions right, the rest wrong."""
    return {p: ["true" if p <= right else "false"] for p in range(1, of + 1)}


def _approx(value: float):
    return pytest.approx(value, abs=1e-9)


def test_summary_all_and_first_attempts_exclude_previews_and_open_attempts(app, world):
    with app.app_context():
        quiz = f.make_quiz([f.truefalse() for _ in range(5)], pass_percent=60)
        a, b, c, d, e = _members(5)
        _take(quiz, a, _scoring(5))  # 100
        _take(quiz, b, _scoring(2))  # 40, then a second try
        _take(quiz, b, _scoring(4))  # 80
        _take(quiz, c, _scoring(3))  # 60
        _take(quiz, d, _scoring(1))  # 20
        _take(quiz, e, _scoring(5), finish=False)  # still open: not counted
        _take(quiz, db.session.get(User, world.instructor), _scoring(5), preview=True)

        stats = quiz_statistics(quiz)
        every, first = stats.all_attempts, stats.first_attempts
        # All: 100, 40, 80, 60, 20.
        assert (every.attempts, every.members) == (5, 4)
        assert every.mean == _approx(60)
        assert every.median == _approx(60)
        assert every.sd == _approx(math.sqrt(4000 / 4))
        assert every.pass_rate == _approx(60)  # 100, 80 and 60 pass
        assert [band.count for band in every.histogram] == [0, 0, 1, 0, 1, 0, 1, 0, 1, 1]
        assert every.histogram[9].label == "90–100" and every.histogram[2].label == "20–29"
        assert every.histogram[2].percent == _approx(20)
        # First attempts: 100, 40, 60, 20 (b's second try is left out).
        assert (first.attempts, first.members) == (4, 4)
        assert first.mean == _approx(55)
        assert first.median == _approx(50)
        assert first.sd == _approx(math.sqrt(3500 / 3))
        assert first.pass_rate == _approx(50)
        assert [band.count for band in first.histogram] == [0, 0, 1, 0, 1, 0, 1, 0, 0, 1]

        questions = question_statistics(quiz)
        assert [q.responses for q in questions] == [5] * 5
        # Position 3 was right in 100, 80 and 60: three of five.
        assert questions[2].facility == _approx(60)
        first_questions = question_statistics(quiz, first_attempts=True)
        assert [q.responses for q in first_questions] == [4] * 5
        assert first_questions[2].facility == _approx(50)


def test_band_edges_follow_marks(app, world):
    with app.app_context():
        quiz = f.make_quiz([f.truefalse() for _ in range(10)])
        for member, right in zip(_members(4), (0, 1, 9, 10), strict=True):
            _take(quiz, member, _scoring(right, of=10))
        histogram = quiz_statistics(quiz).all_attempts.histogram
        # 0 -> 0–9, 10 -> 10–19, 90 -> 90–100, 100 -> 90–100.
        assert [band.count for band in histogram] == [1, 1, 0, 0, 0, 0, 0, 0, 0, 2]


def test_facility_and_discrimination_computed_by_hand(app, world):
    with app.app_context():
        quiz = f.make_quiz([f.truefalse(), f.truefalse(), f.truefalse()])
        # Rows are attempts, columns questions (1 right, 0 wrong):
        #   1 1 1 | 1 1 0 | 1 0 1 | 0 1 0 | 0 0 0
        grid = [(1, 1, 1), (1, 1, 0), (1, 0, 1), (0, 1, 0), (0, 0, 0)]
        for member, row in zip(_members(5), grid, strict=True):
            _take(quiz, member, {p: ["true" if r else "false"] for p, r in enumerate(row, 1)})
        q1, q2, q3 = question_statistics(quiz)

        assert [q.facility for q in (q1, q2, q3)] == [_approx(60), _approx(60), _approx(40)]
        # SD of the fraction: x = 1,1,1,0,0, mean 0.6, Σ(x - mean)² = 1.2, sample variance 0.3.
        assert q1.sd == _approx(100 * math.sqrt(0.3))
        # Question 1 against the rest of the quiz: x = 1,1,1,0,0 and y = 2,1,1,1,0.
        # Σ(x - x̄)(y - ȳ) = 1.0, Σ(x - x̄)² = 1.2, Σ(y - ȳ)² = 2, so r = 1 / √2.4.
        assert q1.discrimination == _approx(1 / math.sqrt(2.4))
        # Question 2: x = 1,1,0,1,0 and y = 2,1,2,0,0: no covariance at all.
        assert q2.discrimination == _approx(0)
        # Question 3: x = 1,0,1,0,0 and y = 2,2,1,1,0: Sxy = 0.6, Sxx = 1.2, Syy = 2.8.
        assert q3.discrimination == _approx(0.6 / math.sqrt(1.2 * 2.8))

        assert not q1.needs_review and not q3.needs_review
        assert q2.needs_review and q2.review_reasons == [REVIEW_REASONS["weak"]]
        assert (q1.position, q1.qtype, q1.type_label, q1.name) == (1, "truefalse", "判断题", "判断")


def test_needs_review_flags(app, world):
    with app.app_context():
        quiz = f.make_quiz([f.truefalse() for _ in range(5)])
        # Position 1 everyone gets right, 2 everyone wrong; 5 is right for the weakest only.
        grid = [(1, 0, 1, 1, 0), (1, 0, 1, 0, 0), (1, 0, 0, 1, 1), (1, 0, 0, 0, 1)]
        for member, row in zip(_members(4), grid, strict=True):
            _take(quiz, member, {p: ["true" if r else "false"] for p, r in enumerate(row, 1)})
        easy, hard, _, _, upside_down = question_statistics(quiz)

        assert easy.facility == 100 and easy.discrimination is None
        assert easy.review_reasons == [REVIEW_REASONS["easy"]]
        assert hard.facility == 0 and hard.review_reasons == [REVIEW_REASONS["hard"]]
        assert upside_down.discrimination < 0
        assert upside_down.review_reasons == [REVIEW_REASONS["negative"]]


def test_option_distributions_and_frequent_answers(app, world):
    with app.app_context():
        quiz = f.make_quiz(
            [f.single(), f.multiple(), f.truefalse(), f.matching(), f.fillin(), f.numerical()]
        )
        members = _members(5)
        plans = [
            (
                {1: ["0"], 2: ["0", "1", "2"], 3: ["true"], 5: ["党章"], 6: ["32"]},
                ("每月", "每季度"),
            ),
            ({1: ["1"], 2: ["0", "3"], 3: ["false"], 5: ["党章。"], 6: ["３２"]}, ("每季度", None)),
            ({}, (None, None)),
            ({1: ["0"], 2: ["1"], 3: ["true"], 5: ["党章"], 6: ["30"]}, ("每月", "每十年")),
            ({1: ["2"], 3: ["true"], 5: ["章程"], 6: ["32"]}, (None, None)),
        ]
        for member, (answers, matches) in zip(members, plans, strict=True):
            attempt = svc.start_attempt(member, quiz)
            rights = attempt.questions[3].layout["rights"]
            answers[4] = [
                f"{left}:{rights.index(right)}"
                for left, right in enumerate(matches)
                if right is not None
            ]
            svc.save_answers(attempt, answers)
            svc.finish_attempt(attempt)

        single, multiple, truefalse, matching, fillin, numerical = question_statistics(quiz)
        assert single.options == [
            OptionCount("工作或居住地的党组织", 2, 40.0, True),
            OptionCount("户籍所在地", 1, 20.0, False),
            OptionCount("任意一个党组织", 1, 20.0, False),
            OptionCount("未作答", 1, 20.0, None),
        ]
        assert [(o.text, o.count, o.correct) for o in multiple.options] == [
            ("支部党员大会", 2, True),
            ("支委会", 2, True),
            ("党小组会", 1, True),
            ("茶话会", 1, False),
            ("未作答", 2, None),
        ]
        assert [(o.text, o.count, o.percent) for o in truefalse.options] == [
            ("正确", 3, 60.0),
            ("错误", 1, 20.0),
            ("未作答", 1, 20.0),
        ]
        assert [(o.text, o.count, o.correct) for o in matching.options] == [
            ("支部委员会 → 每月", 2, True),
            ("支部委员会 → 每季度", 1, False),
            ("支部委员会 → 每十年", 0, False),
            ("支部委员会 → 未作答", 2, None),
            ("党员大会 → 每月", 0, False),
            ("党员大会 → 每季度", 1, True),
            ("党员大会 → 每十年", 1, False),
            ("党员大会 → 未作答", 3, None),
        ]
        # "党章。" is the same answer as "党章"; "章程" earns half marks, so it counts as scoring.
        assert fillin.top_answers == [
            OptionCount("党章", 3, 60.0, True),
            OptionCount("章程", 1, 20.0, True),
        ]
        assert fillin.unanswered == 1 and fillin.options == []
        assert [(o.text, o.count, o.correct) for o in numerical.top_answers] == [
            ("32", 3, True),
            ("30", 1, False),
        ]
        assert single.unanswered == 1 and multiple.unanswered == 2


def test_each_question_version_is_reported_apart(app, world):
    with app.app_context():
        quiz = f.make_quiz([f.single(), f.truefalse()])
        first, second = _members(2)
        _take(quiz, first, {1: ["0"], 2: ["true"]})
        changed = f.single()
        changed.text = "改过的题干"
        bank.edit_question(quiz.slots[0].question, changed, by=None)
        _take(quiz, second, {1: ["1"], 2: ["true"]})

        rows = [
            (q.position, q.version_number, q.text, q.responses) for q in question_statistics(quiz)
        ]
        assert rows == [
            (1, 1, "党员的组织关系一般应当转到哪里？", 1),
            (1, 2, "改过的题干", 1),
            (2, 1, "党员每年应完成规定学时。", 2),
        ]


def test_attempts_waiting_for_an_essay_grade_count_once_graded(app, world):
    with app.app_context():
        quiz = f.make_quiz([f.single(), f.essay()], pass_percent=50)
        attempt = _take(quiz, _members(1)[0], {1: ["0"], 2: ["体会"]})
        assert quiz_statistics(quiz).all_attempts.attempts == 0
        assert question_statistics(quiz) == []
        svc.grade_essay(
            attempt.questions[1], Decimal("0.5"), "", db.session.get(User, world.instructor)
        )
        assert quiz_statistics(quiz).all_attempts.mean == _approx(75)
        single, essay = question_statistics(quiz)
        assert single.facility == 100 and essay.facility == _approx(50)
        assert essay.options == essay.top_answers == []


def test_a_quiz_without_attempts_gives_zeros(app, world):
    with app.app_context():
        quiz = f.make_quiz([f.single()])
        stats = quiz_statistics(quiz)
        for summary in (stats.all_attempts, stats.first_attempts):
            assert (summary.attempts, summary.members) == (0, 0)
            assert (summary.mean, summary.median, summary.sd, summary.pass_rate) == (0, 0, 0, 0)
            assert [(b.count, b.percent) for b in summary.histogram] == [(0, 0.0)] * 10
        assert question_statistics(quiz) == []


@pytest.mark.parametrize("attempts", [2, 6])
def test_a_fixed_number_of_queries_whatever_the_attempts(app, world, engine, attempts):
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        quiz = f.make_quiz([f.single(), f.fillin(), f.matching()])
        for member in _members(attempts):
            _take(quiz, member, {1: ["0"], 2: ["党章"]})
        db.session.flush()
        event.listen(engine, "before_cursor_execute", record)
        try:
            quiz_statistics(quiz)
            question_statistics(quiz)
        finally:
            event.remove(engine, "before_cursor_execute", record)
    # Three per score summary (totals, bands, median), two for the questions (sums, versions).
    assert len(statements) == 2 * 3 + 2


def test_the_page_renders_without_inline_styles(app, world):
    with app.app_context():
        quiz = f.make_quiz([f.single(), f.fillin(), f.truefalse()], title="统计测验")
        plans = ({1: ["0"], 2: ["党章"], 3: ["false"]}, {1: ["0"], 3: ["false"]}, {})
        for member, answers in zip(_members(3), plans, strict=True):
            _take(quiz, member, answers)
        empty = f.make_quiz([f.single()], title="空测验")
        pages = []
        for shown in (quiz, empty):
            with app.test_request_context(f"/manage/quizzes/{shown.id}/stats"):
                pages.append(
                    render_template(
                        "quizzes/manage/stats.html",
                        quiz=shown,
                        stats=quiz_statistics(shown),
                        questions=question_statistics(shown),
                    )
                )
    page, empty_page = pages
    assert "统计测验：成绩统计" in page and "33.3%" in page and "工作或居住地的党组织" in page
    assert '<progress max="2" value="2">' in page and "未作答" in page and "需复查" in page
    assert "暂无作答数据" in empty_page and "暂无已交卷并已评分的作答" in empty_page
    for html in pages:
        # No inline style and no script of the page's own (the site's offline script is in the
        # head of every page).
        assert "style=" not in html and "<script" not in html.split("<main")[1]
