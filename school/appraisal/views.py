"""Democratic appraisal pages: the member's rounds (self-appraisal, peer ballot, grade) and the
staff's list, new round and round page (participants, turnout, counts and grading).

Peer grades travel only in POST bodies (the confirm step and the vote), never in a URL; after
voting the member sees when they voted, never what. No page shows a ballot.
"""

from datetime import UTC

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from school.appraisal import services
from school.appraisal.forms import ActionForm, GradeForm, RoundForm, SelfForm
from school.appraisal.models import GRADES, STATES, AppraisalRound
from school.appraisal.permissions import can_create, can_grade, can_view_round
from school.ballots.secret import BallotError, UnknownSubject, voted_at
from school.clock import local_zone, to_local
from school.db import db, utcnow
from school.targets.services import result_for

bp = Blueprint("appraisal", __name__, url_prefix="/appraisal", template_folder="templates")


@bp.before_request
@login_required
def _signed_in():
    """Every appraisal page needs a login; who may see which is checked per page."""


def _load(round_id: int) -> AppraisalRound:
    appraisal = services.load(round_id)
    if appraisal is None:
        abort(404)
    return appraisal


def _taking_part(round_id: int) -> AppraisalRound:
    appraisal = _load(round_id)
    if current_user.id not in services.participant_ids(appraisal):
        abort(404)
    return appraisal


def _staff_round(round_id: int) -> AppraisalRound:
    appraisal = _load(round_id)
    # A round outside the staff member's subtree does not exist for them.
    if not can_view_round(current_user, appraisal):
        abort(404)
    return appraisal


@bp.get("/")
def mine():
    return render_template(
        "appraisal/mine.html",
        rounds=services.for_member(current_user),
        now=utcnow(),
        states=STATES,
    )


def _member_page(appraisal: AppraisalRound, self_form: SelfForm | None = None):
    now = utcnow()
    mine = services.self_of(appraisal, current_user)
    if self_form is None:
        self_form = SelfForm(data={"grade": mine.grade, "body": mine.body} if mine else None)
    target = result_for(current_user, appraisal.year)
    grades = services.current_grades(appraisal)
    return render_template(
        "appraisal/show.html",
        appraisal=appraisal,
        state=appraisal.state(now),
        states=STATES,
        mine=mine,
        self_form=self_form,
        target=target,
        peers=services.peers_of(current_user, appraisal),
        grades=GRADES,
        voted_at=voted_at(appraisal.box, current_user),
        grade=grades.get(current_user.id),
        form=ActionForm(),
    )


@bp.get("/<int:round_id>")
def show(round_id: int):
    appraisal = _load(round_id)
    if current_user.id not in services.participant_ids(appraisal):
        if can_view_round(current_user, appraisal):
            return redirect(url_for("appraisal.manage", round_id=appraisal.id))
        abort(404)
    return _member_page(appraisal)


@bp.post("/<int:round_id>/self")
def save_self(round_id: int):
    appraisal = _taking_part(round_id)
    form = SelfForm()
    if not form.validate_on_submit():
        return _member_page(appraisal, form), 400
    try:
        services.save_self(
            current_user, appraisal, form.grade.data or "", form.body.data or "", utcnow()
        )
    except BallotError as error:
        db.session.rollback()
        flash(str(error), "warning")
    else:
        db.session.commit()
        flash("自我评议已保存，评议结束前还可以修改。", "success")
    return redirect(url_for("appraisal.show", round_id=appraisal.id))


def _marks() -> dict[int, str]:
    """The grade given to each peer, from fields named ``mark-<member id>``; anything else in
    such a name is a tampered form."""
    marks: dict[int, str] = {}
    for key, value in request.form.items():
        if not key.startswith("mark-"):
            continue
        raw = key.removeprefix("mark-")
        if not (raw.isascii() and raw.isdigit() and len(raw) < 12):
            raise UnknownSubject("选票上没有您选的对象，请刷新页面后重新选择。")
        marks[int(raw)] = value
    return marks


