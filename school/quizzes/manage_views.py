"""Instructors: the question bank, imports with preview, quiz assembly and essay grading."""

from decimal import Decimal

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select

from school import uploads
from school.clock import local_zone, to_local
from school.courses.models import Course
from school.db import db
from school.forms import options
from school.quizzes import attempts as svc
from school.quizzes import bank, building, statistics
from school.quizzes.formats import excel, gift
from school.quizzes.formats.parsed import FormatError
from school.quizzes.forms import (
    FixedSlotForm,
    GradeForm,
    ImportForm,
    QuestionForm,
    QuizForm,
    RandomSlotForm,
)
from school.quizzes.imports import FORMAT_LABELS, parse_file
from school.quizzes.models import (
    AttemptQuestion,
    Category,
    Question,
    QuestionVersion,
    Quiz,
    QuizSlot,
    Tag,
)
from school.quizzes.types import QUESTION_TYPES
from school.spreadsheets import download

bp = Blueprint("quiz_manage", __name__, url_prefix="/manage", template_folder="templates")
PAGE_SIZE = 30
IMPORT_LIMIT = "QUIZ_IMPORT_MAX_MB"
# Question files wait under UPLOAD_DIR/imports between the preview and the confirmation.
STAGING = "imports"


@bp.before_request
@login_required
def _instructors_only():
    if not current_user.is_instructor:
        abort(403)


def _categories() -> list[Category]:
    return list(db.session.scalars(select(Category).order_by(Category.path)))


# --- the bank ----------------------------------------------------------------------------------


