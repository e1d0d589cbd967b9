from datetime import UTC, datetime
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    send_file,
    session,
    url_for,
)
from flask_login import current_user, login_required

from school.archive import services as archive
from school.clock import current_year, local_today
from school.courses import home, services
from school.courses.bodies import lesson_bodies
from school.courses.home import home_page
from school.courses.models import Course, Lesson
from school.courses.page import course_page
from school.courses.permissions import can_study, can_view_course
from school.db import db, utcnow
from school.formatting import format_hours

bp = Blueprint("courses", __name__, template_folder="templates")

# The member's browser keeps when each recent lesson was first opened (in the signed session
# cookie), so the minimum study time survives reloads without a database write on every view.
_OPENED_KEY = "lesson_opened"
_OPENED_KEEP = 20


def _load_course(slug: str) -> Course:
    course = services.get_course_page(slug)
    if course is None or not can_view_course(current_user, course):
        abort(404)
    return course


def _load_lesson(slug: str, lesson_slug: str) -> Lesson:
    lesson = services.find_lesson(slug, lesson_slug)
    if lesson is None or not can_view_course(current_user, lesson.course):
        abort(404)
    return lesson


def _opened_at(lesson: Lesson, *, start: bool) -> datetime | None:
    opened = dict(session.get(_OPENED_KEY, {}))
    key = str(lesson.id)
    if key not in opened and start:
        opened[key] = int(utcnow().timestamp())
        session[_OPENED_KEY] = dict(list(opened.items())[-_OPENED_KEEP:])
    return datetime.fromtimestamp(opened[key], UTC) if key in opened else None


@bp.get("/")
@login_required
def catalogue():
    themes = services.catalogue(current_user)
    courses = [course for _, group in themes for course in group]
    progress = services.progress(current_user, courses)
    today = local_today()
    return render_template(
        "courses/catalogue.html",
        themes=themes,
        progress=progress,
        summary=archive.year_summary(current_user, current_year()),
        resume=home.resume(current_user, courses, progress, today),
        campaigns=home.campaigns(courses, progress, today),
        today=today,
        **home_page.context(current_user, today),
    )


@bp.get("/courses/<slug>")
@login_required
def course(slug: str):
    course = _load_course(slug)
    # Retired lessons too: a member who studied only those has still started the course.
    outline = services.outline(current_user, course, retired=True)
    done = {les.id for les, studied in outline if studied}
    lessons = [les for les, _ in outline if not les.retired]
    next_lesson = next((les for les in lessons if les.id not in done), None)
    return render_template(
        "courses/course.html",
        course=course,
        modules=[(m, [les for les in lessons if les.module_id == m.id]) for m in course.modules],
        done=done,
        next_lesson=next_lesson,
        progress=services.progress(current_user, [course])[course.id],
        completion=services.course_completion(current_user, course),
        today=local_today(),
        **course_page.context(current_user, course),
    )


@bp.get("/courses/<slug>/<lesson_slug>")
@login_required
def lesson(slug: str, lesson_slug: str):
    lesson = _load_lesson(slug, lesson_slug)
    course = lesson.course
    outline = services.outline(current_user, course)
    lessons = [les for les, _ in outline]
    index = lessons.index(lesson)
    done = outline[index][1]
    wait = 0
    if can_study(current_user, course) and not done:
        opened = _opened_at(lesson, start=True)
        elapsed = (utcnow() - opened).total_seconds()
        wait = max(0, int(services.min_seconds(lesson) - elapsed + 0.999))
    return render_template(
        "courses/lesson.html",
        course=course,
        lesson=lesson,
        body=lesson_bodies.html(lesson.id, lesson.body_md),
        done=done,
        previous=lessons[index - 1] if index > 0 else None,
        following=lessons[index + 1] if index + 1 < len(lessons) else None,
        position=index + 1,
        count=len(lessons),
        wait=wait,
        studiable=can_study(current_user, course),
    )


@bp.post("/courses/<slug>/<lesson_slug>/complete")
@login_required
def complete(slug: str, lesson_slug: str):
    lesson = _load_lesson(slug, lesson_slug)  # CSRF is checked for every POST by CSRFProtect
    if not can_study(current_user, lesson.course):
        abort(404)
    here = url_for("courses.lesson", slug=slug, lesson_slug=lesson_slug)
    opened = _opened_at(lesson, start=False)
    if opened is None:
        flash("请先阅读本课内容，再标记为已学。", "warning")
        return redirect(here)
    try:
        result = services.complete_lesson(current_user, lesson, opened)
    except services.NotStudiable:
        abort(404)
    except services.StudyTimeTooShort as exc:
        flash(f"请再学习 {exc.remaining_seconds} 秒后再标记为已学。", "warning")
        return redirect(here)
    db.session.commit()
    if result.course_completed:
        flash(f"恭喜！您已完成课程《{lesson.course.title}》，已记入学习档案。", "success")
        return redirect(url_for("courses.course", slug=slug))
    if result.newly_done:
        flash(f"已记录：《{lesson.title}》，{format_hours(lesson.hours)} 学时。", "success")
    lessons = lesson.course.active_lessons
    index = lessons.index(lesson)
    if index + 1 < len(lessons):
        following = lessons[index + 1]
        return redirect(url_for("courses.lesson", slug=slug, lesson_slug=following.slug))
    return redirect(url_for("courses.course", slug=slug))


@bp.get("/media/lessons/<int:lesson_id>")
@login_required
def media(lesson_id: int):
    lesson = db.session.get(Lesson, lesson_id)
    if (
        lesson is None
        or lesson.retired
        or not lesson.media_name
        or not can_view_course(current_user, lesson.course)
    ):
        abort(404)
    path = Path(current_app.config["MEDIA_DIR"]) / lesson.media_name
    if not path.is_file():
        abort(404)
    # conditional=True answers Range requests (206), so phones can seek in a video.
    response = send_file(path, mimetype=lesson.media_type, conditional=True, max_age=0)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
