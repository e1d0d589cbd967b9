"""Notices (通知公告): the list by category, one notice with its cover, attachments and reading
receipt, writing, publishing and withdrawing, who has read a required notice, and 法规库."""

from pathlib import Path
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required

from school import uploads
from school.auth import sessions
from school.auth.models import User
from school.clock import local_today
from school.db import db
from school.notices import files, following, mutes, reads, services
from school.notices.forms import ATTACHMENT_LIMITS, COVER_LIMIT, REQUEST_LIMIT, NoticeForm
from school.notices.models import CATEGORIES, Notice, NoticeFile
from school.notices.permissions import (
    can_edit,
    can_follow_reads,
    can_publish,
    can_read,
    can_write_notices,
    is_addressed,
)
from school.notices.services import NoticeError
from school.orgs.models import Organisation
from school.security import CSP

bp = Blueprint("notices", __name__, url_prefix="/notices", template_folder="templates")

# The home page shows the notices that reach the member: the login check brings the paths of
# their organisations in its own statement.
for _name, _path in services.own_paths_of_user().items():
    sessions.add_figure(_name, _path)


@bp.before_request
@login_required
def _members_only():
    """Every notice page needs a login; login_required answers for anonymous visitors."""


@bp.app_context_processor
def _home_page_notices():
    """The catalogue (home page) shows the newest notices that reach the member; the member's
    settings page shows the categories they muted."""

    def latest_notices(user: User) -> list[Notice]:
        return services.latest_notices(user) if user.is_authenticated else []

    def notice_mutes(user: User) -> set[str]:
        return mutes.muted(user) if user.is_authenticated else set()

    return {
        "latest_notices": latest_notices,
        "notice_mutes": notice_mutes,
        "notice_categories": CATEGORIES,
    }


def _load(notice_id: int) -> Notice:
    notice = db.session.get(Notice, notice_id)
    # Drafts and other organisations' notices answer 404: whether they exist is not theirs.
    if notice is None or not can_read(current_user, notice):
        abort(404)
    return notice


def _media_dir() -> Path:
    return Path(current_app.config["MEDIA_DIR"]) / "notices"


def _org_text(org: Organisation | None) -> str:
    return (org.code or org.name) if org else ""


@bp.get("/")
def index():
    category = request.args.get("category")
    category = category if category in CATEGORIES else None
    page = services.notices_page(
        current_user, request.args.get("page", 1, type=int), category=category
    )
    writer = can_write_notices(current_user)
    return render_template(
        "notices/index.html",
        result=page,
        category=category,
        categories=CATEGORIES,
        writer=writer,
        drafts=services.drafts_for(current_user) if current_user.is_staff and not category else [],
    )


@bp.get("/<int:notice_id>")
def show(notice_id: int):
    notice = _load(notice_id)
    addressed = is_addressed(current_user, notice)
    # Opening an ordinary notice takes it off the member's to-dos on the home page; required
    # reading is confirmed with the button below the text.
    if addressed and not notice.required:
        reads.mark_read(current_user, notice)
        db.session.commit()
    response = Response(
        render_template(
            "notices/show.html",
            notice=notice,
            addressed=addressed,
            read_at=reads.has_read(current_user, notice) if addressed else None,
            today=local_today(),
            editable=can_edit(current_user, notice),
            publishable=can_publish(current_user, notice),
            follows=can_follow_reads(current_user, notice),
        )
    )
    if notice.video_url:
        # The staff gave a 专题片 on their own video server: that origin, and only it, may play.
        parts = urlsplit(notice.video_url)
        allowed = f"{parts.scheme}://{parts.netloc}"
        response.headers["Content-Security-Policy"] = CSP.replace(
            "media-src 'self'", f"media-src 'self' {allowed}"
        )
    return response


@bp.post("/<int:notice_id>/read")
def receipt(notice_id: int):
    notice = _load(notice_id)
    try:
        first = reads.mark_read(current_user, notice)
    except NoticeError as exc:
        db.session.rollback()
        flash(str(exc), "warning")
    else:
        db.session.commit()
        flash("已确认阅读，谢谢。" if first else "您已经确认过阅读了。", "success")
    return redirect(url_for("notices.show", notice_id=notice.id))


@bp.get("/<int:notice_id>/cover")
def cover(notice_id: int):
    notice = _load(notice_id)
    if not notice.cover_name:
        abort(404)
    return _send(notice.cover_name, None, as_attachment=False)