@bp.post("/<int:round_id>/confirm")
def confirm(round_id: int):
    appraisal = _taking_part(round_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        marks = _marks()
        services.check_marks(current_user, appraisal, marks)
    except BallotError as error:
        flash(str(error), "warning")
        return redirect(url_for("appraisal.show", round_id=appraisal.id) + "#ballot")
    return render_template(
        "appraisal/confirm.html",
        appraisal=appraisal,
        rows=[(p, marks[p.id]) for p in services.peers_of(current_user, appraisal)],
        form=form,
    )


@bp.post("/<int:round_id>/vote")
def vote(round_id: int):
    appraisal = _taking_part(round_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.vote(current_user, appraisal, _marks(), utcnow())
    except BallotError as error:
        db.session.rollback()
        flash(str(error), "warning")
    else:
        db.session.commit()
        flash("投票成功。测评票不记名，任何人都看不到您给谁评了什么等次。", "success")
    return redirect(url_for("appraisal.show", round_id=appraisal.id) + "#ballot")


@bp.get("/manage/")
def index():
    if not current_user.is_staff:
        abort(403)
    rounds = services.visible(current_user)
    return render_template(
        "appraisal/index.html",
        rounds=rounds,
        sizes=services.participant_counts(rounds),
        can_create=can_create(current_user),
        now=utcnow(),
        states=STATES,
    )


@bp.route("/manage/new", methods=["GET", "POST"])
def new():
    if not can_create(current_user):
        abort(403)
    form = RoundForm()
    if request.method == "GET" and form.year.data is None:
        form.year.data = to_local(utcnow()).year
    if form.validate_on_submit():
        zone = local_zone()
        data = services.RoundInput(
            org_text=form.org.data or "",
            side=form.side.data or "",
            year=form.year.data or 0,
            title=form.title.data or "",
            opens_at=form.opens_at.data.replace(tzinfo=zone).astimezone(UTC),
            closes_at=form.closes_at.data.replace(tzinfo=zone).astimezone(UTC),
            min_turnout=form.min_turnout.data or 0,
        )
        try:
            appraisal = services.create_round(current_user, data, utcnow())
        except BallotError as error:
            db.session.rollback()
            flash(str(error), "warning")
        else:
            db.session.commit()
            flash(f"已创建，参评党员 {len(appraisal.participants)} 人。", "success")
            return redirect(url_for("appraisal.manage", round_id=appraisal.id))
    return render_template("appraisal/new.html", form=form)


@bp.get("/manage/<int:round_id>")
def manage(round_id: int):
    appraisal = _staff_round(round_id)
    now = utcnow()
    peer = services.results(appraisal, now)
    state = appraisal.state(now)
    return render_template(
        "appraisal/round.html",
        appraisal=appraisal,
        state=state,
        states=STATES,
        turnout=peer.turnout,
        results=peer,
        rows=services.board(appraisal, now, peer),
        grades=GRADES,
        can_grade=can_grade(current_user, appraisal) and state == "closed",
        form=GradeForm(),
    )


@bp.post("/manage/<int:round_id>/grade/<int:member_id>")
def grade(round_id: int, member_id: int):
    appraisal = _staff_round(round_id)
    if not can_grade(current_user, appraisal):
        abort(403)
    form = GradeForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        for errors in form.errors.values():
            flash("；".join(errors), "warning")
        return redirect(url_for("appraisal.manage", round_id=appraisal.id))
    try:
        services.record_grade(
            current_user,
            appraisal,
            member_id,
            form.grade.data or "",
            form.comment.data or "",
            utcnow(),
        )
    except BallotError as error:
        db.session.rollback()
        flash(str(error), "warning")
    else:
        db.session.commit()
        flash("评定已保存并通知本人。", "success")
    return redirect(url_for("appraisal.manage", round_id=appraisal.id) + f"#member-{member_id}")
