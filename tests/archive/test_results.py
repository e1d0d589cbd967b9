"""The archive shows results: score out of how much, pass or fail, which attempt, a quiz's
attempts together, a link to the result for whoever may open it, who credited offline study."""

import re
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select

from school.archive import services
from school.archive.models import ArchiveEntry
from school.auth.models import User
from school.db import db, utcnow
from school.quizzes import attempts as quiz_attempts
from tests.conftest import login
from tests.quizzes import factories as f

# Eight true/false questions: 3 right is 37.5 分, 8 right is 100 分.
QUESTIONS = 8


def _exam(**settings):
    return f.make_quiz(
        [f.truefalse() for _ in range(QUESTIONS)], title="结业测验", pass_percent=60, **settings
    )


def _attempt(member: User, quiz, right: int):
    attempt = quiz_attempts.start_attempt(member, quiz)
    quiz_attempts.save_answers(
        attempt, {n: ["true" if n <= right else "false"] for n in range(1, QUESTIONS + 1)}
    )
    return quiz_attempts.finish_attempt(attempt)


def _failed_then_passed(app, world) -> tuple[int, int]:
    with app.app_context():
        member = db.session.get(User, world.member)
        quiz = _exam(attempts_allowed=3)
        failed, passed = _attempt(member, quiz, 3), _attempt(member, quiz, 8)
        db.session.commit()
        return failed.id, passed.id


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _rows(page: str) -> list[str]:
    return re.findall(r'<tr class="kind-[a-z]+">.*?</tr>', page, re.S)


def test_new_quiz_entries_snapshot_the_quiz_and_the_attempt_number(app, world):
    with app.app_context():
        member = db.session.get(User, world.member)
        quiz = _exam(attempts_allowed=3)
        first, second = _attempt(member, quiz, 3), _attempt(member, quiz, 8)
        entries = db.session.scalars(select(ArchiveEntry).order_by(ArchiveEntry.id)).all()
        assert [
            (e.quiz_id, e.attempt_number, e.attempt_id, e.percent, e.passed) for e in entries
        ] == [
            (quiz.id, 1, first.id, Decimal("37.5"), False),
            (quiz.id, 2, second.id, Decimal("100.0"), True),
        ]


def test_the_member_sees_the_best_attempt_with_the_others_folded(app, client, world):
    failed, passed = _failed_then_passed(app, world)
    login(client, "member")
    page = _page(client, "/archive/")
    [row] = [r for r in _rows(page) if "结业测验" in r]
    shown, folded = row.split("<details", 1)
    assert "100 分" in shown and "（8 / 8）" in shown and "及格" in shown and "第 2 次" in shown
    assert "37.5 分" in folded and "（3 / 8）" in folded and "未及格" in folded
    assert "第 1 次" in folded and "另外 1 次答题" in folded
    assert f'href="/attempts/{passed}/result"' in shown
    assert f'href="/attempts/{failed}/result"' in folded
    assert "0 学时" not in row and "线上·测验" in row
    # Each link opens the member's own result.
    assert "37.5" in _page(client, f"/attempts/{failed}/result")


def test_the_best_attempt_is_shown_even_when_a_later_one_failed(app, client, world):
    with app.app_context():
        member = db.session.get(User, world.member)
        quiz = _exam(attempts_allowed=0)
        _attempt(member, quiz, 8)
        _attempt(member, quiz, 2)
        db.session.commit()
    login(client, "member")
    [row] = [r for r in _rows(_page(client, "/archive/")) if "结业测验" in r]
    shown, folded = row.split("<details", 1)
    assert "100 分" in shown and "第 1 次" in shown
    assert "25 分" in folded and "第 2 次" in folded


def test_staff_see_the_results_without_links_the_result_page_would_refuse(app, client, world):
    failed, passed = _failed_then_passed(app, world)
    login(client, "secretary")
    page = _page(client, f"/archive/members/{world.member}")
    assert "100 分" in page and "37.5 分" in page and "第 2 次" in page
    assert "/attempts/" not in page
    for attempt_id in (failed, passed):
        assert client.get(f"/attempts/{attempt_id}/result").status_code == 404


def test_another_quiz_is_a_line_of_its_own(app, client, world):
    with app.app_context():
        member = db.session.get(User, world.member)
        _attempt(member, _exam(), 8)
        _attempt(member, f.make_quiz([f.truefalse()], title="单元测验"), 0)
        db.session.commit()
    login(client, "member")
    rows = _rows(_page(client, "/archive/"))
    assert len(rows) == 2 and not any("<details" in r for r in rows)


def test_old_entries_show_only_what_they_hold(app, client, world):
    """Entries written before the attempt was snapshotted: score and verdict, no attempt
    number, and no grouping (they do not say which quiz they were)."""
    with app.app_context():
        member = db.session.get(User, world.member)
        for attempt_id, score in ((9001, 3), (9002, 8)):
            services.append_online(
                member,
                kind="quiz",
                title="结业测验",
                course_title=None,
                hours=Decimal(0),
                completed_at=utcnow(),
                dedupe_key=f"attempt:{attempt_id}",
                score=Decimal(score),
                max_score=Decimal(8),
                passed=score >= 5,
            )
        db.session.commit()
    login(client, "member")
    rows = [r for r in _rows(_page(client, "/archive/")) if "结业测验" in r]
    assert len(rows) == 2
    assert "100 分" in rows[0] and "37.5 分" in rows[1]
    assert not any("第 " in r or "<details" in r for r in rows)


def test_offline_entries_name_who_credited_them_without_a_doubled_label(app, client, world):
    with app.app_context():
        services.append_offline(
            db.session.get(User, world.member),
            title="春节返乡培训",
            hours=Decimal(8),
            completed_at=datetime(2026, 2, 1, tzinfo=UTC),
            recorded_by=db.session.get(User, world.secretary),
        )
        db.session.commit()
    login(client, "member")
    for url in ("/archive/?year=2026", "/archive/print?year=2026"):
        [row] = [r for r in _rows(_page(client, url)) if "春节返乡培训" in r]
        assert re.search(r"由 赵书记 于 \d{4}-\d{2}-\d{2} 记入", row)
        assert "线下学习" in row and "线下·线下" not in row


def test_the_printed_archive_lists_every_attempt_without_links(app, client, world):
    _failed_then_passed(app, world)
    login(client, "member")
    page = _page(client, "/archive/print")
    [row] = [r for r in _rows(page) if "结业测验" in r]
    assert "100 分" in row and "37.5 分" in row and "第 1 次" in row and "第 2 次" in row
    assert "<details" not in row and "/attempts/" not in row