@bp.get("/<int:notice_id>/files/<int:file_id>")
def attachment(notice_id: int, file_id: int):
    notice = _load(notice_id)
    item = db.session.get(NoticeFile, file_id)
    if item is None or item.notice_id != notice.id:
        abort(404)
    return _send(
        item.stored_name,
        item.content_type,
        as_attachment=item.kind == "document",
        download_name=item.download_name,
    )


def _send(stored_name: str, mimetype: str | None, **kwargs):
    path = _media_dir() / stored_name
    if not path.is_file():
        abort(404)
    # A document is saved, never shown in the site's origin; conditional=True answers Range
    # requests (206), so a phone can seek in a video.
    response = send_file(path, mimetype=mimetype, conditional=True, max_age=0, **kwargs)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


def _upload_message(exc: Exception) -> str:
    if isinstance(exc, files.FileTooLarge):
        key = COVER_LIMIT if exc.kind == "image" else ATTACHMENT_LIMITS[exc.kind]
        return uploads.too_large_message(key)
    return str(exc)


def _attach(form: NoticeForm, notice: Notice, written: files.FilesWritten) -> list[str | None]:
    """Store the cover and attachment chosen on the form; the names to remove once committed."""
    removed: list[str | None] = []
    if form.remove_cover.data:
        removed.append(files.remove_cover(notice))
    chosen = form.cover.data
    if chosen and chosen.filename:
        limit = uploads.limit_bytes(COVER_LIMIT)
        removed.append(
            files.store_cover(notice, chosen.stream, chosen.filename, _media_dir(), limit, written)
        )
    chosen = form.attachment.data
    if chosen and chosen.filename:
        limits = {kind: uploads.limit_bytes(key) for kind, key in ATTACHMENT_LIMITS.items()}
        files.store_attachment(
            notice, current_user, chosen.stream, chosen.filename, _media_dir(), limits, written
        )
    return removed


def _save(form: NoticeForm, action) -> Notice | None:
    """Validate the form and run ``action(publish, written)``; None (and a message) on refusal,
    with nothing stored: no row, no file."""
    if not form.validate_on_submit():
        return None
    written = files.FilesWritten()
    try:
        notice, removed = action(request.form.get("action") == "publish", written)
    except (NoticeError, files.FileRefused, files.FileTooLarge) as exc:
        db.session.rollback()
        written.remove(_media_dir())
        flash(_upload_message(exc), "warning")
        return None
    db.session.commit()
    for name in removed:
        files.remove_stored(_media_dir(), name)
    return notice


def _form_page(form: NoticeForm, notice: Notice | None):
    return render_template(
        "notices/edit.html",
        form=form,
        notice=notice,
        publishable=notice is None or can_publish(current_user, notice),
        attachment_max=uploads.limit_bytes(REQUEST_LIMIT),
        attachment_too_large=uploads.too_large_message(REQUEST_LIMIT),
    )


@bp.route("/new", methods=["GET", "POST"])
@uploads.accepts(REQUEST_LIMIT)
def new():
    if not can_write_notices(current_user):
        abort(403)
    form = NoticeForm()
    if request.method == "GET":
        form.org.data = _org_text(services.default_org(current_user))

    def create(publish: bool, written: files.FilesWritten):
        org = services.resolve_org(current_user, form.org.data)
        notice = services.create_notice(
            current_user, form.title.data, form.body.data, org, news=form.news()
        )
        removed = _attach(form, notice, written)
        # Published last: its members are told once the files are in.
        if publish:
            services.publish_notice(current_user, notice)
        return notice, removed

    notice = _save(form, create)
    if notice is not None:
        flash(
            "通知已发布。" if notice.is_published else "已保存为草稿，发布后党员才能看到。",
            "success",
        )
        return redirect(url_for("notices.show", notice_id=notice.id))
    return _form_page(form, None)


