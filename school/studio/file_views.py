"""The studio's files: a course's uploads, Word documents to Markdown, and serving the files.

The upload and the .docx conversion answer JSON to the lesson editor's script (a request whose
Accept prefers ``application/json``) and a page otherwise, so both work without JavaScript.
"""

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
    url_for,
)
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField

from school import uploads
from school.courses import services as courses
from school.courses.models import Course
from school.courses.permissions import can_edit_course, can_view_course
from school.db import db
from school.forms import options
from school.studio import docx, files
from school.studio.files import FILE_KINDS, CourseFile

bp = Blueprint("studio_files", __name__, template_folder="templates")

LIMIT_KEYS = {
    "image": "LESSON_IMAGE_MAX_MB",
    "document": "LESSON_DOCUMENT_MAX_MB",
    "video": "LESSON_VIDEO_MAX_MB",
}
DOCX_LIMIT = "DOCX_MAX_MB"
# The request cap follows the largest kind: which kind a file is, only its bytes tell.
UPLOAD_LIMIT = "LESSON_VIDEO_MAX_MB"


class UploadForm(FlaskForm):
    # Ids of their own: both forms are on one page, and the editor's script posts "file".
    file = FileField("文件", validators=[FileRequired("请选择要上传的文件。")], id="upload-file")
    kind = SelectField(
        "类型", choices=options([("", "按文件内容自动识别"), *FILE_KINDS.items()]), default=""
    )


class DocxForm(FlaskForm):
    file = uploads.UploadField(
        "Word 文档（.docx，{limit} 以内）",
        DOCX_LIMIT,
        validators=[FileRequired("请选择要导入的 Word 文档。")],
        id="docx-file",
    )


def _load_course(slug: str) -> Course:
    course = courses.get_course(slug)
    if course is None or not can_view_course(current_user, course):
        abort(404)
    if not can_edit_course(current_user, course):
        abort(403)
    return course


def _media_dir() -> Path:
    return Path(current_app.config["MEDIA_DIR"])


def _limits() -> dict[str, int]:
    return {kind: uploads.limit_bytes(key) for kind, key in LIMIT_KEYS.items()}


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _file_url(item: CourseFile) -> str:
    return url_for("studio_files.serve", stored_name=item.stored_name)


def _first_error(form: FlaskForm) -> str:
    errors = [error for messages in form.errors.values() for error in messages]
    return str(errors[0]) if errors else "提交的内容有误，请重试。"


def _page(course: Course, upload_form=None, docx_form=None, error: str | None = None):
    items = files.course_files(course)
    return render_template(
        "studio/files/index.html",
        course=course,
        items=items,
        in_use=files.files_in_use(course, items),
        snippets={item.id: files.markdown_for(item, _file_url(item)) for item in items},
        upload_form=upload_form or UploadForm(),
        docx_form=docx_form or DocxForm(),
        error=error,
        limits={kind: uploads.limit_mb(key) for kind, key in LIMIT_KEYS.items()},
        checks=_browser_checks(),
    )


def _browser_checks() -> dict[str, object]:
    """The file input's limits for the page's scripts: the largest, and one per kind."""
    checks: dict[str, object] = {
        "data-max-bytes": uploads.limit_bytes(UPLOAD_LIMIT),
        "data-too-large": uploads.too_large_message(UPLOAD_LIMIT),
    }
    for kind, key in LIMIT_KEYS.items():
        checks[f"data-max-{kind}"] = uploads.limit_bytes(key)
        checks[f"data-too-large-{kind}"] = uploads.too_large_message(key)
    return checks


def _refused(course: Course, message: str, **forms):
    if _wants_json():
        return jsonify(error=message), 400
    return _page(course, error=message, **forms)


@bp.get("/studio/courses/<slug>/files")
@login_required
def index(slug: str):
    return _page(_load_course(slug))


@bp.post("/studio/courses/<slug>/files")
@uploads.accepts(UPLOAD_LIMIT)
@login_required
def upload(slug: str):
    course = _load_course(slug)
    form = UploadForm()
    if not form.validate_on_submit():
        return _refused(course, _first_error(form), upload_form=form)
    chosen = form.file.data
    try:
        item = files.store_file(
            course,
            current_user,
            chosen.stream,
            chosen.filename or "",
            _media_dir(),
            _limits(),
            form.kind.data or None,
        )
    except files.FileTooLarge as exc:
        return _refused(course, uploads.too_large_message(LIMIT_KEYS[exc.kind]), upload_form=form)
    except files.FileRefused as exc:
        return _refused(course, f"{exc}。", upload_form=form)
    db.session.commit()
    url = _file_url(item)
    if _wants_json():
        return jsonify(
            url=url,
            markdown=files.markdown_for(item, url),
            kind=item.kind,
            name=item.original_name,
            stored_name=item.stored_name,
            content_type=item.content_type,
        )
    flash(f"已上传{item.kind_label}：{item.original_name}", "success")
    return redirect(url_for("studio_files.index", slug=course.slug))


@bp.post("/studio/courses/<slug>/files/<int:file_id>/delete")
@login_required
def delete(slug: str, file_id: int):
    course = _load_course(slug)
    item = db.session.get(CourseFile, file_id)
    if item is None or item.course_id != course.id:
        abort(404)
    try:
        stored_name = files.delete_file(item)
    except files.FileInUse as exc:
        flash(f"“{item.original_name}”正在使用（{'、'.join(exc.lessons)}），不能删除。", "warning")
        return redirect(url_for("studio_files.index", slug=course.slug))
    db.session.commit()
    files.remove_stored(_media_dir(), stored_name)
    flash(f"已删除：{item.original_name}", "success")
    return redirect(url_for("studio_files.index", slug=course.slug))


@bp.post("/studio/courses/<slug>/docx")
@uploads.accepts(DOCX_LIMIT)
@login_required
def docx_import(slug: str):
    course = _load_course(slug)
    form = DocxForm()
    if not form.validate_on_submit():
        return _refused(course, _first_error(form), docx_form=form)
    chosen = form.file.data
    try:
        result = docx.convert(
            course,
            current_user,
            chosen.stream,
            chosen.filename or "",
            _media_dir(),
            _limits(),
            _file_url,
        )
    except docx.DocxRefused as exc:
        return _refused(course, f"{exc}。", docx_form=form)
    db.session.commit()
    if _wants_json():
        return jsonify(markdown=result.markdown, messages=result.messages)
    return render_template(
        "studio/files/docx.html", course=course, result=result, filename=chosen.filename
    )


@bp.get("/files/<stored_name>")
@login_required
def serve(stored_name: str):
    item = files.find_file(stored_name)
    if item is None or not can_view_course(current_user, item.course):
        abort(404)
    path = _media_dir() / item.stored_name
    if not path.is_file():
        abort(404)
    # A document is saved, never shown in the site's origin; conditional=True answers Range
    # requests (206), so a phone can seek in a video.
    response = send_file(
        path,
        mimetype=item.content_type,
        conditional=True,
        max_age=0,
        as_attachment=item.kind == "document",
        download_name=item.download_name,
    )
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
