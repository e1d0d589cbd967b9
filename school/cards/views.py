"""The member's own card, its verification page and staff actions on cards."""

from datetime import datetime
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    send_file,
    url_for,
)
from flask_login import current_user, login_required

from school import qr, uploads
from school.archive.services import log_access
from school.auth.models import User
from school.cards import services
from school.cards.forms import PHOTO_LIMIT, PhotoForm, RecordForm
from school.cards.page import card_page
from school.cards.permissions import (
    can_add_record,
    can_read_card,
    can_revoke_card,
    can_view_photo,
)
from school.cards.services import RECORD_KINDS, STATES, CardError
from school.clock import to_local
from school.db import db, utcnow
from school.extensions import limiter
from school.images import ImageRejected, open_path, store_image
from school.members.services import shown_phone
from school.urls import external_url

bp = Blueprint("cards", __name__, template_folder="templates")

PHOTO_MAX_PIXELS = 24_000_000


def _photos() -> Path:
    return uploads.folder("photos")


def _remove_photo(name: str | None) -> None:
    """Delete a photo file that the committed database no longer points at."""
    path = open_path(_photos(), name) if name else None
    if path is not None:
        path.unlink(missing_ok=True)


@bp.get("/card")
@login_required
def mine():
    now = utcnow()
    card = services.current_card(current_user, now)
    db.session.commit()  # a card issued on first view, or a replaced expired one
    # Printed in a QR code: a full link on the configured address, never the request's Host.
    url = external_url("cards.verify", token=services.sign_link(card))
    minutes = services.link_minutes()
    return render_template(
        "cards/card.html",
        member=current_user,
        card=card,
        qr=qr.svg(url, "电子卡二维码"),
        link_minutes=minutes,
        refresh_seconds=max(30, (minutes - 1) * 60),
        # The live clock shows the server's time in the school's zone, whatever the phone's
        # clock says; the card turns grey on the page when its validity runs out.
        now_ms=_epoch_ms(now),
        clock_text=to_local(now).strftime("%Y-%m-%d %H:%M:%S"),
        expires_ms=_epoch_ms(card.expires_at),
        zone=current_app.config["TIMEZONE"],
        photo_form=PhotoForm(),
        **card_page.context(current_user, current_user),
    )


def _epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


@bp.post("/card/reissue")
@login_required
def reissue():
    services.reissue(current_user, current_user)
    db.session.commit()
    flash("已重新生成电子卡，旧二维码已失效。", "success")
    return redirect(url_for("cards.mine"))


@bp.post("/card/photo")
@login_required
@uploads.accepts(PHOTO_LIMIT)
def upload_photo():
    form = PhotoForm()
    if not form.validate_on_submit():
        for error in form.photo.errors:
            flash(error, "warning")
        return redirect(url_for("cards.mine"))
    upload = form.photo.data
    try:
        stored = store_image(
            upload.read(),
            upload.filename or "",
            _photos(),
            max_bytes=uploads.limit_bytes(PHOTO_LIMIT),
            max_pixels=PHOTO_MAX_PIXELS,
        )
    except ImageRejected as exc:
        flash(str(exc), "warning")
        return redirect(url_for("cards.mine"))
    old = services.set_photo(current_user, stored.name)
    db.session.commit()
    _remove_photo(old)
    flash("照片已更新。", "success")
    return redirect(url_for("cards.mine"))


@bp.post("/card/photo/delete")
@login_required
def delete_photo():
    old = services.clear_photo(current_user)
    db.session.commit()
    _remove_photo(old)
    flash("照片已删除。" if old else "电子卡上没有照片。", "info")
    return redirect(url_for("cards.mine"))


@bp.get("/card/photo/<int:member_id>")
@login_required
def photo(member_id: int):
    member = db.session.get(User, member_id)
    if member is None or not can_view_photo(current_user, member) or not member.photo_name:
        abort(404)
    path = open_path(_photos(), member.photo_name)
    if path is None:
        abort(404)
    return _send_photo(path)


def _send_photo(path: Path):
    # A face is personal data: security.py marks the response no-store, as every page but static.
    response = send_file(path, max_age=0)
    response.headers["Content-Disposition"] = "inline"
    return response


def _verify_page(token: str, scan: services.Scan, form: RecordForm | None):
    """The scan result: the state for everyone; the holder's name and photo, as an ID card
    shows them, for a fresh link; everything else only for the member's own staff."""
    card = scan.card
    member = db.session.get(User, card.member_id) if card is not None else None
    context = {"state": scan.state, "state_label": STATES[scan.state], "token": token}
    if member is not None and can_read_card(current_user, member):
        log_access(current_user, member)  # the page shows the member's study record
        db.session.commit()
        context.update(
            member=member,
            card=card,
            phone=shown_phone(current_user, member),
            summary=services.study_summary(member),
            can_add=can_add_record(current_user, member),
            form=form or RecordForm(occurred_on=to_local(utcnow()).date()),
            record_kinds=RECORD_KINDS,
            **card_page.context(current_user, member),
        )
    elif member is not None and scan.shows_holder:
        # Two values, not the member: the template cannot show what it is not given.
        photo = url_for("cards.holder_photo", token=token) if member.photo_name else None
        context.update(holder_name=member.name, holder_photo=photo)
    response = make_response(render_template("cards/verify.html", **context))
    # A card can be revoked at any moment: never answer a scan from a cache.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/card/v/<token>")
@limiter.limit("60 per minute")
def verify(token: str):
    return _verify_page(token, services.scan(token), None)


@bp.get("/card/v/<token>/photo")
@limiter.limit("60 per minute")
def holder_photo(token: str):
    """The holder's photo for whoever scanned a fresh link, signed in or not."""
    scan = services.scan(token)
    member = db.session.get(User, scan.card.member_id) if scan.shows_holder else None
    path = open_path(_photos(), member.photo_name) if member and member.photo_name else None
    if path is None:
        abort(404)
    return _send_photo(path)


@bp.post("/card/v/<token>/record")
@login_required
def record(token: str):
    scan = services.scan(token)
    member = db.session.get(User, scan.card.member_id) if scan.card is not None else None
    if member is None or not can_read_card(current_user, member):
        abort(404)
    if not can_add_record(current_user, member):
        abort(403)
    form = RecordForm()
    if form.validate_on_submit():
        try:
            if form.kind.data == "education":
                services.add_education_record(
                    member,
                    current_user,
                    occurred_on=form.occurred_on.data,
                    title=form.text.data,
                    hours=form.hours.data,
                )
            else:
                services.add_management_note(
                    member, current_user, occurred_on=form.occurred_on.data, body=form.text.data
                )
        except CardError as exc:  # raised before anything is written
            form.text.errors = [*form.text.errors, str(exc)]
        else:
            db.session.commit()
            flash(f"已添加{RECORD_KINDS[form.kind.data]}。", "success")
            return redirect(url_for("cards.verify", token=token))
    return _verify_page(token, scan, form)


@bp.post("/manage/members/<int:member_id>/card/revoke", endpoint="revoke")
@login_required
def revoke_card(member_id: int):
    member = db.session.get(User, member_id)
    if member is None or not can_read_card(current_user, member):
        abort(404)
    if not can_revoke_card(current_user, member):
        abort(403)
    try:
        services.revoke(member, current_user)
    except CardError as exc:
        flash(str(exc), "info")
    else:
        db.session.commit()
        flash(f"{member.name}的电子卡已作废，旧二维码已失效。", "success")
    return redirect(url_for("members.member", member_id=member.id))