@bp.route("/<int:notice_id>/edit", methods=["GET", "POST"])
@uploads.accepts(REQUEST_LIMIT)
def edit(notice_id: int):
    notice = _load(notice_id)
    if not can_edit(current_user, notice):
        abort(403)
    form = NoticeForm(
        data=None
        if request.method == "POST"
        else {
            "title": notice.title,
            "body": notice.body_md,
            "org": _org_text(notice.org),
            "category": notice.category,
            "topic": notice.topic or "",
            "video_url": notice.video_url or "",
            "required": notice.required,
            "deadline": notice.deadline,
        }
    )

    was_draft = not notice.is_published

    def change(publish: bool, written: files.FilesWritten):
        org = services.resolve_org(current_user, form.org.data, current=notice)
        services.edit_notice(
            current_user, notice, form.title.data, form.body.data, org, form.news()
        )
        removed = _attach(form, notice, written)
        if publish and not notice.is_published:
            services.publish_notice(current_user, notice)
        return notice, removed

    if _save(form, change) is not None:
        flash("已保存并发布。" if was_draft and notice.is_published else "已保存修改。", "success")
        return redirect(url_for("notices.show", notice_id=notice.id))
    return _form_page(form, notice)


@bp.post("/<int:notice_id>/files/<int:file_id>/delete")
def delete_attachment(notice_id: int, file_id: int):
    notice = _load(notice_id)
    if not can_edit(current_user, notice):
        abort(403)
    item = db.session.get(NoticeFile, file_id)
    if item is None or item.notice_id != notice.id:
        abort(404)
    stored_name = files.delete_attachment(item)
    db.session.commit()
    files.remove_stored(_media_dir(), stored_name)
    flash(f"已删除附件：{item.original_name}", "success")
    return redirect(url_for("notices.edit", notice_id=notice.id))


def _act(notice_id: int, action, success: str):
    notice = _load(notice_id)
    if not can_publish(current_user, notice):
        abort(403)
    try:
        action(current_user, notice)
    except NoticeError as exc:
        db.session.rollback()
        flash(str(exc), "warning")
    else:
        db.session.commit()
        flash(success, "success")
    return redirect(url_for("notices.show", notice_id=notice.id))


@bp.post("/<int:notice_id>/publish")
def publish(notice_id: int):
    return _act(notice_id, services.publish_notice, "通知已发布。")


@bp.post("/<int:notice_id>/unpublish")
def unpublish(notice_id: int):
    return _act(notice_id, services.unpublish_notice, "通知已撤回为草稿，党员看不到了。")


def _load_followed(notice_id: int) -> Notice:
    notice = _load(notice_id)
    if not can_follow_reads(current_user, notice):
        abort(403)
    return notice


@bp.get("/<int:notice_id>/readers")
def readers(notice_id: int):
    notice = _load_followed(notice_id)
    page = following.readers_page(
        current_user,
        notice,
        request.args.get("show", "all"),
        request.args.get("page", 1, type=int),
    )
    return render_template("notices/readers.html", notice=notice, result=page)


@bp.get("/<int:notice_id>/readers.xlsx")
def readers_export(notice_id: int):
    notice = _load_followed(notice_id)
    data = following.readers_xlsx(current_user, notice)
    return Response(
        data,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f"attachment; filename=notice-{notice.id}-readers.xlsx"},
    )


@bp.post("/<int:notice_id>/remind")
def remind(notice_id: int):
    notice = _load_followed(notice_id)
    try:
        count = following.remind_unread(current_user, notice)
    except NoticeError as exc:
        db.session.rollback()
        flash(str(exc), "warning")
    else:
        db.session.commit()
        flash(
            f"已提醒 {count} 位未读的党员。"
            if count
            else "今天已提醒过所有未读的党员，明天可再提醒。",
            "success",
        )
    return redirect(url_for("notices.readers", notice_id=notice.id, show="unread"))


@bp.get("/required")
def required():
    if not can_write_notices(current_user):
        abort(403)
    return render_template(
        "notices/required.html", items=following.required_notices(current_user), today=local_today()
    )


@bp.get("/laws")
def laws():
    topic = request.args.get("topic") or None
    text = request.args.get("q", "")[:100]
    page = services.laws_page(current_user, topic, text, request.args.get("page", 1, type=int))
    return render_template(
        "notices/laws.html",
        result=page,
        topic=topic,
        q=text,
        topics=services.law_topics(current_user),
    )


@bp.post("/mutes")
def save_mutes():
    try:
        mutes.set_muted(current_user, request.form.getlist("muted"))
    except NoticeError as exc:
        db.session.rollback()
        flash(str(exc), "warning")
    else:
        db.session.commit()
        flash("通知提醒设置已保存。", "success")
    return redirect(url_for("profile.mine") + "#notice-mutes")
