"""Commendation pages: the committee's and branches' under /manage/honours, members' under
/honours (我的 → 评先评优). Each view loads (404), checks, calls a service, commits once."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from school import uploads
from school.auth.models import User
from school.clock import current_year, local_today
from school.db import db
from school.honours import services
from school.honours.evidence import nomination_evidence
from school.honours.forms import (
    NominationForm,
    ObjectionForm,
    PeerForm,
    ResolveForm,
    ReviewForm,
    ReviseForm,
    RevokeForm,
    RoundForm,
)
from school.honours.models import (
    NOMINATION_STATES,
    Honour,
    HonourRound,
    Nomination,
    Objection,
)
from school.honours.permissions import (
    belongs_to,
    can_object,
    can_read_notice,
    can_resolve,
    can_review,
    can_revise,
    can_see_round_as_staff,
    can_view_nomination,
    in_round,
    is_committee,
    runs_round,
    staff_orgs_in,
)
from school.honours.services import IMAGE_LIMIT, HonourError, RoundFields
from school.images import open_path
from school.orgs.permissions import managed_orgs, manages_any

bp = Blueprint("honours", __name__, template_folder="templates")


def _files():
    return uploads.folder("honours")


def _round(round_id: int) -> HonourRound:
    round_ = db.session.get(HonourRound, round_id)
    if round_ is None:
        abort(404)
    return round_


def _staff_round(round_id: int) -> HonourRound:
    round_ = _round(round_id)
    # 404 rather than 403: a round elsewhere in the tree is not this viewer's to know of.
    if not can_see_round_as_staff(current_user, round_):
        abort(404)
    return round_


def _nomination(nomination_id: int) -> Nomination:
    nomination = db.session.get(Nomination, nomination_id)
    if nomination is None or not can_view_nomination(current_user, nomination):
        abort(404)
    return nomination


def _first_error(form) -> None:
    for errors in form.errors.values():
        flash(errors[0], "warning")
        return


# Staff -------------------------------------------------------------------------------------


@bp.get("/manage/honours/")
@login_required
def index():
    if not current_user.is_staff:
        abort(403)
    return render_template(
        "honours/index.html",
        rounds=services.staff_rounds(current_user),
        queue=services.review_queue(current_user),
        can_open=manages_any(current_user),
    )


@bp.route("/manage/honours/new", methods=["GET", "POST"])
@login_required
def new_round():
    orgs = sorted(managed_orgs(current_user), key=lambda o: o.path)
    if not orgs and not current_user.is_admin:
        abort(403)
    form = RoundForm()
    if current_user.is_admin and not orgs:
        orgs = services.open_orgs()
    form.org.choices = [(o.id, o.name) for o in orgs]
    if request.method == "GET":
        form.year.data = current_year()
    if form.validate_on_submit():
        org = next(o for o in orgs if o.id == form.org.data)
        try:
            round_ = services.open_round(
                current_user,
                org,
                RoundFields(
                    year=form.year.data,
                    title=form.title.data,
                    quota=form.quota.data,
                    nomination_deadline=form.nomination_deadline.data,
                    notice_days=form.notice_days.data,
                    cosigners=form.cosigners.data,
                ),
            )
        except HonourError as exc:
            db.session.rollback()
            flash(str(exc), "warning")
        else:
            db.session.commit()
            flash("评先评优已发起。", "success")
            return redirect(url_for("honours.round_page", round_id=round_.id))
    return render_template("honours/round_form.html", form=form)


@bp.get("/manage/honours/<int:round_id>")
@login_required
def round_page(round_id: int):
    round_ = _staff_round(round_id)
    committee = is_committee(current_user, round_)
    nominations = services.visible_nominations(current_user, round_)
    return render_template(
        "honours/round.html",
        round=round_,
        today=local_today(),
        committee=committee,
        runs=runs_round(current_user, round_),
        can_nominate=bool(staff_orgs_in(current_user, round_)) or runs_round(current_user, round_),
        states=NOMINATION_STATES,
        by_state={s: [n for n in nominations if n.state == s] for s in NOMINATION_STATES},
        queue=services.review_queue(current_user, round_),
        objections=services.objections(round_) if committee else [],
        open_objections=services.open_objections(round_),
        approved=len(services.approved(round_)),
        resolve_form=ResolveForm(),
        honours=services.honours_of_round(round_) if committee else [],
        revoke_form=RevokeForm(),
    )


@bp.route("/manage/honours/<int:round_id>/nominate", methods=["GET", "POST"])
@login_required
def staff_nominate(round_id: int):
    round_ = _staff_round(round_id)
    if not (staff_orgs_in(current_user, round_) or runs_round(current_user, round_)):
        abort(403)
    form = NominationForm()
    if form.validate_on_submit():
        member = services.find_member(current_user, round_, form.member.data)
        try:
            if member is None:
                raise HonourError("找不到这名党员，或这名党员不在您管理的范围内。")
            nomination = services.nominate(
                current_user, round_, member, form.reasons.data, form.evidence.data or ""
            )
        except HonourError as exc:
            db.session.rollback()
            flash(str(exc), "warning")
        else:
            db.session.commit()
            flash(f"已推荐{member.name}。", "success")
            return redirect(url_for("honours.nomination", nomination_id=nomination.id))
    return render_template(
        "honours/nominate.html", round=round_, form=form, peer=False, today=local_today()
    )


def _round_action(round_id: int, action, done: str):
    round_ = _staff_round(round_id)
    if not runs_round(current_user, round_):
        abort(403)
    try:
        action(round_)
    except HonourError as exc:
        db.session.rollback()
        flash(str(exc), "warning")
    else:
        db.session.commit()
        flash(done, "success")
    return redirect(url_for("honours.round_page", round_id=round_.id))


@bp.post("/manage/honours/<int:round_id>/notice")
@login_required
def start_notice(round_id: int):
    return _round_action(
        round_id,
        lambda r: services.start_notice(current_user, r),
        "公示已开始，本范围的党员可以查看公示并提出异议。",
    )


@bp.post("/manage/honours/<int:round_id>/publish")
@login_required
def publish(round_id: int):
    return _round_action(
        round_id,
        lambda r: services.publish(current_user, r),
        "评选结果已公布，荣誉已记入党员档案。",
    )


@bp.get("/manage/honours/nominations/<int:nomination_id>")
@login_required
def nomination(nomination_id: int):
    nomination = _nomination(nomination_id)
    return render_template(
        "honours/nomination.html",
        n=nomination,
        evidence=nomination_evidence.context(current_user, nomination),
        levels=services.levels(nomination),
        can_review=can_review(current_user, nomination),
        can_revise=can_revise(current_user, nomination),
        form=ReviewForm(),
    )


@bp.post("/manage/honours/nominations/<int:nomination_id>/review")
@login_required
def review(nomination_id: int):
    nomination = _nomination(nomination_id)
    if not can_review(current_user, nomination):
        abort(403)
    form = ReviewForm()
    if not form.validate_on_submit():
        _first_error(form)
    else:
        try:
            services.review(
                current_user,
                nomination,
                approve=form.decision.data == "approve",
                comment=form.comment.data or "",
            )
        except HonourError as exc:
            db.session.rollback()
            flash(str(exc), "warning")
        else:
            db.session.commit()
            flash("审核意见已记录。", "success")
    return redirect(url_for("honours.nomination", nomination_id=nomination.id))


def _objection(objection_id: int) -> tuple[Objection, HonourRound]:
    objection = db.session.get(Objection, objection_id)
    if objection is None:
        abort(404)
    round_ = objection.nomination.round
    # The objector's name and file are for the round's committee only.
    if not is_committee(current_user, round_):
        abort(404)
    return objection, round_


@bp.post("/manage/honours/objections/<int:objection_id>/resolve")
@login_required
def resolve(objection_id: int):
    objection, round_ = _objection(objection_id)
    if not can_resolve(current_user, objection, round_):
        abort(403)
    form = ResolveForm()
    if not form.validate_on_submit():
        _first_error(form)
    else:
        try:
            services.resolve(
                current_user, objection, upheld=form.decision.data == "upheld", text=form.text.data
            )
        except HonourError as exc:
            db.session.rollback()
            flash(str(exc), "warning")
        else:
            db.session.commit()
            flash("异议已处理，已通知提出人。", "success")
    return redirect(url_for("honours.round_page", round_id=round_.id, _anchor="objections"))


@bp.get("/manage/honours/objections/<int:objection_id>/image")
@login_required
def objection_image(objection_id: int):
    objection, _ = _objection(objection_id)
    path = open_path(_files(), objection.file_name) if objection.file_name else None
    if path is None:
        abort(404)
    response = send_file(path, mimetype=objection.file_mime, max_age=0)
    response.headers["Content-Disposition"] = "inline"
    return response


@bp.post("/manage/honours/records/<int:honour_id>/revoke")
@login_required
def revoke(honour_id: int):
    honour = db.session.get(Honour, honour_id)
    round_ = db.session.get(HonourRound, honour.round_id) if honour and honour.round_id else None
    if round_ is None or honour.kind != "award" or not is_committee(current_user, round_):
        abort(404)
    if not runs_round(current_user, round_):
        abort(403)
    form = RevokeForm()
    if not form.validate_on_submit():
        _first_error(form)
    else:
        try:
            services.revoke_honour(current_user, honour, form.reason.data)
        except HonourError as exc:
            db.session.rollback()
            flash(str(exc), "warning")
        else:
            db.session.commit()
            flash("已撤销，撤销记录已记入党员档案。", "success")
    return redirect(url_for("honours.round_page", round_id=round_.id, _anchor="honours"))


# Members -----------------------------------------------------------------------------------


@bp.get("/honours/")
@login_required
def mine():
    today = local_today()
    rounds = services.member_rounds(current_user)
    return render_template(
        "honours/mine.html",
        today=today,
        nominating=[r for r in rounds if r.accepts_nominations(today)],
        notices=[r for r in rounds if r.state != "nominating"],
        requests=services.cosign_requests(current_user, today),
        nominations=services.my_nominations(current_user),
        honours=services.honours_of(current_user),
    )


@bp.route("/honours/rounds/<int:round_id>/nominate", methods=["GET", "POST"])
@login_required
def peer_nominate(round_id: int):
    round_ = _round(round_id)
    if not in_round(current_user, round_):
        abort(404)
    form = PeerForm()
    fellows = services.branch_fellows(current_user, round_)
    form.member.choices = [(u.id, u.name) for u in fellows]
    if form.validate_on_submit():
        member = db.session.get(User, form.member.data)
        try:
            services.nominate(
                current_user, round_, member, form.reasons.data, form.evidence.data or "", peer=True
            )
        except HonourError as exc:
            db.session.rollback()
            flash(str(exc), "warning")
        else:
            db.session.commit()
            flash(
                f"推荐已提交，需要本支部 {round_.cosigners} 名党员联名后才进入审核。"
                if round_.cosigners
                else "推荐已提交，进入审核。",
                "success",
            )
            return redirect(url_for("honours.mine"))
    return render_template(
        "honours/nominate.html", round=round_, form=form, peer=True, today=local_today()
    )


@bp.post("/honours/nominations/<int:nomination_id>/cosign")
@login_required
def cosign(nomination_id: int):
    nomination = db.session.get(Nomination, nomination_id)
    if nomination is None or not (
        can_view_nomination(current_user, nomination)
        or (nomination.kind == "peer" and belongs_to(current_user, nomination.origin_org_id))
    ):
        abort(404)
    try:
        services.cosign(current_user, nomination)
    except HonourError as exc:
        db.session.rollback()
        flash(str(exc), "warning")
    else:
        db.session.commit()
        flash("已联名。", "success")
    return redirect(url_for("honours.mine"))


@bp.route("/honours/nominations/<int:nomination_id>/revise", methods=["GET", "POST"])
@login_required
def revise(nomination_id: int):
    nomination = _nomination(nomination_id)
    if current_user.id != nomination.nominator_id:
        abort(404)
    form = ReviseForm(obj=nomination)
    if form.validate_on_submit():
        try:
            services.revise(current_user, nomination, form.reasons.data, form.evidence.data or "")
        except HonourError as exc:
            db.session.rollback()
            flash(str(exc), "warning")
        else:
            db.session.commit()
            flash("已修改并重新提交审核。", "success")
            return redirect(url_for("honours.mine"))
    return render_template(
        "honours/revise.html",
        n=nomination,
        form=form,
        can_revise=can_revise(current_user, nomination),
    )


def _notice_page(round_: HonourRound, form: ObjectionForm):
    listed = services.approved(round_)
    form.nomination.choices = [(n.id, n.member.name) for n in listed]
    today = local_today()
    return render_template(
        "honours/notice.html",
        round=round_,
        listed=listed,
        form=form,
        may_object=can_object(current_user, round_) and round_.in_notice(today),
        mine=[o for o in services.objections(round_) if o.author_id == current_user.id],
        today=today,
    )


@bp.get("/honours/rounds/<int:round_id>/notice")
@login_required
def notice(round_id: int):
    round_ = _round(round_id)
    if not can_read_notice(current_user, round_):
        abort(404)
    return _notice_page(round_, ObjectionForm())


@bp.post("/honours/rounds/<int:round_id>/object")
@login_required
@uploads.accepts(IMAGE_LIMIT)
def object_to(round_id: int):
    round_ = _round(round_id)
    if not can_read_notice(current_user, round_):
        abort(404)
    form = ObjectionForm()
    listed = {n.id: n for n in services.approved(round_)}
    form.nomination.choices = [(n.id, n.member.name) for n in listed.values()]
    if form.validate_on_submit():
        upload = form.image.data
        file = (upload.read(), upload.filename) if upload and upload.filename else None
        try:
            services.object_to(
                current_user,
                listed[form.nomination.data],
                form.body.data,
                file=file,
                folder=_files(),
            )
        except HonourError as exc:
            db.session.rollback()
            flash(str(exc), "warning")
        else:
            db.session.commit()
            flash("异议已提交，党委处理后会通知您。您的姓名只有党委工作人员能看到。", "success")
            return redirect(url_for("honours.notice", round_id=round_.id))
    return _notice_page(round_, form)
