"""Notices (通知公告): the list, one notice, writing, publishing and withdrawing."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from school.auth import sessions
from school.auth.models import User
from school.db import db
from school.notices import reads, services
from school.notices.forms import NoticeForm
from school.notices.models import Notice
from school.notices.permissions import (
    can_edit,
    can_publish,
    can_read,
    can_write_notices,
)
from school.notices.services import NoticeError
from school.orgs.models import Organisation

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
    """The catalogue (home page) shows the newest notices that reach the member."""

    def latest_notices(user: User) -> list[Notice]:
        return services.latest_notices(user) if user.is_authenticated else []

    return {"latest_notices": latest_notices}


def _load(notice_id: int) -> Notice:
    notice = db.session.get(Notice, notice_id)
    # Drafts and other organisations' notices answer 404: whether they exist is not theirs.
    if notice is None or not can_read(current_user, notice):
        abort(404)
    return notice


def _org_text(org: Organisation | None) -> str:
    return (org.code or org.name) if org else ""


@bp.get("/")
def index():
    page = services.notices_page(current_user, request.args.get("page", 1, type=int))
    writer = can_write_notices(current_user)
    return render_template(
        "notices/index.html",
        result=page,
        writer=writer,
        drafts=services.drafts_for(current_user) if current_user.is_staff else [],
    )


@bp.get("/<int:notice_id>")
def show(notice_id: int):
    notice = _load(notice_id)
    # Opening a notice takes it off the member's to-dos on the home page.
    reads.mark_read(current_user, notice)
    db.session.commit()
    return render_template(
        "notices/show.html",
        notice=notice,
        editable=can_edit(current_user, notice),
        publishable=can_publish(current_user, notice),
    )


def _save(form: NoticeForm, action) -> Notice | None:
    """Validate the form and run ``action(publish)``; None (and a message) on refusal."""
    if not form.validate_on_submit():
        return None
    try:
        notice = action(request.form.get("action") == "publish")
    except NoticeError as exc:
        db.session.rollback()
        flash(str(exc), "warning")
        return None
    db.session.commit()
    return notice


@bp.route("/new", methods=["GET", "POST"])
def new():
    if not can_write_notices(current_user):
        abort(403)
    form = NoticeForm()
    if request.method == "GET":
        form.org.data = _org_text(services.default_org(current_user))

    def create(publish: bool) -> Notice:
        org = services.resolve_org(current_user, form.org.data)
        return services.create_notice(
            current_user, form.title.data, form.body.data, org, publish=publish
        )

    notice = _save(form, create)
    if notice is not None:
        flash(
            "通知已发布。" if notice.is_published else "已保存为草稿，发布后党员才能看到。",
            "success",
        )
        return redirect(url_for("notices.show", notice_id=notice.id))
    return render_template("notices/edit.html", form=form, notice=None)


@bp.route("/<int:notice_id>/edit", methods=["GET", "POST"])
def edit(notice_id: int):
    notice = _load(notice_id)
    if not can_edit(current_user, notice):
        abort(403)
    form = NoticeForm(
        data=None
        if request.method == "POST"
        else {"title": notice.title, "body": notice.body_md, "org": _org_text(notice.org)}
    )

    was_draft = not notice.is_published

    def change(publish: bool) -> Notice:
        org = services.resolve_org(current_user, form.org.data, current=notice)
        services.edit_notice(current_user, notice, form.title.data, form.body.data, org)
        if publish and not notice.is_published:
            services.publish_notice(current_user, notice)
        return notice

    if _save(form, change) is not None:
        flash("已保存并发布。" if was_draft and notice.is_published else "已保存修改。", "success")
        return redirect(url_for("notices.show", notice_id=notice.id))
    return render_template(
        "notices/edit.html", form=form, notice=notice, publishable=can_publish(current_user, notice)
    )


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
