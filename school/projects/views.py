"""Hometown projects (家乡项目): the members' board and the publishing organisation's pages.

Members: /projects/ (published projects of their home and host side), one project, their
interest and referrals. Staff: /manage/projects/ (their organisations' projects with counts),
writing a project, its status, the interest with each follow-up log, the export.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from school import uploads
from school.clock import local_today
from school.db import db
from school.images import open_path
from school.media import remove_stored
from school.projects import interest as interests
from school.projects import services
from school.projects.exports import interest_xlsx
from school.projects.forms import (
    FollowUpForm,
    InterestForm,
    ProjectForm,
    ReferralForm,
    StatusForm,
)
from school.projects.models import (
    MOVES,
    SECTORS,
    STATUSES,
    Project,
    ProjectInterest,
    ProjectReferral,
)
from school.projects.permissions import (
    can_publish_any,
    can_take_part,
    can_view,
    in_audience,
    publishing_orgs,
    reads_project,
    writes,
)
from school.projects.services import IMAGE_LIMIT, ProjectError, ProjectFields
from school.spreadsheets import download

bp = Blueprint("projects", __name__, template_folder="templates")

# What staff press to move a project, by the status it goes to.
MOVE_LABELS = {
    "open": "发布（招商中）",
    "negotiating": "进入洽谈",
    "paused": "暂停招商",
    "landed": "已落地",
    "closed": "关闭项目",
}


def _covers():
    return uploads.folder("projects")


def _project(project_id: int) -> Project:
    project = db.session.get(Project, project_id)
    # Drafts, and projects of organisations the user is not part of, are not theirs to know of.
    if project is None or not can_view(current_user, project):
        abort(404)
    return project


def _staff_project(project_id: int) -> Project:
    project = db.session.get(Project, project_id)
    if project is None or not reads_project(current_user, project):
        abort(404)
    return project


def _written(project: Project) -> None:
    """Staff above the publishing organisation read its project but answer for nothing in it."""
    if not writes(current_user, project):
        abort(403)


def _flash_errors(form) -> None:
    for errors in form.errors.values():
        for error in errors:
            flash(error, "warning")


# --- members -------------------------------------------------------------------------------------


@bp.get("/projects/")
@login_required
def index():
    sector, status = request.args.get("sector", ""), request.args.get("status", "")
    page = services.projects_page(
        current_user, sector, status, request.args.get("page", 1, type=int)
    )
    return render_template(
        "projects/index.html",
        result=page,
        mine=services.mine_among(current_user, page.items),
        sectors=SECTORS,
        statuses={k: v for k, v in STATUSES.items() if k != "draft"},
        sector=sector,
        status=status,
    )


@bp.get("/projects/<int:project_id>")
@login_required
def show(project_id: int):
    project = _project(project_id)
    return _show(project, InterestForm(), ReferralForm())


def _show(project: Project, interest_form: InterestForm, referral_form: ReferralForm):
    audience = in_audience(current_user, project)
    mine = interests.my_interest(current_user, project) if audience else None
    if mine is not None and request.method == "GET":
        interest_form.help_kind.data = mine.help
        interest_form.note.data = mine.note
    return render_template(
        "projects/show.html",
        project=project,
        mine=mine,
        referrals=interests.my_referrals(current_user, project) if audience else [],
        taking=can_take_part(current_user, project),
        staff=reads_project(current_user, project),
        interest_form=interest_form,
        referral_form=referral_form,
    )


@bp.post("/projects/<int:project_id>/interest")
@login_required
def register_interest(project_id: int):
    project = _project(project_id)
    form = InterestForm()
    if not form.validate_on_submit():
        return _show(project, form, ReferralForm()), 400
    try:
        mine = interests.register_interest(
            current_user, project, form.help_kind.data, form.note.data
        )
    except ProjectError as exc:
        db.session.rollback()
        flash(str(exc), "warning")
    else:
        db.session.commit()
        edited = mine.updated_at > mine.created_at
        flash(
            "已更新您的意向。" if edited else "意向已登记，发布项目的党组织会与您联系。", "success"
        )
    return redirect(url_for("projects.show", project_id=project.id, _anchor="interest"))


@bp.post("/projects/<int:project_id>/interest/withdraw")
@login_required
def withdraw_interest(project_id: int):
    project = _project(project_id)
    try:
        interests.withdraw_interest(current_user, project)
    except ProjectError as exc:
        db.session.rollback()
        flash(str(exc), "warning")
    else:
        db.session.commit()
        flash("已撤回意向。需要时可以重新登记。", "success")
    return redirect(url_for("projects.show", project_id=project.id, _anchor="interest"))


@bp.post("/projects/<int:project_id>/recommend")
@login_required
def recommend(project_id: int):
    project = _project(project_id)
    form = ReferralForm()
    if not form.validate_on_submit():
        return _show(project, InterestForm(), form), 400
    try:
        _, new = interests.recommend(
            current_user,
            project,
            form.name.data,
            form.company.data,
            form.phone.data,
            form.reason.data,
        )
    except ProjectError as exc:
        db.session.rollback()
        flash(str(exc), "warning")
        return _show(project, InterestForm(), form), 400
    db.session.commit()
    flash("推荐已提交，谢谢您。" if new else "这位联系人您已经推荐过了。", "success")
    return redirect(url_for("projects.show", project_id=project.id, _anchor="referrals"))


@bp.get("/projects/<int:project_id>/cover")
@login_required
def cover(project_id: int):
    project = _project(project_id)
    path = open_path(_covers(), project.cover_name) if project.cover_name else None
    if path is None:
        abort(404)
    return send_file(path, mimetype=project.cover_mime, max_age=3600)


# --- the publishing organisation -----------------------------------------------------------------


@bp.get("/manage/projects/")
@login_required
def manage():
    if not current_user.is_staff:
        abort(403)
    status = request.args.get("status", "")
    waiting = request.args.get("waiting") == "1"
    page = services.staff_page(current_user, status, waiting, request.args.get("page", 1, type=int))
    return render_template(
        "projects/manage.html",
        result=page,
        statuses=STATUSES,
        status=status,
        waiting=waiting,
        publisher=can_publish_any(current_user),
    )


def _fields(form: ProjectForm) -> ProjectFields:
    return ProjectFields(
        title=form.title.data or "",
        sector=form.sector.data or "",
        place=form.place.data or "",
        size=form.size.data or "",
        description=form.description.data or "",
        contact_name=form.contact_name.data or "",
        contact_phone=form.contact_phone.data or "",
    )


def _upload(form: ProjectForm) -> tuple[bytes, str] | None:
    upload = form.cover.data
    return (upload.read(), upload.filename or "") if upload and upload.filename else None


@bp.route("/manage/projects/new", methods=["GET", "POST"])
@login_required
@uploads.accepts(IMAGE_LIMIT)
def new():
    orgs = publishing_orgs(current_user)
    if not orgs:
        abort(403)
    form = ProjectForm()
    form.org.choices = [(org.id, org.name) for org in orgs]
    if form.validate_on_submit():
        org = next((o for o in orgs if o.id == form.org.data), None)
        try:
            if org is None:
                raise ProjectError("请选择发布项目的党组织。")
            project = services.create_project(
                current_user,
                org,
                _fields(form),
                cover=_upload(form),
                folder=_covers(),
                publish=request.form.get("action") == "publish",
            )
        except ProjectError as exc:
            db.session.rollback()
            flash(str(exc), "warning")
        else:
            db.session.commit()
            flash(
                "项目已发布。" if project.is_published else "已保存为草稿，发布后党员才能看到。",
                "success",
            )
            return redirect(url_for("projects.staff_show", project_id=project.id))
    return render_template("projects/edit.html", form=form, project=None, orgs=orgs)


@bp.route("/manage/projects/<int:project_id>/edit", methods=["GET", "POST"])
@login_required
@uploads.accepts(IMAGE_LIMIT)
def edit(project_id: int):
    project = _staff_project(project_id)
    _written(project)
    form = ProjectForm()
    form.org.choices = [(project.org_id, project.org.name)]
    if request.method == "GET":
        form.process(
            data={
                "title": project.title,
                "sector": project.sector,
                "place": project.place,
                "size": services.NEGOTIABLE if project.size_wan is None else str(project.size_wan),
                "description": project.description_md,
                "contact_name": project.contact_name,
                "contact_phone": project.contact_phone,
            }
        )
    elif form.validate_on_submit():
        old_cover = project.cover_name
        try:
            services.edit_project(
                current_user,
                project,
                _fields(form),
                cover=_upload(form),
                folder=_covers(),
                remove_cover=form.remove_cover.data,
            )
        except ProjectError as exc:
            db.session.rollback()
            flash(str(exc), "warning")
        else:
            db.session.commit()
            # A replaced or removed cover's bytes go once the change is committed.
            if old_cover != project.cover_name:
                remove_stored(_covers(), old_cover)
            flash("已保存修改。", "success")
            return redirect(url_for("projects.staff_show", project_id=project.id))
    return render_template("projects/edit.html", form=form, project=project, orgs=[project.org])


@bp.get("/manage/projects/<int:project_id>")
@login_required
def staff_show(project_id: int):
    project = _staff_project(project_id)
    writer = writes(current_user, project)
    return render_template(
        "projects/staff_show.html",
        project=project,
        writer=writer,
        moves=[(to, MOVE_LABELS[to]) for to in MOVES[project.status]] if writer else [],
        history=services.history(project),
        interests=interests.interests_of(project),
        referrals=interests.referrals_of(project),
        status_form=StatusForm(),
    )


@bp.post("/manage/projects/<int:project_id>/status")
@login_required
def move(project_id: int):
    project = _staff_project(project_id)
    _written(project)
    form = StatusForm()
    if not form.validate_on_submit():
        _flash_errors(form)
    else:
        try:
            services.move_status(current_user, project, request.form.get("to", ""), form.note.data)
        except ProjectError as exc:
            db.session.rollback()
            flash(str(exc), "warning")
        else:
            db.session.commit()
            flash(f"项目状态已改为“{project.status_label}”。", "success")
    return redirect(url_for("projects.staff_show", project_id=project.id))


@bp.get("/manage/projects/<int:project_id>/export")
@login_required
def export(project_id: int):
    project = _staff_project(project_id)
    data = interest_xlsx(project, interests.interests_of(project), interests.referrals_of(project))
    return download(data, f"project-{project.id}-interest.xlsx")


def _subject(model, subject_id: int):
    subject = db.session.get(model, subject_id)
    if subject is None or not reads_project(current_user, subject.project):
        abort(404)
    return subject


def _followup_page(subject: ProjectInterest | ProjectReferral, form: FollowUpForm):
    if request.method == "GET":
        form.state.data = subject.state
        form.contacted_on.data = local_today()
    return render_template(
        "projects/followup.html",
        subject=subject,
        project=subject.project,
        is_interest=isinstance(subject, ProjectInterest),
        log=interests.log_of(subject),
        writer=writes(current_user, subject.project),
        form=form,
    )


def _follow_up(subject: ProjectInterest | ProjectReferral, endpoint: str):
    if request.method == "GET":
        return _followup_page(subject, FollowUpForm())
    _written(subject.project)
    form = FollowUpForm()
    if not form.validate_on_submit():
        return _followup_page(subject, form), 400
    try:
        interests.record_followup(
            current_user,
            subject,
            form.state.data,
            form.contacted_on.data,
            form.note.data,
            form.next_step.data,
        )
    except ProjectError as exc:
        db.session.rollback()
        flash(str(exc), "warning")
        return _followup_page(subject, form), 400
    db.session.commit()
    flash("跟进记录已保存。", "success")
    return redirect(url_for(endpoint, subject_id=subject.id))


@bp.route("/manage/projects/interests/<int:subject_id>", methods=["GET", "POST"])
@login_required
def interest_followup(subject_id: int):
    return _follow_up(_subject(ProjectInterest, subject_id), "projects.interest_followup")


@bp.route("/manage/projects/referrals/<int:subject_id>", methods=["GET", "POST"])
@login_required
def referral_followup(subject_id: int):
    return _follow_up(_subject(ProjectReferral, subject_id), "projects.referral_followup")
