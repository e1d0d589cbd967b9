"""The studio's pages: courses, units and lessons, versions, co-instructors."""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from school import markdown
from school.auth import sessions
from school.auth.models import User
from school.courses.models import LESSON_KINDS, Course, Lesson, Module, Theme
from school.courses.permissions import can_edit_course
from school.db import db, utcnow
from school.forms import options
from school.orgs.models import Organisation
from school.quizzes.models import Quiz
from school.studio import building, files, review, revisions
from school.studio.dashboard import dashboard_page, my_courses
from school.studio.forms import (
    CourseForm,
    InstructorForm,
    LessonForm,
    ModuleForm,
    NewCourseForm,
    NewLessonForm,
    SubmitForm,
)
from school.studio.models import ContentRevision, Review, ReviewerGrant
from school.studio.pages import load_course, step, studio_users_only, to_course
from school.studio.permissions import (
    can_create_course,
)
from school.studio.readable import readable
from school.studio.review_views import review_queue

bp = Blueprint("studio", __name__, url_prefix="/studio", template_folder="templates")

# The header links reviewers who teach nothing to the studio: the login check tells.
sessions.add_figure(
    "reviews_courses",
    select(ReviewerGrant.id).where(ReviewerGrant.user_id == User.id).exists(),
)


@bp.before_request
@login_required
def _studio_users_only():
    studio_users_only()


def _lesson(course: Course, lesson_id: int) -> Lesson:
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None or lesson.course_id != course.id:
        abort(404)
    return lesson


def _module(course: Course, module_id: int) -> Module:
    module = db.session.get(Module, module_id)
    if module is None or module.course_id != course.id:
        abort(404)
    return module


def _themes() -> list[tuple[int, str]]:
    return [(t.id, t.title) for t in db.session.scalars(select(Theme).order_by(Theme.position))]


# --- the dashboard and new courses -------------------------------------------------------------


@bp.get("/")
def index():
    today = utcnow().date()
    return render_template(
        "studio/index.html",
        courses=my_courses(current_user),
        reviews=review_queue(),
        tallies=dashboard_page.context(current_user, today),
    )


def _publishing_orgs() -> list[tuple[int, str]]:
    """Where a new course may be published from: the whole school (0) or an organisation."""
    orgs = db.session.scalars(
        select(Organisation)
        .where(Organisation.closed_at.is_(None))
        .order_by(Organisation.path)
        .limit(500)
    )
    return [(0, "全校（市级）"), *((o.id, o.name) for o in orgs if o.kind != "branch")]


@bp.route("/courses/new", methods=["GET", "POST"])
def course_new():
    if not can_create_course(current_user):
        abort(403)
    form = NewCourseForm()
    form.theme.choices = options(_themes())
    form.org.choices = options(_publishing_orgs())
    if form.validate_on_submit():
        theme = db.session.get(Theme, form.theme.data)
        org = db.session.get(Organisation, form.org.data) if form.org.data else None
        try:
            course = building.create_course(
                current_user,
                title=form.title.data,
                theme=theme,
                slug=form.slug.data or "",
                summary=form.summary.data or "",
                org=org,
            )
        except building.BuildError as exc:
            form.slug.errors.append(str(exc))
        else:
            db.session.commit()
            flash("课程已创建。下一步：添加课时。", "success")
            return to_course(course)
    return render_template("studio/course_new.html", form=form)


# --- a course ----------------------------------------------------------------------------------


def _outline(
    course: Course,
) -> list[tuple[Module, str, list[tuple[Lesson, dict, ContentRevision]]]]:
    """Units in order with their titles and their lessons as the studio shows them (newest
    versions)."""
    newest = revisions.newest_per_part(course)
    working = revisions.working_per_lesson(course, newest)
    rows = []
    for lesson in course.lessons:
        data = {**working[lesson.id], "hours": Decimal(str(working[lesson.id]["hours"]))}
        rows.append((lesson, data, newest.get(lesson.id)))
    units = []
    for module, title in revisions.working_units(course, _data(newest.get(None))):
        mine = [row for row in rows if row[1]["module_id"] == module.id]
        units.append((module, title, sorted(mine, key=lambda r: (r[1]["position"], r[0].id))))
    return units


def _data(revision: ContentRevision | None) -> dict:
    # No version of the course's part yet: the rows are what the studio shows.
    return {} if revision is None else revision.data


