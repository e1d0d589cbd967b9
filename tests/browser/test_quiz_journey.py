"""Quizzes through a real browser on a phone-sized screen.

The demo member takes the timed end-of-course exam of 《流动党员管理须知》: she opens it from the
course page, watches the countdown run, answers all eight questions by tapping the visible answer
texts (options are shuffled per attempt, so never by position), reloads the page half-way to see
that her ticks were saved in the background, checks and submits, gets 100 分 and 及格 but no
answers (she has attempts left), and finds the exam in her archive with its score. A second
attempt runs out of time (the deadline is moved into the past in the database rather than
waiting ten minutes) and is finished with the one answer saved; the archive then shows the
passed attempt with the failed one folded behind it, and leads to its result. The third and
last attempt shows the right answers. The standalone practice quiz gives a verdict and the right
answer per question and locks the answer. The tests run in this order on one server.

The server and browser work like ``test_member_journey.py`` (whose plain helpers are reused): the
real app in a ``flask run`` subprocess on a fresh database per backend, loaded the way
``make run`` loads it; screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import Locator, Page, expect
from sqlalchemy import create_engine, update

from school.db import utcnow
from school.quizzes.models import Attempt
from tests.browser.support import Server, check_fits_phone, log_in, screenshot

COURSE_SLUG = "floating-member-rules"
EXAM_TITLE = "《流动党员管理须知》结业测验"
PRACTICE_TITLE = "党章党规知识练习"
TIME_LIMIT_SECONDS = 600

# The exam's questions in their fixed order (school/demo/questions/floating-member-rules.gift):
# a piece of the question text, to be sure of the page, and the right answer as the member sees
# it: the texts of the options to tap, or the text to type.
EXAM = [
    ("党员外出务工经商前，首先应当做的是", ["向所在党支部报告去向和联系方式"]),
    ("普通党员每年至少应完成多少学时的学习", "32"),
    ("党支部书记和支部委员每年至少应完成 56 学时的学习", ["正确"]),
    ("下列哪些属于“三会一课”", ["支部党员大会", "支部委员会", "党小组会"]),
    ("外出到一个固定地点半年以上的党员", ["转接组织关系到所在地党组织"]),
    ("到达外地后，流动党员应主动向", "流入地"),
    ("流动党员只需要参加流出地党组织的活动", ["错误"]),
    ("流动党员在外地期间可以不交党费", ["错误"]),
]
MULTIPLE_CHOICE = 4  # 三会一课: the page reloaded half-way through its ticks
SAVED = re.compile(r"^已自动保存 \d\d:\d\d:\d\d$")
ATTEMPT_URL = re.compile(r"/attempts/(\d+)(\?page=\d+)?$")
RESULT_URL = re.compile(r"/attempts/\d+/result$")
ANSWERS_LATER = "用完全部 3 次答题机会后，可查看正确答案和解析。"


def _screenshot(page: Page, backend: str, name: str) -> None:
    screenshot(page, f"quiz-journey-{backend}-{name}")


def _start_exam(page: Page) -> int:
    """From the course page to question 1 of a new attempt; returns the attempt's id."""
    page.goto(f"/courses/{COURSE_SLUG}")
    quizzes = page.locator("section.module", has=page.get_by_role("heading", name="课程测验"))
    quizzes.get_by_role("link", name=re.compile("结业测验")).tap()
    expect(page.locator("h1")).to_have_text(EXAM_TITLE)
    page.get_by_role("button", name="开始答题", exact=True).tap()
    expect(page).to_have_url(ATTEMPT_URL)
    expect(page.locator("fieldset#q1")).to_contain_text(EXAM[0][0])
    return int(ATTEMPT_URL.search(page.url).group(1))


def _option(question: Locator, text: str) -> Locator:
    """The option whose visible text is ``text`` (after its letter A, B, … if it has one)."""
    return question.locator("label.option").filter(
        has=question.page.locator("span", has_text=re.compile(f"^{re.escape(text)}$"))
    )


def _tap_and_wait_for_save(page: Page, target: Locator) -> None:
    """Tap an option and wait until the page has saved it in the background."""
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith("/save")
    ) as saved:
        target.tap()
    assert saved.value.ok, saved.value.status
    expect(page.locator("#save-status")).to_have_text(SAVED)


def _seconds_left(text: str) -> int:
    match = re.fullmatch(r"剩余 (\d+) 分 (\d\d) 秒", text)
    assert match, f"the countdown reads {text!r}"
    return int(match.group(1)) * 60 + int(match.group(2))


