"""Following up: overdue lists, reminders and the periodic reports home (定期通报)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from school.clock import local_today
from school.db import db
from school.orgs.models import Organisation
from school.orgs.scope import RELATIONS
from school.reports import bulletins as bulletin_service
from school.reports import overdue as overdue_service
from school.reports import periods
from school.reports.bulletins import BulletinError
from school.reports.models import Bulletin
from school.reports.overdue import OverdueFilter
from school.reports.periods import BadPeriod
from school.reports.permissions import can_follow_up, can_view_bulletin, can_view_reports
from school.reports.status import STATUSES

bp = Blueprint("followup", __name__, url_prefix="/reports", template_folder="templates")


@bp.before_request
@login_required
def _signed_in():
    """Every page here needs a login; which organisations a user may see is checked per page."""


def _load_org(org_id: int) -> Organisation:
    org = db.session.get(Organisation, org_id)
    # Outside the viewer's subtree an organisation's reports do not exist for them.
    if org is None or not can_view_reports(current_user, org):
        abort(404)
    return org


def _managed_org(org_id: int) -> Organisation:
    org = _load_org(org_id)
    if not can_follow_up(current_user, org):
        abort(403)
    return org


@bp.get("/<int:org_id>/overdue")
def overdue(org_id: int):
    org = _load_org(org_id)
    filt = OverdueFilter.parse(request.args.get("relation"), request.args.get("floating"))
    listing = overdue_service.overdue_page(
        current_user, org, filt, page=request.args.get("page", 1, type=int)
    )
    return render_template(
        "reports/followup_overdue.html",
        org=org,
        filt=filt,
        listing=listing,
        relations=RELATIONS,
        statuses=STATUSES,
        today=local_today(),
        can_remind=can_follow_up(current_user, org),
    )


@bp.post("/<int:org_id>/overdue/remind")
def remind(org_id: int):
    org = _managed_org(org_id)
    filt = OverdueFilter.parse(request.form.get("relation"), request.form.get("floating"))
    result = overdue_service.remind_overdue(current_user, org, filt, url_for("courses.catalogue"))
    db.session.commit()
    flash(f"已提醒 {result.sent} 人，{result.skipped} 人本周已提醒过。", "success")
    floating = "1" if filt.floating_only else None
    return redirect(
        url_for("followup.overdue", org_id=org.id, relation=filt.relation, floating=floating)
    )


@bp.get("/<int:org_id>/bulletins")
def bulletins(org_id: int):
    org = _load_org(org_id)
    today = local_today()
    return render_template(
        "reports/bulletin_index.html",
        org=org,
        periods=periods.recent_periods(today),
        default=periods.last_complete_month(today),
        sent=bulletin_service.sent_from(org),
        can_send=can_follow_up(current_user, org),
    )


@bp.get("/<int:org_id>/bulletins/preview")
def preview(org_id: int):
    org = _load_org(org_id)
    try:
        period = periods.parse_period(request.args.get("period"), local_today())
    except BadPeriod as error:
        flash(str(error), "warning")
        return redirect(url_for("followup.bulletins", org_id=org.id))
    return render_template(
        "reports/bulletin_preview.html",
        org=org,
        period=period,
        groups=bulletin_service.bulletin_preview(org, period),
        can_send=can_follow_up(current_user, org),
    )


@bp.post("/<int:org_id>/bulletins/send")
def send(org_id: int):
    org = _managed_org(org_id)
    try:
        period = periods.parse_period(request.form.get("period"), local_today())
        result = bulletin_service.send_bulletins(
            current_user,
            org,
            period,
            lambda bulletin: url_for("followup.bulletin", bulletin_id=bulletin.id),
        )
    except (BadPeriod, BulletinError) as error:
        db.session.rollback()
        flash(str(error), "warning")
        return redirect(url_for("followup.bulletins", org_id=org.id))
    db.session.commit()
    message = f"已向 {len(result.sent)} 个党组织发送{period.label}定期通报。"
    if result.already:
        message += f"另有 {len(result.already)} 个党组织本期已发送过，未重复发送。"
    flash(message, "success")
    return redirect(url_for("followup.bulletins", org_id=org.id))


@bp.get("/<int:org_id>/received")
def received(org_id: int):
    org = _load_org(org_id)
    page = max(1, request.args.get("page", 1, type=int))
    rows, total = bulletin_service.received(org, page)
    return render_template(
        "reports/bulletin_received.html",
        org=org,
        bulletins=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // bulletin_service.PER_PAGE)),
    )


@bp.get("/bulletins/<int:bulletin_id>")
def bulletin(bulletin_id: int):
    item = db.session.get(Bulletin, bulletin_id)
    if item is None or not can_view_bulletin(current_user, item):
        abort(404)
    if bulletin_service.open_bulletin(current_user, item):
        db.session.commit()
    return render_template(
        "reports/bulletin_show.html",
        bulletin=item,
        host_side=can_view_reports(current_user, item.host_org),
        home_side=can_view_reports(current_user, item.home_org),
    )
