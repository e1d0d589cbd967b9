"""Points pages: the member's (我的积分, a branch's ranking, the name setting), the admins'
rules, and staff totals with corrections. Each view loads (404), checks, calls a service and
commits once."""

from __future__ import annotations

import secrets

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from school.auth.models import User
from school.clock import current_year, local_today
from school.db import db
from school.orgs.models import Organisation
from school.orgs.scope import read_roots, report_roots
from school.points import reports, services
from school.points.forms import CorrectionForm, RuleForm
from school.points.models import ACTIONS
from school.points.permissions import (
    can_correct,
    can_edit_rules,
    can_view_member_points,
    can_view_org_points,
    can_view_points_reports,
    can_view_ranking,
)
from school.spreadsheets import download

bp = Blueprint("points", __name__, url_prefix="/points", template_folder="templates")
# The 管理 bar shows 积分 to those the report lets in.
bp.add_app_template_global(can_view_points_reports)

LEDGER_PER_PAGE = 20
MEMBERS_PER_PAGE = 50
YEARS_SHOWN = 5


def _page() -> int:
    return max(1, request.args.get("page", 1, type=int))


def _year() -> int:
    """The year asked for, among the few the pages offer (else this year)."""
    year = request.args.get("year", type=int)
    return year if year in _years() else current_year()


def _years() -> list[int]:
    this = current_year()
    return list(range(this, this - YEARS_SHOWN, -1))


def _first_error(form) -> None:
    for errors in form.errors.values():
        flash(errors[0], "warning")
        return


def _org(org_id: int | None, allowed) -> Organisation:
    org = db.session.get(Organisation, org_id) if org_id else None
    if org is None or not allowed(current_user, org):
        abort(404)
    return org


# The member's pages -----------------------------------------------------------------------------


@bp.get("/")
@login_required
def mine():
    today, page = local_today(), _page()
    earned = services.day_points(current_user.id, today)
    entries, more = services.ledger(current_user.id, page, LEDGER_PER_PAGE)
    return render_template(
        "points/mine.html",
        today_total=sum(earned.values()),
        year_total=services.year_total(current_user.id, today.year),
        year=today.year,
        rules=[line for line in services.rules_on(today) if line.current and line.current.points],
        earned=earned,
        entries=entries,
        page=page,
        more=more,
        orgs=[o for o in (current_user.home_org, current_user.host_org) if o is not None],
    )


@bp.get("/ranking/<int:org_id>")
@login_required
def ranking(org_id: int):
    org = _org(org_id, can_view_ranking)
    year = _year()
    return render_template(
        "points/ranking.html",
        org=org,
        year=year,
        years=_years(),
        lines=reports.ranking(org, year, current_user),
        shows_name=services.shows_name(current_user.id),
    )


@bp.post("/settings")
@login_required
def settings():
    # Only the member's own choice; CSRF is checked for every POST by CSRFProtect.
    show = request.form.get("show_name") == "1"
    services.set_show_name(current_user, show)
    db.session.commit()
    flash("排行榜中将显示您的姓名。" if show else "排行榜中将不显示您的姓名。", "success")
    return redirect(url_for("profile.mine") + "#points")


# Rules (admins) ---------------------------------------------------------------------------------


@bp.get("/rules")
@login_required
def rules():
    if not can_edit_rules(current_user):
        abort(403)
    today = local_today()
    return render_template("points/rules.html", lines=services.rules_on(today), today=today)


@bp.route("/rules/<action>", methods=["GET", "POST"])
@login_required
def edit_rule(action: str):
    if not can_edit_rules(current_user):
        abort(403)
    if action not in ACTIONS:
        abort(404)
    today = local_today()
    form = RuleForm()
    if request.method == "GET":
        current = services.rule_on(action, today)
        if current is not None:
            form.points.data = current.points
            form.daily_cap.data = current.daily_cap
            form.yearly_cap.data = current.yearly_cap
        form.effective_from.data = today
    if form.validate_on_submit():
        fields = services.RuleFields(
            points=form.points.data,
            daily_cap=form.daily_cap.data,
            yearly_cap=form.yearly_cap.data,
            effective_from=form.effective_from.data,
        )
        try:
            services.set_rule(current_user, action, fields, today)
        except services.PointsError as exc:
            db.session.rollback()
            flash(str(exc), "warning")
        else:
            db.session.commit()
            flash(f"“{ACTIONS[action]}”的新规则已保存。", "success")
            return redirect(url_for("points.rules"))
    else:
        _first_error(form)
    return render_template(
        "points/rule_form.html",
        form=form,
        action=action,
        label=ACTIONS[action],
        history=services.rule_history(action),
        today=today,
    )


# Staff ------------------------------------------------------------------------------------------


def _roots() -> list[Organisation]:
    if current_user.is_admin:
        return report_roots(current_user)
    return read_roots(current_user, managing=True)


@bp.get("/manage/")
@login_required
def report():
    if not can_view_points_reports(current_user):
        abort(403)
    roots = _roots()
    org_id = request.args.get("org", type=int) or (roots[0].id if roots else None)
    org = _org(org_id, can_view_org_points)
    year, page = _year(), _page()
    members, count = reports.member_totals(org, year, page, MEMBERS_PER_PAGE)
    return render_template(
        "points/report.html",
        roots=roots,
        org=org,
        year=year,
        years=_years(),
        members=members,
        count=count,
        page=page,
        pages=max(1, -(-count // MEMBERS_PER_PAGE)),
        per_page=MEMBERS_PER_PAGE,
        branches=reports.branch_totals(org, year),
    )


@bp.get("/manage/export")
@login_required
def export():
    if not can_view_points_reports(current_user):
        abort(403)
    org = _org(request.args.get("org", type=int), can_view_org_points)
    year = _year()
    return download(reports.export(org, year), f"points-{org.id}-{year}.xlsx")


def _member(member_id: int) -> User:
    member = db.session.get(User, member_id)
    # 404 rather than 403: a member elsewhere in the tree is not this viewer's to know of.
    if member is None or not can_view_member_points(current_user, member):
        abort(404)
    return member


@bp.get("/manage/members/<int:member_id>")
@login_required
def member(member_id: int):
    member = _member(member_id)
    form = CorrectionForm(key=secrets.token_urlsafe(16))
    return _member_page(member, form)


def _member_page(member: User, form: CorrectionForm):
    today, page = local_today(), _page()
    entries, more = services.ledger(member.id, page, LEDGER_PER_PAGE)
    return render_template(
        "points/member.html",
        member=member,
        today_total=sum(services.day_points(member.id, today).values()),
        year_total=services.year_total(member.id, today.year),
        year=today.year,
        entries=entries,
        page=page,
        more=more,
        form=form,
        can_correct=can_correct(current_user, member),
    )


@bp.post("/manage/members/<int:member_id>/correct")
@login_required
def correct(member_id: int):
    member = _member(member_id)
    if not can_correct(current_user, member):
        abort(403)
    form = CorrectionForm()
    if not form.validate_on_submit():
        _first_error(form)
        return _member_page(member, form), 400
    try:
        services.correct(current_user, member, form.points.data, form.reason.data, form.key.data)
    except services.PointsError as exc:
        db.session.rollback()
        flash(str(exc), "warning")
        return _member_page(member, form), 400
    db.session.commit()
    flash("更正已记入积分明细。", "success")
    return redirect(url_for("points.member", member_id=member.id))
