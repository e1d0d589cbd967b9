from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_login import current_user, login_required

from school.archive import services as archive
from school.clock import current_year, local_today
from school.courses import activity, home, services
from school.courses.bodies import lesson_bodies
from school.courses.home import home_page
from school.courses.models import Course, Lesson
from school.courses.page import course_page
from school.courses.permissions import can_study, can_view_course
from school.db import db
from school.formatting import format_hours, size_text

bp = Blueprint("courses", __name__, template_folder="templates")

# The member's browser keeps which lessons it opened lately (in the signed session cookie), so
# marking a lesson never opened is refused without a database read.
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


def _mark_opened(lesson: Lesson) -> None:
    opened = list(session.get(_OPENED_KEY, []))
    if str(lesson.id) not in opened:
        session[_OPENED_KEY] = [*opened, str(lesson.id)][-_OPENED_KEEP:]


def _was_opened(lesson: Lesson) -> bool:
    return str(lesson.id) in session.get(_OPENED_KEY, [])


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
    studiable = can_study(current_user, course)
    # The member's study row: the active time already earned and where they stopped.
    study = activity.study_of(current_user, lesson) if studiable else None
    view = None
    if studiable and not done:
        _mark_opened(lesson)
        view = activity.issue_view(current_user, lesson)
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
        studiable=studiable,
        study=study,
        view=view,
        wait=max(0, services.min_seconds(lesson) - (study.active_seconds if study else 0)),
        needs_video=activity.needs_video(lesson),
        watched=int(activity.watched_share(study, lesson) * 100),
        video_needed=int(activity.VIDEO_SHARE * 100),
        interval=activity.INTERVAL,
        media_size=_document_size(lesson),
    )


def _document_size(lesson: Lesson) -> str | None:
    """A document lesson's file size as the open button states it (65 KB, 1.2 MB): members
    on a phone plan decide from it whether to open the file now."""
    if lesson.kind != "document" or not lesson.media_name:
        return None
    path = Path(current_app.config["MEDIA_DIR"]) / lesson.media_name
    try:
        size = path.stat().st_size
    except OSError:
        return None
    return size_text(size)


@bp.post("/courses/<slug>/<lesson_slug>/complete")
@login_required
def complete(slug: str, lesson_slug: str):
    lesson = _load_lesson(slug, lesson_slug)  # CSRF is checked for every POST by CSRFProtect
    if not can_study(current_user, lesson.course):
        abort(404)
    here = url_for("courses.lesson", slug=slug, lesson_slug=lesson_slug)
    if not _was_opened(lesson):
        flash("请先阅读本课内容，再标记为已学。", "warning")
        return redirect(here)
    try:
        result = services.complete_lesson(current_user, lesson)
    except services.NotStudiable:
        abort(404)
    except services.StudyTimeTooShort as exc:
        flash(
            f"还没有记录到足够的学习时间：请再认真学习 {exc.remaining_seconds} 秒后再标记为已学"
            "（页面在后台、锁屏或长时间没有操作时不计时）。",
            "warning",
        )
        return redirect(here)
    except services.VideoNotWatched as exc:
        flash(
            f"请先看完本课视频再标记为已学：已观看 {exc.percent}%，需要至少 "
            f"{int(activity.VIDEO_SHARE * 100)}%（拖动进度条跳过的部分不计入）。",
            "warning",
        )
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


@bp.post("/courses/<slug>/<lesson_slug>/study")
@login_required
def study(slug: str, lesson_slug: str):
    """A heartbeat of an open lesson page (``activity``): JSON for lesson.js."""
    lesson = _load_lesson(slug, lesson_slug)  # CSRF is checked for every POST by CSRFProtect
    if not can_study(current_user, lesson.course):
        abort(404)
    try:
        beat = activity.parse_beat(request.form)
    except activity.BadBeat:
        return jsonify(error="bad", message="学习记录的格式不对，本次不计时。"), 400
    result = activity.heartbeat(current_user, lesson, beat)
    db.session.commit()
    return jsonify(
        accepted=result.accepted,
        reason=result.reason,
        active=result.active_seconds,
        remaining=max(0, services.min_seconds(lesson) - result.active_seconds),
        watched=int(result.watched_share * 100),
        ranges_refused=result.ranges_refused,
    )


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
