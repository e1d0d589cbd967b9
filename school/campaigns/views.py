"""Campaign pages: the member's page of one campaign, and the staff's list, editor and reports."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from school.campaigns import progress, reminders, services
from school.campaigns.exports import members_xlsx
from school.campaigns.forms import ITEM_CHOICES, CampaignForm, chosen_items
from school.campaigns.models import STATES, Campaign
from school.campaigns.page import detail_page_parts
from school.campaigns.permissions import (
    can_launch_campaigns,
    can_manage,
    can_remind,
    can_take_part,
    can_view,
    can_view_report,
)
from school.campaigns.services import CampaignError, CampaignInput
from school.clock import local_today
from school.courses.models import Course
from school.db import db
from school.orgs.models import TARGET_SIDES, Organisation
from school.orgs.scope import report_roots
from school.quizzes.models import Quiz
from school.spreadsheets import download

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns", template_folder="templates")


@bp.before_request
@login_required
def _signed_in():
    """Every campaign page needs a login; who may see which is checked per page."""


def _load(campaign_id: int) -> Campaign:
    campaign = progress.load(campaign_id)
    # A campaign the user may not see does not exist for them.
    if campaign is None or not can_view(current_user, campaign):
        abort(404)
    return campaign


def _managed(campaign_id: int) -> Campaign:
    campaign = _load(campaign_id)
    if not can_manage(current_user, campaign):
        abort(403)
    return campaign


def _report_org(campaign: Campaign, org_id: int) -> Organisation:
    org = db.session.get(Organisation, org_id)
    if org is None or not can_view_report(current_user, campaign, org):
        abort(404)
    return org


@bp.get("/<int:campaign_id>")
def show(campaign_id: int):
    campaign = progress.load(campaign_id)
    if campaign is None:
        abort(404)
    if not can_take_part(current_user, campaign):
        if can_view(current_user, campaign):
            return redirect(url_for("campaigns.detail", campaign_id=campaign.id))
        abort(404)
    today = local_today()
    return render_template(
        "campaigns/show.html",
        campaign=campaign,
        standing=progress.standing(current_user, campaign, today),
        today=today,
    )


@bp.get("/manage/")
def index():
    if not current_user.is_staff:
        abort(403)
    return render_template(
        "campaigns/index.html",
        campaigns=services.visible_campaigns(current_user),
        can_create=can_launch_campaigns(current_user),
    )


def _choices() -> tuple[list[Course], list[Quiz]]:
    courses = db.session.scalars(
        select(Course).where(Course.status == "published").order_by(Course.position, Course.id)
    ).all()
    quizzes = db.session.scalars(
        select(Quiz)
        .where(Quiz.status == "published", Quiz.kind == "exam", Quiz.draft_of_id.is_(None))
        .order_by(Quiz.id)
    ).all()
    return list(courses), list(quizzes)


def _editor(form: CampaignForm, campaign: Campaign | None, chosen: dict[str, str]):
    courses, quizzes = _choices()
    return render_template(
        "campaigns/edit.html",
        form=form,
        campaign=campaign,
        courses=courses,
        quizzes=quizzes,
        chosen=chosen,
        item_choices=ITEM_CHOICES,
    )


def _input(form: CampaignForm) -> CampaignInput:
    return CampaignInput(
        title=form.title.data or "",
        org_text=form.org.data or "",
        description=form.description.data or "",
        start_on=form.start_on.data,
        deadline=form.deadline.data,
        hours_target=services.parse_hours(form.hours_target.data),
        remind_days=form.remind_days.data or "",
        certificate=bool(form.certificate.data),
        items=chosen_items(request.form),
        targets_text=form.targets.data or "",
    )


def _posted_items() -> dict[str, str]:
    return {k: v for k, v in request.form.items() if k.startswith(("course-", "quiz-"))}


def _save(form: CampaignForm, campaign: Campaign | None) -> Campaign | None:
    if not form.validate_on_submit():
        return None
    try:
        saved = services.save_draft(current_user, _input(form), campaign)
    except CampaignError as error:
        db.session.rollback()
        flash(str(error), "warning")
        return None
    db.session.commit()
    return saved


@bp.route("/manage/new", methods=["GET", "POST"])
def new():
    if not can_launch_campaigns(current_user):
        abort(403)
    form = CampaignForm()
    if request.method == "GET":
        roots = report_roots(current_user)
        form.org.data = (roots[0].code or roots[0].name) if roots else ""
        form.start_on.data = local_today()
    saved = _save(form, None)
    if saved is not None:
        flash("已保存为草稿。检查无误后点“发起活动”，党员才会看到。", "success")
        return redirect(url_for("campaigns.detail", campaign_id=saved.id))
    return _editor(form, None, _posted_items())


@bp.route("/manage/<int:campaign_id>/edit", methods=["GET", "POST"])
def edit(campaign_id: int):
    campaign = _managed(campaign_id)
    if not campaign.is_draft:
        flash("活动已发起，内容不能再修改。", "warning")
        return redirect(url_for("campaigns.detail", campaign_id=campaign.id))
    form = CampaignForm(
        data=None
        if request.method == "POST"
        else {
            "title": campaign.title,
            "org": campaign.org.code or campaign.org.name,
            "description": campaign.description,
            "start_on": campaign.start_on,
            "deadline": campaign.deadline,
            "hours_target": str(campaign.hours_target or ""),
            "remind_days": campaign.remind_days,
            "certificate": campaign.certificate,
            "targets": services.targets_text(campaign),
        }
    )
    if _save(form, campaign) is not None:
        flash("已保存修改。", "success")
        return redirect(url_for("campaigns.detail", campaign_id=campaign.id))
    chosen = (
        _posted_items()
        if request.method == "POST"
        else {
            f"course-{i.course_id}" if i.course_id else f"quiz-{i.quiz_id}": (
                "required" if i.required else "optional"
            )
            for i in campaign.items
        }
    )
    return _editor(form, campaign, chosen)


@bp.get("/manage/<int:campaign_id>")
def detail(campaign_id: int):
    campaign = _load(campaign_id)
    roots = [campaign.org] if can_view_report(current_user, campaign, campaign.org) else []
    roots = roots or report_roots(current_user)
    return render_template(
        "campaigns/detail.html",
        campaign=campaign,
        sides=TARGET_SIDES,
        manageable=can_manage(current_user, campaign),
        report_orgs=roots,
        today=local_today(),
        **detail_page_parts.context(current_user, campaign),
    )


def _act(campaign_id: int, action, success: str):
    campaign = _managed(campaign_id)
    try:
        result = action(campaign)
    except CampaignError as error:
        db.session.rollback()
        flash(str(error), "warning")
    else:
        db.session.commit()
        flash(success.format(result=result), "success")
    return redirect(url_for("campaigns.detail", campaign_id=campaign.id))


@bp.post("/manage/<int:campaign_id>/launch")
def launch(campaign_id: int):
    url = url_for("campaigns.show", campaign_id=campaign_id)
    return _act(
        campaign_id,
        lambda c: services.launch(current_user, c, url),
        "活动已发起，已通知 {result} 名党员。",
    )


@bp.post("/manage/<int:campaign_id>/close")
def close(campaign_id: int):
    return _act(
        campaign_id,
        lambda c: services.close(current_user, c),
        "活动已结束，不再出现在党员的待办中；报表仍可查看。",
    )


@bp.get("/manage/<int:campaign_id>/report/<int:org_id>")
def report(campaign_id: int, org_id: int):
    campaign = _load(campaign_id)
    org = _report_org(campaign, org_id)
    today = local_today()
    return render_template(
        "campaigns/report.html",
        campaign=campaign,
        report=progress.report(campaign, org, today),
        states=STATES,
        can_remind=can_remind(current_user, campaign, org),
        today=today,
    )


@bp.get("/manage/<int:campaign_id>/report/<int:org_id>/members")
def members(campaign_id: int, org_id: int):
    campaign = _load(campaign_id)
    org = _report_org(campaign, org_id)
    state = request.args.get("state") if request.args.get("state") in STATES else None
    listing = progress.member_page(
        campaign, org, local_today(), state, request.args.get("page", 1, type=int)
    )
    return render_template(
        "campaigns/members.html",
        campaign=campaign,
        org=org,
        state=state,
        states=STATES,
        listing=listing,
    )


@bp.get("/manage/<int:campaign_id>/report/<int:org_id>/members.xlsx")
def export(campaign_id: int, org_id: int):
    campaign = _load(campaign_id)
    org = _report_org(campaign, org_id)
    rows = progress.all_members(campaign, org, local_today())
    return download(members_xlsx(campaign, org, rows), f"campaign-{campaign.id}-{org.id}.xlsx")


@bp.post("/manage/<int:campaign_id>/report/<int:org_id>/remind")
def remind(campaign_id: int, org_id: int):
    campaign = _load(campaign_id)
    org = _report_org(campaign, org_id)
    if not can_remind(current_user, campaign, org):
        abort(403)
    url = url_for("campaigns.show", campaign_id=campaign.id)
    result = reminders.remind(current_user, campaign, org, url)
    db.session.commit()
    flash(f"已提醒 {result.sent} 人，{result.skipped} 人本周已提醒过。", "success")
    return redirect(url_for("campaigns.report", campaign_id=campaign.id, org_id=org.id))