def test_member_takes_the_timed_exam_on_a_phone(page: Page, server: Server, backend: str) -> None:
    with server.log_on_failure():
        log_in(page, server)
        _start_exam(page)

        # The countdown starts near 10:00 and runs down by two seconds (waiting for it while
        # question 1 is answered, no fixed sleep).
        timer = page.locator("#timer")
        expect(timer).to_have_text(re.compile(r"^剩余 \d+ 分 \d\d 秒$"))
        first = _seconds_left(timer.inner_text())
        assert TIME_LIMIT_SECONDS - 15 <= first <= TIME_LIMIT_SECONDS, first
        # Meanwhile question 1 is answered and saved in the background, before any button.
        _tap_and_wait_for_save(page, _option(page.locator("fieldset#q1"), EXAM[0][1][0]))
        page.wait_for_function(
            """first => {
                const text = document.getElementById("timer").textContent;
                const m = text.match(/(\\d+) 分 (\\d\\d) 秒/);
                return m && Number(m[1]) * 60 + Number(m[2]) <= first - 2;
            }""",
            arg=first,
        )
        second = _seconds_left(timer.inner_text())
        assert first - 5 <= second <= first - 2, (first, second)

        for position, (question_text, answer) in enumerate(EXAM, start=1):
            question = page.locator(f"fieldset#q{position}")
            expect(question).to_contain_text(question_text)
            expect(page.locator(".pager .meta")).to_have_text(f"{position}/{len(EXAM)}")
            check_fits_phone(page, f"question {position}")
            if isinstance(answer, str):
                box = question.locator(".text-answer")
                box.tap()
                box.fill(answer)
            elif position == MULTIPLE_CHOICE:
                # Two ticks saved in the background survive a reload; then the third.
                for text in answer[:2]:
                    _tap_and_wait_for_save(page, _option(question, text))
                _screenshot(page, backend, "attempt")
                page.reload()
                question = page.locator(f"fieldset#q{position}")
                expect(question).to_contain_text(question_text)
                for text in answer[:2]:
                    expect(_option(question, text).locator("input")).to_be_checked()
                for text in (answer[2], "同乡联谊会"):
                    expect(_option(question, text).locator("input")).not_to_be_checked()
                _option(question, answer[2]).tap()
            elif position > 1:  # question 1 was answered while the countdown ran
                for text in answer:
                    _option(question, text).tap()
            if isinstance(answer, list):
                for text in answer:
                    expect(_option(question, text).locator("input")).to_be_checked()
            if position < len(EXAM):
                page.get_by_role("button", name="下一题").tap()
                expect(page.locator(f"fieldset#q{position + 1}")).to_be_visible()
            else:
                page.get_by_role("button", name="检查并交卷").tap()

        expect(page.locator("h1")).to_have_text("交卷前检查")
        expect(page.locator("main")).to_contain_text(f"全部 {len(EXAM)} 题都已作答。")
        check_fits_phone(page, "the summary")
        page.get_by_role("button", name="确认交卷").tap()

        expect(page).to_have_url(RESULT_URL)
        expect(page.locator(".quota-numbers")).to_have_text(
            re.compile(rf"^100(\.0)? 分（{len(EXAM)} / {len(EXAM)}）$")
        )
        expect(page.locator("p.flash-success")).to_have_text("及格，已记入学习档案。")
        # Two attempts are left: the answers would be copied into them.
        expect(page.locator("section.review")).to_have_count(0)
        expect(page.locator(".review-note")).to_have_text(ANSWERS_LATER)
        check_fits_phone(page, "the result")
        _screenshot(page, backend, "result")

        navigation = page.get_by_role("navigation", name="底部导航")
        navigation.get_by_role("link", name="学习", exact=True).tap()
        expect(page).to_have_url(re.compile(r"/archive/$"))
        quiz_rows = page.locator("table.ledger tr.kind-quiz", has_text=EXAM_TITLE)
        expect(quiz_rows).to_have_count(1)
        expect(quiz_rows.locator(".quiz-result")).to_have_text(
            re.compile(rf"^100 分（{len(EXAM)} / {len(EXAM)}）\s*及格\s*第 1 次$")
        )
        expect(quiz_rows).to_contain_text("线上·测验")