@bp.get("/courses/<slug>")
def course(slug: str):
    course = load_course(slug, edit=False)
    return render_template(
        "studio/course.html",
        course=course,
        kinds=LESSON_KINDS,
        units=_outline(course),
        editable=can_edit_course(current_user, course),
        pending=review.pending_items(course),
        pending_quizzes=review.pending_quizzes(course),
        open_review=review.open_review(course),
        reviews=db.session.scalars(
            select(Review).where(Review.course_id == course.id).order_by(Review.id.desc())
        ).all(),
        quizzes=db.session.scalars(
            select(Quiz).where(Quiz.course_id == course.id).order_by(Quiz.id)
        ).all(),
        module_form=ModuleForm(prefix="module"),
        instructor_form=InstructorForm(prefix="instructor"),
        submit_form=SubmitForm(prefix="submit"),
    )


@bp.route("/courses/<slug>/edit", methods=["GET", "POST"])
def course_edit(slug: str):
    course = load_course(slug)
    form = CourseForm()
    form.theme.choices = options(_themes())
    newest = revisions.latest(course, None)
    if request.method == "GET":
        data = revisions.working_data(course, None)
        form.title.data = data["title"]
        form.summary.data = data["summary"]
        form.body_md.data = data["body_md"]
        form.theme.data = data["theme_id"]
        form.deadline.data = revisions._typed("deadline", data["deadline"])
        form.certificate.data = data.get("certificate", course.certificate)
        form.base.data = str(newest.number) if newest else ""
    conflict = None
    if form.validate_on_submit():
        changes = {
            "title": form.title.data.strip(),
            "summary": (form.summary.data or "").strip(),
            "body_md": form.body_md.data or "",
            "theme_id": form.theme.data,
            "deadline": form.deadline.data,
            "certificate": bool(form.certificate.data),
        }
        try:
            revisions.save(course, None, current_user, changes, base=_base(form.base.data))
        except revisions.EditConflict as exc:
            conflict = exc.latest
            form.base.data = str(exc.latest.number)
        else:
            db.session.commit()
            flash(_saved_message(course), "success")
            return to_course(course)
    return render_template("studio/course_edit.html", course=course, form=form, conflict=conflict)


def _base(text: str | None) -> int | None:
    """The version the editor started from; a page from before any version had none (0)."""
    return int(text) if text and text.isdigit() else 1


def _saved_message(course: Course) -> str:
    if course.status in ("published", "archived"):
        return "已保存为新版本。学员仍看到原来的内容，送审通过后才会更新。"
    return "已保存。"


_UNITS_WAIT = "已保存为新版本。学员仍看到原来的单元，送审通过后才会更新。"


@bp.post("/courses/<slug>/modules")
def module_add(slug: str):
    course = load_course(slug)
    form = ModuleForm(prefix="module")
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(errors[0], "error")
        return to_course(course, "#outline")
    return step(
        course,
        lambda: building.add_module(course, current_user, form.title.data),
        _unit_message(course, "单元已添加。", "单元已添加。送审通过、单元里有课时后学员才会看到。"),
        "#outline",
    )


def _unit_message(course: Course, draft: str, live: str = _UNITS_WAIT) -> str:
    return live if course.status in ("published", "archived") else draft


@bp.post("/courses/<slug>/modules/<int:module_id>/rename")
def module_rename(slug: str, module_id: int):
    course = load_course(slug)
    module = _module(course, module_id)
    title = request.form.get("title", "")
    return step(
        course,
        lambda: building.rename_module(course, module, current_user, title),
        _unit_message(course, ""),
        f"#module-{module.id}",
    )


@bp.post("/courses/<slug>/modules/<int:module_id>/move")
def module_move(slug: str, module_id: int):
    course = load_course(slug)
    module = _module(course, module_id)
    direction = -1 if request.form.get("step") == "up" else 1
    return step(
        course,
        lambda: building.move_module(course, module, current_user, direction),
        _unit_message(course, ""),
        f"#module-{module.id}",
    )


@bp.post("/courses/<slug>/modules/<int:module_id>/delete")
def module_delete(slug: str, module_id: int):
    course = load_course(slug)
    module = _module(course, module_id)
    return step(
        course,
        lambda: building.delete_module(course, module, current_user),
        "单元已删除。",
        "#outline",
    )


# --- lessons -----------------------------------------------------------------------------------


def _module_choices(course: Course) -> list[tuple[int, str]]:
    """The units a lesson can be in, as the studio shows them (newest titles and order)."""
    return [(module.id, title) for module, title in revisions.working_units(course)]


