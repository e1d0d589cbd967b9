"""Following up: overdue lists, reminders and the periodic reports home (定期通报)."""

import secrets

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from school import messaging
from school.clock import local_today
from school.db import db
from school.orgs.models import Organisation
from school.orgs.scope import RELATIONS
from school.reports import bulletins as bulletin_service
from school.reports import overdue as overdue_service
from school.reports import periods
from school.reports import reminders as reminder_service
from school.reports.bulletins import BulletinError
from school.reports.models import Bulletin, ReminderBatch
from school.reports.overdue import OverdueFilter
from school.reports.periods import BadPeriod
from school.reports.permissions import (
    can_follow_up,
    can_view_bulletin,
    can_view_reminder_batch,
    can_view_reports,
)
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
        pick_limit=reminder_service.PICK_LIMIT,
    )


def _audience(values) -> reminder_service.Audience:
    return reminder_service.Audience.parse(
        values.get("relation"),
        values.get("floating"),
        values.get("scope"),
        values.getlist("member"),
    )


def _compose_args(audience: reminder_service.Audience, message: str, channel: str) -> dict:
    """The compose page's query for this audience and message (links back keep both)."""
    args = {"relation": audience.filt.relation, "message": message, "channel": channel}
    if audience.filt.floating_only:
        args["floating"] = "1"
    if audience.picked:
        args["scope"], args["member"] = "picked", list(audience.member_ids)
    else:
        args["scope"] = "all"
    return args


def _compose_page(org, audience, message: str, channel: str, error: str | None = None):
    plan = None
    try:
        template = reminder_service.check_template(message)
        channel = reminder_service.check_channel(channel)
        plan = reminder_service.plan(org, audience, template, channel)
    except reminder_service.ReminderError as exc:
        error = error or str(exc)
    return render_template(
        "reports/remind_compose.html",
        org=org,
        audience=audience,
        message=message,
        channel=channel,
        plan=plan,
        error=error,
        token=secrets.token_hex(16),
        placeholders=reminder_service.PLACEHOLDERS,
        channels=reminder_service.CHANNELS,
        limit=reminder_service.MESSAGE_LIMIT,
    )


@bp.get("/<int:org_id>/overdue/remind")
def compose(org_id: int):
    org = _managed_org(org_id)
    message = request.args.get("message", reminder_service.DEFAULT_TEMPLATE)
    channel = request.args.get("channel", "inapp")
    return _compose_page(org, _audience(request.args), message, channel)


@bp.post("/<int:org_id>/overdue/remind")
def remind(org_id: int):
    org = _managed_org(org_id)
    audience = _audience(request.form)
    message, channel = request.form.get("message", ""), request.form.get("channel", "")
    try:
        batch = reminder_service.send(
            current_user,
            org,
            audience,
            message,
            channel,
            request.form.get("token", ""),
            request.form.get("expected", type=int),
            url_for("courses.catalogue"),
        )
    except reminder_service.AlreadySent as exc:
        db.session.rollback()
        flash(str(exc), "info")
        return redirect(url_for("followup.reminder_batch", batch_id=exc.batch.id))
    except reminder_service.CountChanged as exc:
        db.session.rollback()
        # Shown again with the new count; nothing was sent.
        return _compose_page(org, audience, message, channel, error=str(exc))
    except reminder_service.ReminderError as exc:
        db.session.rollback()
        flash(str(exc), "warning")
        return redirect(
            url_for("followup.compose", org_id=org.id, **_compose_args(audience, message, channel))
        )
    db.session.commit()
    queued = reminder_service.queued_count(batch) if batch.channel != "inapp" else 0
    delivered = None
    # Small batches' email/SMS go out now, after the commit; larger ones wait for
    # `flask reminders deliver` (README, "Reminders").
    if queued and queued <= current_app.config["REMINDER_DELIVER_INLINE"]:
        delivered = reminder_service.deliver_queued(current_app.config, batch=batch)
        db.session.commit()
    flash(_sent_message(batch, queued, delivered), "success")
    return redirect(url_for("followup.reminder_batch", batch_id=batch.id))


def _sent_message(batch, queued: int, delivered) -> str:
    text = f"已提醒 {batch.recipients:,} 人"
    if batch.skipped:
        text += f"，另有 {batch.skipped:,} 人 7 天内已提醒过，未重复提醒"
    text += "。"
    label = messaging.CHANNELS.get(batch.channel, "")
    if delivered is not None:
        text += f"{label}：{delivered.sent} 条已发送"
        if delivered.failed:
            text += f"，{delivered.failed} 条发送失败"
        if delivered.waiting:
            text += f"，{delivered.waiting} 条因无法连接服务器稍后重试"
        return text + "。"
    return text + (f"{label}：{queued:,} 条已排队，稍后发送。" if queued else "")


@bp.get("/<int:org_id>/reminders")
def reminder_batches(org_id: int):
    org = _load_org(org_id)
    page = max(1, request.args.get("page", 1, type=int))
    rows, total = reminder_service.batches_of(org, page)
    return render_template(
        "reports/remind_batches.html",
        org=org,
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // 20)),
        channels=reminder_service.CHANNELS,
    )


@bp.get("/reminders/<int:batch_id>")
def reminder_batch(batch_id: int):
    batch = db.session.get(ReminderBatch, batch_id)
    if batch is None or not can_view_reminder_batch(current_user, batch):
        abort(404)
    page = max(1, request.args.get("page", 1, type=int))
    lines, total = reminder_service.batch_lines(batch, page)
    return render_template(
        "reports/remind_batch.html",
        batch=batch,
        org=batch.org,
        lines=lines,
        total=total,
        page=page,
        pages=max(1, -(-total // 50)),
        states=reminder_service.batch_states(batch),
        state_labels=reminder_service.STATES,
        channels=reminder_service.CHANNELS,
        channel_labels=messaging.CHANNELS,
        # Contacts in full for the members' managers, masked for viewers and admins (as phones
        # are on the overdue list: school/members/permissions.py can_see_phone).
        full_addresses=can_follow_up(current_user, batch.org) and not current_user.is_admin,
        masked=reminder_service.masked_address,
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