def test_time_up_finishes_the_attempt_with_saved_answers(
    page: Page, server: Server, backend: str
) -> None:
    with server.log_on_failure():
        log_in(page, server)
        attempt_id = _start_exam(page)
        question_text, answer = EXAM[0]
        _tap_and_wait_for_save(page, _option(page.locator("fieldset#q1"), answer[0]))

        # Ten minutes pass: the deadline (plus the server's grace) is now behind us.
        engine = create_engine(server.database_url)
        try:
            with engine.begin() as connection:
                moved = connection.execute(
                    update(Attempt.__table__)
                    .where(Attempt.id == attempt_id, Attempt.state == "open")
                    .values(deadline_at=utcnow() - timedelta(minutes=1))
                )
                assert moved.rowcount == 1
        finally:
            engine.dispose()

        page.reload()
        expect(page).to_have_url(RESULT_URL)
        expect(page.locator("p.flash[role=status]")).to_have_text(
            "答题时间已到，系统已按您保存的答案交卷。"
        )
        expect(page.locator(".quota-numbers")).to_have_text(f"12.5 分（1 / {len(EXAM)}）")
        expect(page.locator("p.flash-warning")).to_have_text(
            "未及格（及格线 60 分），成绩已记入学习档案。"
        )
        expect(page.locator("section.review")).to_have_count(0)
        expect(page.locator(".review-note")).to_have_text(ANSWERS_LATER)
        check_fits_phone(page, "the timed-out result")
        _screenshot(page, backend, "time-up")

        # The archive: the passed attempt shown, the failed one folded behind it.
        page.goto("/archive/")
        row = page.locator("table.ledger tr.kind-quiz", has_text=EXAM_TITLE)
        expect(row).to_have_count(1)
        expect(row.locator(".quiz-result").first).to_contain_text("100 分")
        folded = row.locator("details.other-attempts")
        expect(folded.locator("li")).not_to_be_visible()
        folded.locator("summary").tap()
        failed = folded.locator("li")
        expect(failed).to_have_count(1)
        expect(failed).to_contain_text(
            re.compile(rf"12\.5 分（1 / {len(EXAM)}）\s*未及格\s*第 2 次")
        )
        check_fits_phone(page, "the archive with two attempts")
        _screenshot(page, backend, "archive-attempts")
        failed.get_by_role("link", name=re.compile("查看结果")).tap()
        expect(page).to_have_url(f"{server.url}/attempts/{attempt_id}/result")

        # The third and last attempt: now the answers come out, for every attempt.
        _start_exam(page)
        for position in range(1, len(EXAM)):
            expect(page.locator(".pager .meta")).to_have_text(f"{position}/{len(EXAM)}")
            page.get_by_role("button", name="下一题").tap()
        expect(page.locator(".pager .meta")).to_have_text(f"{len(EXAM)}/{len(EXAM)}")
        page.get_by_role("button", name="检查并交卷").tap()
        expect(page.locator("h1")).to_have_text("交卷前检查")
        page.get_by_role("button", name="确认交卷").tap()
        expect(page).to_have_url(RESULT_URL)
        expect(page.locator("section.review")).to_have_count(len(EXAM))
        expect(page.locator("section.review", has_text="正确答案：")).to_have_count(len(EXAM))
        page.goto(f"/attempts/{attempt_id}/result")
        expect(page.locator("section.review.right")).to_have_count(1)
        expect(page.locator("section.review.right")).to_contain_text(question_text)
        expect(page.locator("section.review", has_text="（未作答）")).to_have_count(len(EXAM) - 1)


def test_practice_quiz_gives_feedback_per_question(
    page: Page, server: Server, backend: str
) -> None:
    with server.log_on_failure():
        log_in(page, server)
        page.goto("/quizzes/")
        page.locator("a.course-link", has_text=PRACTICE_TITLE).tap()
        expect(page.locator("h1")).to_have_text(PRACTICE_TITLE)
        page.get_by_role("button", name="开始练习", exact=True).tap()
        expect(page).to_have_url(ATTEMPT_URL)

        # The five questions are drawn at random: answer the first whatever its type is.
        question = page.locator("fieldset#q1")
        expect(question).to_be_visible()
        options = question.locator("label.option")
        boxes = question.locator(".text-answer")
        selects = question.locator("select")
        if options.count():
            options.first.tap()
            inputs = question.locator("label.option input")
        elif boxes.count():
            boxes.first.tap()
            boxes.first.fill("党章")
            inputs = boxes
        else:
            assert selects.count(), question.inner_html()
            for select in selects.all():
                select.select_option(index=1)
            inputs = selects
        check_fits_phone(page, "a practice question")
        question.get_by_role("button", name="核对本题").tap()

        question = page.locator("fieldset#q1")
        verdict = question.locator(".check-result")
        expect(verdict).to_contain_text(re.compile("回答正确|部分正确|回答错误"))
        expect(verdict).to_contain_text("正确答案：")
        expect(question.get_by_role("button", name="核对本题")).to_have_count(0)
        # The answer is locked once checked: no retrying until it is right.
        assert inputs.count()
        for field in inputs.all():
            expect(field).not_to_be_editable()
        if options.count():
            expect(question.locator("label.option input:checked")).to_have_count(1)
        check_fits_phone(page, "a checked practice question")
        _screenshot(page, backend, "practice")