@bp.route("/courses/<slug>/lessons/new", methods=["GET", "POST"])
def lesson_new(slug: str):
    course = load_course(slug)
    form = NewLessonForm()
    form.module.choices = options(_module_choices(course))
    if request.method == "GET" and request.args.get("module", type=int):
        form.module.data = request.args.get("module", type=int)
    if form.validate_on_submit():
        lesson = building.new_lesson(
            course,
            _module(course, form.module.data),
            current_user,
            title=form.title.data,
            kind=form.kind.data,
            hours=form.hours.data,
        )
        db.session.commit()
        return redirect(url_for("studio.lesson_edit", slug=course.slug, lesson_id=lesson.id))
    return render_template("studio/lesson_new.html", course=course, form=form)


def _media_choices(course: Course, current: str | None) -> list[tuple[str, str]]:
    """The course's videos and PDFs a lesson can show, and the file it shows now."""
    choices = [("", "（无）")]
    for item in files.course_files(course):
        if item.kind in _MEDIA_KINDS.values():
            label = "视频" if item.kind == "video" else "PDF"
            choices.append((item.stored_name, f"{label}：{item.original_name}"))
    if current and current not in {name for name, _ in choices}:
        choices.append((current, "当前文件（从课程文件夹导入）"))
    return choices


# A video lesson shows a video file, a document lesson a PDF (course files of these kinds).
_MEDIA_KINDS = {"video": "video", "document": "document"}


@bp.route("/courses/<slug>/lessons/<int:lesson_id>/edit", methods=["GET", "POST"])
def lesson_edit(slug: str, lesson_id: int):
    course = load_course(slug)
    lesson = _lesson(course, lesson_id)
    form = LessonForm()
    form.module.choices = options(_module_choices(course))
    data = revisions.working_data(course, lesson)
    newest = revisions.latest(course, lesson)
    form.media.choices = options(_media_choices(course, data["media_name"]))
    if request.method == "GET":
        _fill_lesson_form(form, data, newest)
    conflict = None
    if form.validate_on_submit() and not _media_refused(course, form):
        try:
            revisions.save(
                course,
                lesson,
                current_user,
                _lesson_changes(course, lesson, form, data),
                base=_base(form.base.data),
                note=form.note.data or "",
            )
        except revisions.EditConflict as exc:
            conflict = exc.latest
            form.base.data = str(exc.latest.number)
        else:
            db.session.commit()
            flash(_saved_message(course), "success")
            return redirect(url_for("studio.lesson_edit", slug=course.slug, lesson_id=lesson.id))
    return render_template(
        "studio/lesson_edit.html",
        course=course,
        lesson=lesson,
        form=form,
        newest=newest,
        conflict=conflict,
        comparison=(
            revisions.compare(
                {"body_md": form.body_md.data or ""}, {"body_md": conflict.data["body_md"]}
            )
            if conflict
            else None
        ),
        upload_url=url_for("studio_files.upload", slug=course.slug),
        docx_url=url_for("studio_files.docx_import", slug=course.slug),
        files_url=url_for("studio_files.index", slug=course.slug),
    )


def _fill_lesson_form(form: LessonForm, data: dict, newest: ContentRevision | None) -> None:
    """The editor opens on the newest version, remembering which one it started from."""
    form.title.data = data["title"]
    form.kind.data = data["kind"]
    form.module.data = data["module_id"]
    form.hours.data = Decimal(str(data["hours"]))
    form.required.data = data["required"]
    form.min_minutes.data = (data["min_seconds"] or 0) // 60 or None
    form.media.data = data["media_name"] or ""
    form.body_md.data = data["body_md"]
    form.base.data = str(newest.number) if newest else ""


def _lesson_changes(course: Course, lesson: Lesson, form: LessonForm, data: dict) -> dict:
    """What the form sets; a lesson moved to another unit goes to that unit's end."""
    changes = {
        "title": form.title.data.strip(),
        "kind": form.kind.data,
        "hours": form.hours.data,
        "required": form.required.data,
        "min_seconds": form.min_minutes.data * 60 if form.min_minutes.data else None,
        "body_md": form.body_md.data or "",
    }
    media = form.media.data or None
    if media != data["media_name"]:
        changes["media_name"] = media
        changes["media_type"] = _media_type(course, media)
    if form.module.data != data["module_id"]:
        changes["module_id"] = form.module.data
        changes["position"] = building.place_in_module(
            course, lesson, _module(course, form.module.data)
        )
    return changes


