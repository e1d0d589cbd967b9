"""Instructors: import with preview, the question editor, assembling a quiz, grading essays."""

import io
import json
import re
from decimal import Decimal

from sqlalchemy import func, select

from school.db import db
from school.quizzes.formats import excel
from school.quizzes.models import Attempt, Question, Quiz
from tests.conftest import login, post
from tests.quizzes.fixtures import MOODLE_GIFT_DIR, gift_file, moodle_gift_file

CHINESE_GIFT = """$CATEGORY: 党章党规

::义务::党员必须履行的义务有几项？{=八项 ~六项 ~十项}

::学时::普通党员每年至少学习多少学时？{#32}
"""


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(model.id)))


def _upload(client, name: str, data: bytes, **fields):
    return post(
        client,
        "/manage/bank/import",
        {"file": (io.BytesIO(data), name), "category": fields.get("category", "题库"), "fmt": ""},
        content_type="multipart/form-data",
    )


def test_web_import_previews_then_imports_on_confirmation(app, client, world):
    login(client, "instructor")
    preview = _upload(client, "chapter.gift", CHINESE_GIFT.encode())
    page = preview.get_data(as_text=True)
    assert "共 2 题，检查通过" in page and "党员必须履行的义务有几项？" in page
    assert _count(app, Question) == 0  # nothing saved before confirmation
    token = page.split('name="token" value="')[1].split('"')[0]
    done = post(
        client,
        "/manage/bank/import/confirm",
        {"token": token, "filename": "chapter.gift", "fmt": "", "category": "题库"},
    )
    assert done.status_code == 302
    assert _count(app, Question) == 2
    # The same token cannot import twice.
    post(
        client,
        "/manage/bank/import/confirm",
        {"token": token, "filename": "chapter.gift", "fmt": "", "category": "题库"},
    )
    assert _count(app, Question) == 2


def test_the_import_preview_reads_true_false_in_chinese(app, client, world):
    login(client, "instructor")
    gift = "::外出::流动党员外出前应向党支部报告。{T}\n\n::党费::流动党员可以不交党费。{F}\n"
    page = _upload(client, "tf.gift", gift.encode()).get_data(as_text=True)
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    answers = re.findall(r'<ul class="preview-answers">(.*?)</ul>', main, re.S)
    assert [re.findall(r"<li>\s*(\S+?)\s*<span", a) for a in answers] == [["正确", "错误"]] * 2
    assert '<span class="badge">判断题</span>' in main
    assert not re.search(r"\b(true|false)\b", main)


def test_another_instructors_preview_token_imports_nothing(app, client, world):
    from school.auth import services as accounts

    login(client, "instructor")
    page = _upload(client, "chapter.gift", CHINESE_GIFT.encode()).get_data(as_text=True)
    token = page.split('name="token" value="')[1].split('"')[0]
    with app.app_context():
        accounts.set_role(
            None,
            accounts.create_user("teacher2", "二号教员", password="correct-horse-9")[0],
            "instructor",
        )
        db.session.commit()
    other = app.test_client()
    login(other, "teacher2")
    post(
        other,
        "/manage/bank/import/confirm",
        {"token": token, "filename": "chapter.gift", "fmt": "", "category": "题库"},
    )
    assert _count(app, Question) == 0


def test_bad_files_list_every_problem_and_import_nothing(app, client, world):
    login(client, "instructor")
    page = _upload(client, "bad.gift", b"::a::\xe5\x85\x9a {=x ~y\n\n::b:: q {#abc}\n").get_data(
        as_text=True
    )
    assert "没有导入任何题目" in page and "第 1 行" in page and "第 3 行" in page
    windows = gift_file("windows-1252.gift.txt").read_bytes()
    assert "UTF-8" in _upload(client, "w.gift", windows).get_data(as_text=True)
    assert "无法识别文件格式" in _upload(client, "x.pdf", b"%PDF-1").get_data(as_text=True)
    assert _count(app, Question) == 0


def test_excel_template_downloads_and_imports(app, client, world):
    login(client, "instructor")
    template = client.get("/manage/bank/template.xlsx")
    assert template.status_code == 200 and template.data[:2] == b"PK"
    page = _upload(client, "bank.xlsx", template.data).get_data(as_text=True)
    assert f"共 {len(excel.parse(template.data))} 题，检查通过" in page


def test_cli_import_dry_run_json_and_errors(app, world, tmp_path):
    runner = app.test_cli_runner()
    good = tmp_path / "q.gift"
    good.write_text(CHINESE_GIFT, encoding="utf-8")
    result = runner.invoke(args=["quiz", "import", str(good), "--dry-run", "--json"])
    assert result.exit_code == 0, result.output
    parsed = json.loads(result.output)
    assert [q["type"] for q in parsed] == ["single", "numerical"]
    assert parsed[0]["answers"][0] == {"text": "八项", "fraction": "1", "feedback": ""}
    assert _count(app, Question) == 0
    result = runner.invoke(args=["quiz", "import", str(good), "--category", "题库"])
    assert result.exit_code == 0 and "已导入 2 题" in result.output
    assert "题库/党章党规" in result.output
    bad = tmp_path / "bad.gift"
    bad.write_text("::x:: 题 {=对\n", encoding="utf-8")
    result = runner.invoke(args=["quiz", "import", str(bad)])
    assert result.exit_code == 1 and "第 1 行" in result.output
    assert _count(app, Question) == 2