@bp.get("/bank/")
def bank_index():
    page = max(1, request.args.get("page", 1, type=int))
    category_id = request.args.get("category", type=int)
    search = request.args.get("q", "").strip()[:100]
    query = select(Question).where(Question.retired.is_(False))
    if category_id:
        query = query.where(Question.category_id == category_id)
    if search:
        pattern = f"%{search}%"
        query = query.where(
            or_(
                Question.versions.any(
                    or_(QuestionVersion.text.ilike(pattern), QuestionVersion.name.ilike(pattern))
                ),
                Question.tags.any(Tag.name.ilike(pattern)),
            )
        )
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    questions = db.session.scalars(
        query.order_by(Question.id.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    return render_template(
        "quizzes/manage/bank.html",
        questions=questions,
        categories=_categories(),
        counts=building.question_counts(),
        category_id=category_id,
        search=search,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        total=total,
        types=QUESTION_TYPES,
    )


def _question_form_page(form: QuestionForm, question: Question | None):
    return render_template("quizzes/manage/question.html", form=form, question=question)


def _save_question(form: QuestionForm, question: Question | None):
    parsed = building.form_to_parsed(form.data)
    try:
        if question is None:
            added = bank.add_questions([parsed], category=form.category.data, by=current_user)
            question = added.questions[0]
        else:
            question.category = bank.get_or_create_category(form.category.data)
            bank.edit_question(question, parsed, current_user)
    except FormatError as error:
        for problem in error.problems:
            form.text.errors.append(problem.message)
        return None
    db.session.commit()
    return question


@bp.route("/bank/new", methods=["GET", "POST"])
def question_new():
    form = QuestionForm(category=request.args.get("category", "默认"))
    if form.validate_on_submit() and (question := _save_question(form, None)):
        flash("题目已保存。", "success")
        return redirect(url_for("quiz_manage.bank_index", category=question.category_id))
    return _question_form_page(form, None)


@bp.route("/bank/<int:question_id>/edit", methods=["GET", "POST"])
def question_edit(question_id: int):
    question = db.get_or_404(Question, question_id)
    form = QuestionForm(
        data=None if request.method == "POST" else building.parsed_to_form(question)
    )
    if form.validate_on_submit() and _save_question(form, question):
        flash(f"已保存为第 {question.current.number} 版；已作答的记录仍按原题评分。", "success")
        return redirect(url_for("quiz_manage.bank_index", category=question.category_id))
    return _question_form_page(form, question)


@bp.post("/bank/<int:question_id>/retire")
def question_retire(question_id: int):
    question = db.get_or_404(Question, question_id)
    question.retired = True
    db.session.commit()
    flash("题目已停用：不再出现在题库和新的随机抽题中。", "info")
    return redirect(url_for("quiz_manage.bank_index", category=question.category_id))


@bp.route("/bank/import", methods=["GET", "POST"])
@uploads.accepts(IMPORT_LIMIT)
def bank_import():
    form = ImportForm()
    if not form.validate_on_submit():
        return _import_page(form)
    upload = form.file.data
    try:
        data = uploads.read_within(upload, IMPORT_LIMIT)
        questions = parse_file(upload.filename or "", data, form.fmt.data or None)
        problems = bank.check(questions)
        if problems:
            raise FormatError(problems)
    except uploads.UploadTooLarge as error:
        return _import_page(form, [str(error)])
    except FormatError as error:
        return _import_page(form, error.problems)
    token = uploads.stage(uploads.folder(STAGING), current_user.id, upload.filename or "", data)
    return render_template(
        "quizzes/manage/import_preview.html",
        questions=questions,
        token=token,
        filename=upload.filename,
        fmt=form.fmt.data,
        category=form.category.data,
        types=QUESTION_TYPES,
    )


def _import_page(form: ImportForm, problems=None):
    return render_template(
        "quizzes/manage/import.html",
        form=form,
        labels=FORMAT_LABELS,
        problems=problems,
        max_mb=uploads.limit_mb(IMPORT_LIMIT),
        max_bytes=uploads.limit_bytes(IMPORT_LIMIT),
        too_large=uploads.too_large_message(IMPORT_LIMIT),
    )


@bp.post("/bank/import/confirm")
def bank_import_confirm():
    token = request.form.get("token", "")
    stored = uploads.staged(uploads.folder(STAGING), current_user.id, token)
    if stored is None:
        flash("预览已过期，请重新上传文件。", "warning")
        return redirect(url_for("quiz_manage.bank_import"))
    filename, data = stored
    try:
        questions = parse_file(filename, data, request.form.get("fmt") or None)
        result = bank.add_questions(
            questions, category=request.form.get("category") or None, by=current_user
        )
    except FormatError as error:
        flash(f"导入失败：{error.problems[0]}", "warning")
        return redirect(url_for("quiz_manage.bank_import"))
    db.session.commit()
    uploads.unstage(uploads.folder(STAGING), current_user.id, token)
    flash(f"已导入 {len(result.questions)} 题到：{'、'.join(result.categories)}。", "success")
    return redirect(url_for("quiz_manage.bank_index"))


@bp.get("/bank/template.xlsx")
def bank_template():
    return download(excel.template(), "question-template.xlsx")


@bp.get("/bank/export")
def bank_export():
    category = db.session.get(Category, request.args.get("category", 0, type=int))
    if category is None:
        abort(404)
    questions = db.session.scalars(
        select(Question)
        .join(Category)
        .where(
            Question.retired.is_(False),
            (Category.id == category.id)
            | Category.path.startswith(category.path + "/", autoescape=True),
        )
        .order_by(Category.path, Question.id)
    ).all()
    parsed = [bank.to_parsed(q) for q in questions]
    if request.args.get("format") == "xlsx":
        return download(excel.dump(parsed), f"questions-{category.id}.xlsx")
    return download(
        gift.dump(parsed).encode(), f"questions-{category.id}.gift.txt", "text/plain; charset=utf-8"
    )


# --- quizzes -----------------------------------------------------------------------------------


def _placements() -> list[tuple[str, str]]:
    choices = [("", "不属于课程（专项答题）")]
    for course in db.session.scalars(select(Course).order_by(Course.position, Course.id)):
        choices.append((f"c:{course.id}", f"《{course.title}》课程测验"))
        choices += [(f"m:{m.id}", f"《{course.title}》· {m.title}") for m in course.modules]
    return choices


def _quiz_form(quiz: Quiz | None) -> QuizForm:
    data = None
    if quiz is not None and request.method == "GET":
        placement = (
            f"m:{quiz.module_id}"
            if quiz.module_id
            else (f"c:{quiz.course_id}" if quiz.course_id else "")
        )
        data = {
            "title": quiz.title,
            "description": quiz.description,
            "placement": placement,
            "kind": quiz.kind,
            "status": quiz.status,
            "required": quiz.required,
            "time_limit_minutes": (quiz.time_limit_seconds or 0) // 60 or None,
            "attempts_allowed": quiz.attempts_allowed,
            "pass_percent": quiz.pass_percent,
            "open_at": to_local(quiz.open_at).replace(tzinfo=None) if quiz.open_at else None,
            "close_at": to_local(quiz.close_at).replace(tzinfo=None) if quiz.close_at else None,
            "review": quiz.review,
            "one_per_page": quiz.one_per_page,
            "shuffle_options": quiz.shuffle_options,
        }
    form = QuizForm(data=data)
    form.placement.choices = options(_placements())
    return form


@bp.get("/quizzes/")
def quiz_list():
    quizzes = db.session.scalars(select(Quiz).order_by(Quiz.id.desc())).all()
    return render_template("quizzes/manage/quizzes.html", quizzes=quizzes)


def _review_warnings(form: QuizForm) -> list[str]:
    return building.review_warnings(
        form.kind.data, form.review.data, form.attempts_allowed.data, form.close_at.data
    )


@bp.route("/quizzes/new", methods=["GET", "POST"])
def quiz_new():
    form = _quiz_form(None)
    if form.validate_on_submit() and not _dates_wrong(form):
        quiz = Quiz()
        db.session.add(quiz)
        building.apply_quiz_settings(quiz, form.data, local_zone())
        db.session.commit()
        flash("测验已创建，请添加题目。", "success")
        return redirect(url_for("quiz_manage.quiz_edit", quiz_id=quiz.id))
    return render_template(
        "quizzes/manage/quiz_form.html", form=form, quiz=None, warnings=_review_warnings(form)
    )


def _dates_wrong(form: QuizForm) -> bool:
    if form.open_at.data and form.close_at.data and form.close_at.data <= form.open_at.data:
        form.close_at.errors.append("截止时间必须晚于开放时间。")
        return True
    return False


@bp.route("/quizzes/<int:quiz_id>/edit", methods=["GET", "POST"])
def quiz_edit(quiz_id: int):
    quiz = db.get_or_404(Quiz, quiz_id)
    form = _quiz_form(quiz)
    if form.validate_on_submit() and not _dates_wrong(form):
        if form.status.data == "published" and not quiz.slots:
            form.status.errors.append("测验还没有题目，不能发布。")
        else:
            building.apply_quiz_settings(quiz, form.data, local_zone())
            db.session.commit()
            flash("测验设置已保存。", "success")
            return redirect(url_for("quiz_manage.quiz_edit", quiz_id=quiz.id))
    random_form = RandomSlotForm()
    random_form.category.choices = options((c.id, c.path) for c in _categories())
    return render_template(
        "quizzes/manage/quiz_form.html",
        form=form,
        quiz=quiz,
        warnings=_review_warnings(form),
        fixed_form=FixedSlotForm(),
        random_form=random_form,
        counts=building.question_counts(),
        categories=_categories(),
        types=QUESTION_TYPES,
    )


@bp.post("/quizzes/<int:quiz_id>/slots/fixed")
def slot_fixed(quiz_id: int):
    quiz = db.get_or_404(Quiz, quiz_id)
    form = FixedSlotForm()
    ids = [
        int(i)
        for i in (form.question_ids.data or "").replace("，", ",").split(",")
        if i.strip().isdigit()
    ]
    questions = db.session.scalars(select(Question).where(Question.id.in_(ids))).all()
    if not form.validate_on_submit() or not questions:
        flash("请填写有效的题目编号（可在题库中查看）。", "warning")
    else:
        added = building.add_fixed(quiz, list(questions), form.mark.data)
        db.session.commit()
        flash(f"已添加 {added} 题。", "success")
    return redirect(url_for("quiz_manage.quiz_edit", quiz_id=quiz.id))


@bp.post("/quizzes/<int:quiz_id>/slots/random")
def slot_random(quiz_id: int):
    quiz = db.get_or_404(Quiz, quiz_id)
    form = RandomSlotForm()
    form.category.choices = options((c.id, c.path) for c in _categories())
    if not form.validate_on_submit():
        flash("请选择分类并填写抽题数量。", "warning")
    else:
        category = db.session.get(Category, form.category.data)
        available = building.question_counts().get(category.id, 0)
        if not form.include_subcategories.data and available < form.draw_count.data:
            flash(f"分类“{category.path}”只有 {available} 题，不够抽取。", "warning")
        else:
            building.add_random(
                quiz,
                category,
                form.draw_count.data,
                form.include_subcategories.data,
                form.mark.data,
            )
            db.session.commit()
            flash("已添加随机抽题。", "success")
    return redirect(url_for("quiz_manage.quiz_edit", quiz_id=quiz.id))


@bp.post("/quizzes/<int:quiz_id>/slots/<int:slot_id>/delete")
def slot_delete(quiz_id: int, slot_id: int):
    quiz = db.get_or_404(Quiz, quiz_id)
    slot = db.session.get(QuizSlot, slot_id)
    if slot is None or slot.quiz_id != quiz.id:
        abort(404)
    building.remove_slot(quiz, slot)
    db.session.commit()
    flash("已移除。已经开始的答题不受影响。", "info")
    return redirect(url_for("quiz_manage.quiz_edit", quiz_id=quiz.id))


@bp.get("/quizzes/<int:quiz_id>/stats")
def quiz_stats(quiz_id: int):
    quiz = db.get_or_404(Quiz, quiz_id)
    return render_template(
        "quizzes/manage/stats.html",
        quiz=quiz,
        stats=statistics.quiz_statistics(quiz),
        questions=statistics.question_statistics(quiz),
    )


# --- grading -----------------------------------------------------------------------------------


@bp.get("/grading/")
def grading():
    return render_template("quizzes/manage/grading.html", items=building.pending_essays())


@bp.route("/grading/<int:answer_id>", methods=["GET", "POST"])
def grade(answer_id: int):
    aq = db.session.get(AttemptQuestion, answer_id)
    if aq is None or aq.version.qtype != "essay" or aq.attempt.is_open:
        abort(404)
    form = GradeForm()
    if form.validate_on_submit():
        try:
            svc.grade_essay(
                aq, form.percent.data / Decimal(100), form.comment.data or "", current_user
            )
        except svc.AlreadyGraded:
            flash("这道题已经评过分了。", "info")
            return redirect(url_for("quiz_manage.grading"))
        db.session.commit()
        flash("评分已保存。", "success")
        return redirect(url_for("quiz_manage.grading"))
    return render_template("quizzes/manage/grade.html", aq=aq, form=form)
