"""Instructors: the question bank, imports with preview, the quiz builder and essay grading.

The bank is shared by every instructor. A quiz is edited by its course's instructors (or, when
it belongs to no course, by whoever created it) and admins; other instructors read it.
"""

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
from sqlalchemy.orm import joinedload, selectinload

from school import uploads
from school.auth.models import User
from school.clock import local_zone, to_local
from school.courses.models import Course
from school.db import db
from school.forms import options
from school.quizzes import attempts as svc
from school.quizzes import bank, building, changes, picker, statistics
from school.quizzes.formats import excel, gift
from school.quizzes.formats.parsed import FormatError
from school.quizzes.forms import (
    FixedSlotForm,
    GradeForm,
    ImportForm,
    MarkForm,
    MoveForm,
    OrderForm,
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
from school.quizzes.permissions import can_edit_quiz, can_grade
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
    used_in = []
    if question is not None:
        # The bank is shared: an edit reaches every quiz that shows the question.
        used_in = db.session.scalars(
            select(Quiz)
            .where(Quiz.slots.any(QuizSlot.question_id == question.id))
            .order_by(Quiz.id)
        ).all()
    return render_template(
        "quizzes/manage/question.html", form=form, question=question, used_in=used_in
    )


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


def _placements(quiz: Quiz | None) -> list[tuple[str, str]]:
    # Only courses the instructor may edit: a quiz attached to a course is that course's.
    query = select(Course).options(selectinload(Course.modules))
    if not current_user.is_admin:
        mine = Course.instructors.any(User.id == current_user.id)
        # The quiz's own course too, so a reader sees where it is (a write is refused anyway).
        query = query.where(mine | (Course.id == quiz.course_id) if quiz else mine)
    choices = [("", "不属于课程（专项答题）")]
    for course in db.session.scalars(query.order_by(Course.position, Course.id)):
        choices.append((f"c:{course.id}", f"《{course.title}》课程测验"))
        choices += [(f"m:{m.id}", f"《{course.title}》· {m.title}") for m in course.modules]
    return choices


def _quiz_form(quiz: Quiz | None) -> QuizForm:
    data = None
    if quiz is None and request.method == "GET":
        # A course's page offers "new quiz for this course" with its placement filled in.
        data = {"placement": request.args.get("placement", "")}
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
    form.placement.choices = options(_placements(quiz))
    return form


@bp.errorhandler(building.ChangeRefused)
def _change_refused(refused: building.ChangeRefused):
    # The service refused before writing; the rollback only drops what the view loaded.
    db.session.rollback()
    flash(str(refused), "warning")
    quiz_id = request.view_args["quiz_id"]
    if request.endpoint == "quiz_manage.quiz_edit":
        return redirect(url_for("quiz_manage.quiz_edit", quiz_id=quiz_id))
    return redirect(url_for("quiz_manage.quiz_build", quiz_id=quiz_id))


def _review_state(quiz: Quiz) -> dict:
    """What the quiz pages say about review: members take it as approved (live, with its draft
    copy if one exists), it is a draft copy, or it waits to be published with the course."""
    live = changes.is_live(quiz)
    return {
        "live": live,
        "draft_copy": changes.copy_of(quiz) if live else None,
        "original": db.session.get(Quiz, quiz.draft_of_id) if quiz.draft_of_id else None,
    }


@bp.post("/quizzes/<int:quiz_id>/draft-copy")
def quiz_draft_copy(quiz_id: int):
    quiz = _editable(quiz_id)
    if not changes.is_live(quiz):
        flash("这个测验可以直接修改，不需要修改稿。", "info")
        return _back_to_builder(quiz)
    copy = changes.make_copy(quiz, current_user)
    db.session.commit()
    flash("修改稿已建好：在这里修改，改好后到课程的教员页送审。", "success")
    return _back_to_builder(copy)


def _editable(quiz_id: int, *, lock: bool = True) -> Quiz:
    """The quiz for a change (locked unless told): 404 if missing, 403 unless the user may edit
    it."""
    quiz = building.lock_quiz(quiz_id) if lock else db.session.get(Quiz, quiz_id)
    if quiz is None:
        abort(404)
    if not can_edit_quiz(current_user, quiz):
        abort(403)
    return quiz


@bp.get("/quizzes/")
def quiz_list():
    mine = request.args.get("mine") == "1"
    editable = set(db.session.scalars(select(Quiz.id).where(building.editable_by(current_user))))
    query = select(Quiz).options(selectinload(Quiz.slots), joinedload(Quiz.course))
    if mine:
        query = query.where(Quiz.id.in_(editable))
    quizzes = db.session.scalars(query.order_by(Quiz.id.desc())).all()
    return render_template(
        "quizzes/manage/quizzes.html", quizzes=quizzes, editable=editable, mine=mine
    )


def _review_warnings(form: QuizForm) -> list[str]:
    return building.review_warnings(
        form.kind.data, form.review.data, form.attempts_allowed.data, form.close_at.data
    )


@bp.route("/quizzes/new", methods=["GET", "POST"])
def quiz_new():
    form = _quiz_form(None)
    if form.validate_on_submit() and not _dates_wrong(form):
        quiz = Quiz(created_by_id=current_user.id)
        db.session.add(quiz)
        building.apply_quiz_settings(quiz, form.data, local_zone())
        db.session.commit()
        _flash_awaiting(quiz)
        flash("测验已创建，请添加题目。", "success")
        return redirect(url_for("quiz_manage.quiz_build", quiz_id=quiz.id))
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
    can_edit = can_edit_quiz(current_user, quiz)
    if request.method == "POST" and not can_edit:
        abort(403)
    form = _quiz_form(quiz)
    if form.validate_on_submit() and not _dates_wrong(form):
        problem = _publish_problem(quiz) if form.status.data == "published" else None
        if problem:
            form.status.errors.append(problem)
        else:
            building.apply_quiz_settings(quiz, form.data, local_zone())
            db.session.commit()
            _flash_awaiting(quiz)
            flash("测验设置已保存。", "success")
            return redirect(url_for("quiz_manage.quiz_edit", quiz_id=quiz.id))
    state = _review_state(quiz)
    return render_template(
        "quizzes/manage/quiz_form.html",
        form=form,
        quiz=quiz,
        can_edit=can_edit and not state["live"],
        may_copy=can_edit,
        review_state=state,
        warnings=_review_warnings(form),
    )


def _flash_awaiting(quiz: Quiz) -> None:
    if quiz.awaiting_review:
        flash("课程已发布：这个测验将随课程送审，审核通过后学员才能看到。", "info")


def _publish_problem(quiz: Quiz) -> str | None:
    """Why the quiz cannot be published now, if it cannot."""
    if not quiz.slots:
        return "测验还没有题目，不能发布。"
    if quiz.status == "published":
        return None  # already out: its settings stay editable whatever its slots
    short = building.builder(quiz).short
    if short:
        return f"有 {len(short)} 处随机抽题的题目不够，学员无法开始答题，请先在“题目”页调整。"
    return None


def _random_form() -> RandomSlotForm:
    form = RandomSlotForm()
    form.category.choices = options([(0, "不限分类")] + [(c.id, c.path) for c in _categories()])
    tags = db.session.scalars(select(Tag).order_by(Tag.name))
    form.tag.choices = options([(0, "不限考点")] + [(t.id, t.name) for t in tags])
    return form


def _builder_page(quiz: Quiz, random_form: RandomSlotForm | None = None, check: int | None = None):
    state = _review_state(quiz)
    may_copy = can_edit_quiz(current_user, quiz)
    can_edit = may_copy and not state["live"]
    return render_template(
        "quizzes/manage/builder.html",
        quiz=quiz,
        can_edit=can_edit,
        may_copy=may_copy,
        review_state=state,
        built=building.builder(quiz),
        types=QUESTION_TYPES,
        random_form=(random_form or _random_form()) if can_edit else None,
        check=check,
    )


@bp.get("/quizzes/<int:quiz_id>/questions")
def quiz_build(quiz_id: int):
    return _builder_page(db.get_or_404(Quiz, quiz_id))


def _picker_filters(categories: list[Category], tags: list[Tag]) -> picker.Filters:
    args = request.args
    category_id, tag_id = args.get("category", 0, type=int), args.get("tag", 0, type=int)
    qtype, use = args.get("type", ""), args.get("use", "")
    return picker.Filters(
        category=next((c for c in categories if c.id == category_id), None),
        # A search from the page sends "sub" only when ticked; a plain visit includes them.
        include_subcategories=args.get("sub") == "1" or "q" not in args,
        tag=next((t for t in tags if t.id == tag_id), None),
        qtype=qtype if qtype in QUESTION_TYPES else "",
        text=args.get("q", "").strip()[:100],
        use=use if use in picker.USES else "",
        page=max(1, args.get("page", 1, type=int)),
    )


@bp.get("/quizzes/<int:quiz_id>/picker")
def quiz_picker(quiz_id: int):
    quiz = _editable(quiz_id, lock=False)
    building.changeable(quiz)
    categories = _categories()
    tags = list(db.session.scalars(select(Tag).order_by(Tag.name)))
    filters = _picker_filters(categories, tags)
    return render_template(
        "quizzes/manage/picker.html",
        quiz=quiz,
        can_edit=True,
        filters=filters,
        found=picker.search(quiz, filters),
        categories=categories,
        tags=tags,
        types=QUESTION_TYPES,
        uses=picker.USES,
        form=FixedSlotForm(),
        args={key: value for key, value in request.args.items() if key != "page"},
    )


# The builder's forms post from small inline controls: one plain message for what was wrong
# (WTForms words a number that does not parse in English).
_PROBLEMS = {
    "mark": "分值须为 0 到 100 之间的数字；留空即用题目的默认分值。",
    "draw_count": "抽题数量须为 1 到 200 之间的整数。",
    "category": "请选择分类或考点。",
    "tag": "请选择分类或考点。",
}


def _first_problem(form) -> str:
    return next(
        (_PROBLEMS[name] for name in form.errors if name in _PROBLEMS),
        "页面已过期，请刷新后重试。",
    )


def _back_to_builder(quiz: Quiz):
    return redirect(url_for("quiz_manage.quiz_build", quiz_id=quiz.id))


@bp.post("/quizzes/<int:quiz_id>/slots/fixed")
def slot_fixed(quiz_id: int):
    quiz = _editable(quiz_id)
    form = FixedSlotForm()
    ids = [
        int(part)
        for value in request.form.getlist("question_ids")
        for part in value.replace("，", ",").split(",")
        if part.strip().isdigit()
    ][:500]
    questions = db.session.scalars(
        select(Question).where(Question.id.in_(ids), Question.retired.is_(False))
    ).all()
    if not form.validate_on_submit() or not questions:
        flash(_first_problem(form) if form.errors else "请勾选要添加的题目。", "warning")
        return redirect(url_for("quiz_manage.quiz_picker", quiz_id=quiz.id))
    # In the order ticked (a question ticked twice counts where it was first).
    order = {qid: n for n, qid in enumerate(dict.fromkeys(ids))}
    added = building.add_fixed(quiz, sorted(questions, key=lambda q: order[q.id]), form.mark.data)
    db.session.commit()
    skipped = len(questions) - added
    note = f"，{skipped} 题已在本测验中，未重复添加" if skipped else ""
    flash(f"已添加 {added} 题{note}。", "success" if added else "info")
    return _back_to_builder(quiz)


@bp.post("/quizzes/<int:quiz_id>/slots/random")
def slot_random(quiz_id: int):
    quiz = _editable(quiz_id)
    form = _random_form()
    if not form.validate_on_submit():
        flash(_first_problem(form), "warning")
        return redirect(url_for("quiz_manage.quiz_build", quiz_id=quiz.id, _anchor="random"))
    rule = building.RandomRule(
        category=db.session.get(Category, form.category.data),
        tag=db.session.get(Tag, form.tag.data),
        include_subcategories=form.include_subcategories.data,
        count=form.draw_count.data,
    )
    if rule.category is None and rule.tag is None:
        form.category.errors.append("请选择分类或考点（也可以两个都选）。")
        return _builder_page(quiz, form)
    if "check" in request.form:
        return _builder_page(quiz, form, check=building.available(quiz, rule))
    try:
        building.add_random(
            quiz,
            rule.category,
            rule.count,
            rule.include_subcategories,
            form.mark.data,
            tag=rule.tag,
        )
    except building.NotEnoughToDraw as short:
        form.draw_count.errors.append(f"现在只能抽到 {short.available} 题，请减少数量或换个范围。")
        return _builder_page(quiz, form, check=short.available)
    db.session.commit()
    flash("已添加随机抽题。", "success")
    return _back_to_builder(quiz)


def _slot(quiz: Quiz, slot_id: int) -> QuizSlot:
    slot = db.session.get(QuizSlot, slot_id)
    if slot is None or slot.quiz_id != quiz.id:
        abort(404)
    return slot


@bp.post("/quizzes/<int:quiz_id>/slots/<int:slot_id>/delete")
def slot_delete(quiz_id: int, slot_id: int):
    quiz = _editable(quiz_id)
    slot = _slot(quiz, slot_id)
    building.remove_slot(quiz, slot)
    db.session.commit()
    flash("已移除。已经开始的答题不受影响。", "info")
    return _back_to_builder(quiz)


@bp.post("/quizzes/<int:quiz_id>/slots/<int:slot_id>/move")
def slot_move(quiz_id: int, slot_id: int):
    quiz = _editable(quiz_id)
    slot = _slot(quiz, slot_id)
    form = MoveForm()
    if form.validate_on_submit():
        building.move_slot(quiz, slot, form.step.data)
        db.session.commit()
    return redirect(url_for("quiz_manage.quiz_build", quiz_id=quiz.id, _anchor=f"slot-{slot.id}"))


@bp.post("/quizzes/<int:quiz_id>/slots/order")
def slot_order(quiz_id: int):
    quiz = _editable(quiz_id)
    form = OrderForm()
    ids = [int(i) for i in (form.order.data or "").split(",") if i.strip().isdigit()]
    try:
        if not form.validate_on_submit():
            raise building.WrongOrder()
        building.reorder(quiz, ids)
    except building.WrongOrder:
        # Another tab added or removed a slot since this page was drawn.
        flash("题目已被修改过，顺序没有保存，请在刷新后的页面上再调整。", "warning")
        return _back_to_builder(quiz)
    db.session.commit()
    flash("题目顺序已保存。", "success")
    return _back_to_builder(quiz)


@bp.post("/quizzes/<int:quiz_id>/slots/<int:slot_id>/mark")
def slot_mark(quiz_id: int, slot_id: int):
    quiz = _editable(quiz_id)
    slot = _slot(quiz, slot_id)
    form = MarkForm()
    if not form.validate_on_submit():
        flash(_first_problem(form), "warning")
    else:
        building.set_mark(slot, form.mark.data)
        db.session.commit()
        flash("分值已保存。", "success")
    return redirect(url_for("quiz_manage.quiz_build", quiz_id=quiz.id, _anchor=f"slot-{slot.id}"))


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
    mine = request.args.get("mine") == "1"
    items = building.pending_essays(current_user if mine else None)
    gradable = set(db.session.scalars(select(Quiz.id).where(building.editable_by(current_user))))
    return render_template("quizzes/manage/grading.html", items=items, mine=mine, gradable=gradable)


@bp.route("/grading/<int:answer_id>", methods=["GET", "POST"])
def grade(answer_id: int):
    aq = db.session.get(AttemptQuestion, answer_id)
    if aq is None or aq.version.qtype != "essay" or aq.attempt.is_open:
        abort(404)
    may_grade = can_grade(current_user, aq.attempt.quiz)
    if request.method == "POST" and not may_grade:
        abort(403)
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
    return render_template("quizzes/manage/grade.html", aq=aq, form=form, may_grade=may_grade)