def _media_refused(course: Course, form: LessonForm) -> bool:
    """A video lesson needs a video, a document lesson a PDF (from the course's files)."""
    wanted = _MEDIA_KINDS.get(form.kind.data)
    chosen = files.find_file(form.media.data) if form.media.data else None
    if wanted is None or (chosen is None and form.media.data):
        # A text lesson may keep a file; a file imported from content/ is not a course file.
        return False
    if chosen is None:
        form.media.errors.append(
            "视频课时请选择一个视频文件。" if wanted == "video" else "文档课时请选择一个 PDF 文件。"
        )
        return True
    if chosen.kind != wanted:
        form.media.errors.append("所选文件与课时类型不符：视频课时选视频，文档课时选 PDF。")
        return True
    return False


def _media_type(course: Course, stored_name: str | None) -> str | None:
    """The content type of a course file chosen as a lesson's video or document."""
    item = files.find_file(stored_name) if stored_name else None
    return item.content_type if item is not None and item.course_id == course.id else None


@bp.post("/courses/<slug>/lessons/<int:lesson_id>/move")
def lesson_move(slug: str, lesson_id: int):
    course = load_course(slug)
    lesson = _lesson(course, lesson_id)
    building.move_lesson(
        course, lesson, current_user, -1 if request.form.get("step") == "up" else 1
    )
    db.session.commit()
    return to_course(course, f"#lesson-{lesson.id}")


@bp.post("/courses/<slug>/lessons/<int:lesson_id>/offline")
def lesson_offline(slug: str, lesson_id: int):
    course = load_course(slug)
    lesson = _lesson(course, lesson_id)
    offline = request.form.get("offline") == "1"
    building.set_offline(course, lesson, current_user, offline)
    db.session.commit()
    flash(_saved_message(course), "success")
    return to_course(course, f"#lesson-{lesson.id}")


@bp.post("/preview")
def preview():
    """The Markdown rendered by the same sanitising pipeline as the published page."""
    text = request.form.get("body_md", "")
    return jsonify(html=str(markdown.render(text)))


# --- versions ----------------------------------------------------------------------------------


def _part(course: Course, lesson_id: int) -> Lesson | None:
    """A lesson, or the course's own text when ``lesson_id`` is 0."""
    return None if lesson_id == 0 else _lesson(course, lesson_id)


@bp.get("/courses/<slug>/versions/<int:lesson_id>")
def versions(slug: str, lesson_id: int):
    course = load_course(slug, edit=False)
    lesson = _part(course, lesson_id)
    history = revisions.history(course, lesson)
    numbers = [r.number for r in history]
    newer = request.args.get("b", type=int) or (numbers[0] if numbers else None)
    older = request.args.get("a", type=int) or (numbers[1] if len(numbers) > 1 else newer)
    a = revisions.version(course, lesson, older) if older else None
    b = revisions.version(course, lesson, newer) if newer else None
    return render_template(
        "studio/versions.html",
        course=course,
        lesson=lesson,
        lesson_id=lesson_id,
        history=history,
        a=a,
        b=b,
        comparison=readable(course)(revisions.compare(a.data, b.data)) if a and b else None,
        editable=can_edit_course(current_user, course),
    )


@bp.post("/courses/<slug>/versions/<int:lesson_id>/<int:number>/restore")
def version_restore(slug: str, lesson_id: int, number: int):
    course = load_course(slug)
    lesson = _part(course, lesson_id)
    try:
        revision = revisions.restore(course, lesson, current_user, number)
    except LookupError:
        abort(404)
    db.session.commit()
    flash(f"已将第 {number} 版恢复为第 {revision.number} 版。{_saved_message(course)}", "success")
    return redirect(url_for("studio.versions", slug=course.slug, lesson_id=lesson_id))


# --- co-instructors ----------------------------------------------------------------------------


@bp.post("/courses/<slug>/instructors")
def instructor_add(slug: str):
    course = load_course(slug)
    form = InstructorForm(prefix="instructor")
    if not form.validate_on_submit():
        return to_course(course, "#instructors")
    person = db.session.scalar(select(User).where(User.username == form.username.data.strip()))
    return step(
        course,
        lambda: building.add_instructor(course, person),
        f"已添加教员 {person.name}。" if person else "",
        "#instructors",
    )


@bp.post("/courses/<slug>/instructors/<int:user_id>/remove")
def instructor_remove(slug: str, user_id: int):
    course = load_course(slug)
    person = db.session.get(User, user_id)
    if person is None:
        abort(404)
    return step(
        course,
        lambda: building.remove_instructor(course, person),
        f"{person.name} 已不再是本课程的教员。",
        "#instructors",
    )