def test_project_gift_files_import_through_the_cli(app, world):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["quiz", "import", str(gift_file("every_type.gift.txt"))])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["quiz", "import", str(gift_file("in_category.gift.txt"))])
    assert result.exit_code == 0, result.output
    assert "党章学习、党章学习/组织制度" in result.output
    assert _count(app, Question) == 18


# Moodle's own files: defined only when MOODLE_GIFT_DIR names their folder (CI sets it).
if MOODLE_GIFT_DIR:

    def test_moodle_fixtures_import_through_the_cli(app, world):
        runner = app.test_cli_runner()
        for name in ("questions.gift.txt", "questions_in_category.gift.txt"):
            result = runner.invoke(args=["quiz", "import", str(moodle_gift_file(name))])
            assert result.exit_code == 0, result.output
        assert _count(app, Question) == 13


def test_gift_export_reimports_to_the_same_questions(app, world, tmp_path):
    runner = app.test_cli_runner()
    source = tmp_path / "q.gift"
    source.write_text(CHINESE_GIFT, encoding="utf-8")
    runner.invoke(args=["quiz", "import", str(source)])
    out = tmp_path / "out.gift"
    assert runner.invoke(args=["quiz", "export", "党章党规", str(out)]).exit_code == 0
    first = json.loads(
        runner.invoke(args=["quiz", "import", str(source), "--dry-run", "--json"]).output
    )
    again = json.loads(
        runner.invoke(args=["quiz", "import", str(out), "--dry-run", "--json"]).output
    )
    strip = lambda qs: [{k: v for k, v in q.items() if k != "line"} for q in qs]  # noqa: E731
    assert strip(again) == strip(first)


def test_instructor_writes_a_question_assembles_and_publishes_a_quiz(app, client, world):
    login(client, "instructor")
    answers = {f"answers-{i}-text": "" for i in range(8)}
    answers.update(
        {
            "answers-0-text": "支部党员大会",
            "answers-0-percent": "100",
            "answers-1-text": "茶话会",
            "answers-1-percent": "0",
        }
    )
    response = post(
        client,
        "/manage/bank/new",
        {
            "qtype": "single",
            "category": "自编",
            "text": "三会一课中的“三会”包括？",
            "default_mark": "2",
            "truefalse": "true",
            "tags": "三会一课，组织生活",
            **answers,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        question = db.session.scalars(select(Question)).one()
        assert [t.name for t in question.tags] == ["三会一课", "组织生活"]
        question_id = question.id
    response = post(
        client,
        "/manage/quizzes/new",
        {
            "title": "组织生活小测",
            "placement": "",
            "kind": "exam",
            "status": "draft",
            "attempts_allowed": "0",
            "pass_percent": "60",
            "review": "immediate",
            "one_per_page": "y",
            "required": "y",
        },
    )
    quiz_id = int(response.headers["Location"].split("/")[-2])
    post(client, f"/manage/quizzes/{quiz_id}/slots/fixed", {"question_ids": f"{question_id}"})
    response = post(
        client,
        f"/manage/quizzes/{quiz_id}/edit",
        {
            "title": "组织生活小测",
            "placement": "",
            "kind": "exam",
            "status": "published",
            "attempts_allowed": "0",
            "pass_percent": "60",
            "review": "immediate",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        quiz = db.session.get(Quiz, quiz_id)
        assert quiz.status == "published" and len(quiz.slots) == 1


def test_a_quiz_without_questions_cannot_be_published(app, client, world):
    login(client, "instructor")
    fields = {
        "title": "空测验",
        "placement": "",
        "kind": "exam",
        "status": "draft",
        "attempts_allowed": "0",
        "pass_percent": "60",
        "review": "immediate",
    }
    quiz_id = int(post(client, "/manage/quizzes/new", fields).headers["Location"].split("/")[-2])
    page = post(client, f"/manage/quizzes/{quiz_id}/edit", {**fields, "status": "published"})
    assert "不能发布" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Quiz, quiz_id).status == "draft"


def test_essay_grading_queue_settles_the_attempt(app, client, world):
    from school.auth.models import User
    from school.quizzes import attempts as svc
    from tests.quizzes import factories as f

    with app.app_context():
        attempt = svc.start_attempt(db.session.get(User, world.member), f.make_quiz([f.essay()]))
        svc.save_answers(attempt, {1: ["在外地也坚持参加组织生活。"]})
        svc.finish_attempt(attempt)
        db.session.commit()
        answer_id, attempt_id = attempt.questions[0].id, attempt.id
    login(client, "instructor")
    assert "在外地也坚持参加组织生活" in client.get(f"/manage/grading/{answer_id}").get_data(
        as_text=True
    )
    post(client, f"/manage/grading/{answer_id}", {"percent": "80", "comment": "很好"})
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.score == Decimal("0.8") and attempt.passed is True
    assert "没有待阅的答案" in client.get("/manage/grading/").get_data(as_text=True)
