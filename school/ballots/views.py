"""Recommendation ballot pages: the member's ballots and vote, the staff's list, editor and audit.

Choices travel only in POST bodies (the confirm step and the vote), never in a URL, so no access
log line holds them; after voting the member sees when they voted, never what.
"""

from datetime import UTC

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from school.ballots import services
from school.ballots.exports import results_xlsx
from school.ballots.forms import ActionForm, RecommendationForm
from school.ballots.models import STATES, Recommendation
from school.ballots.permissions import can_audit, can_create, can_manage, can_vote_page
from school.ballots.secret import BallotError, UnknownSubject, voted_at
from school.clock import local_zone, to_local
from school.db import db, utcnow
from school.spreadsheets import download

bp = Blueprint("ballots", __name__, url_prefix="/ballots", template_folder="templates")


@bp.before_request
@login_required
def _signed_in():
    """Every ballot page needs a login; who may see which is checked per page."""


def _load(recommendation_id: int) -> Recommendation:
    recommendation = services.load(recommendation_id)
    if recommendation is None:
        abort(404)
    return recommendation


def _audited(recommendation_id: int) -> Recommendation:
    recommendation = _load(recommendation_id)
    # A ballot the staff member may not audit does not exist for them (members included).
    if not can_audit(current_user, recommendation):
        abort(404)
    return recommendation


def _managed(recommendation_id: int) -> Recommendation:
    recommendation = _audited(recommendation_id)
    if not can_manage(current_user, recommendation):
        abort(403)
    return recommendation


def _voting(recommendation_id: int) -> Recommendation:
    recommendation = _load(recommendation_id)
    services.load_places(current_user)
    if not can_vote_page(current_user, recommendation):
        abort(404)
    return recommendation


@bp.get("/")
def mine():
    return render_template(
        "ballots/mine.html", ballots=services.for_member(current_user, utcnow()), now=utcnow()
    )


@bp.get("/<int:recommendation_id>")
def show(recommendation_id: int):
    recommendation = _load(recommendation_id)
    services.load_places(current_user)
    if not can_vote_page(current_user, recommendation):
        if can_audit(current_user, recommendation):
            return redirect(url_for("ballots.audit", recommendation_id=recommendation.id))
        abort(404)
    now = utcnow()
    return render_template(
        "ballots/show.html",
        recommendation=recommendation,
        state=recommendation.state(now),
        voted_at=voted_at(recommendation.box, current_user),
        form=ActionForm(),
    )


def _chosen(recommendation: Recommendation) -> list[int]:
    """The ticked candidate ids; anything else is a tampered form."""
    values = request.form.getlist("candidate")
    if not all(v.isascii() and v.isdigit() and len(v) < 12 for v in values):
        raise UnknownSubject("选票上没有您选的对象，请刷新页面后重新选择。")
    return list(dict.fromkeys(int(v) for v in values))


@bp.post("/<int:recommendation_id>/confirm")
def confirm(recommendation_id: int):
    recommendation = _voting(recommendation_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        chosen = _chosen(recommendation)
        known = {c.id: c for c in recommendation.candidates}
        if any(c not in known for c in chosen):
            raise UnknownSubject("选票上没有您选的对象，请刷新页面后重新选择。")
        if len(chosen) > recommendation.max_choices:
            raise BallotError(f"最多只能选 {recommendation.max_choices} 人。")
    except BallotError as error:
        flash(str(error), "warning")
        return redirect(url_for("ballots.show", recommendation_id=recommendation.id))
    return render_template(
        "ballots/confirm.html",
        recommendation=recommendation,
        chosen=[known[c] for c in chosen],
        form=form,
    )


@bp.post("/<int:recommendation_id>/vote")
def vote(recommendation_id: int):
    recommendation = _voting(recommendation_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.vote(current_user, recommendation, _chosen(recommendation), utcnow())
    except BallotError as error:
        db.session.rollback()
        flash(str(error), "warning")
    else:
        db.session.commit()
        flash("投票成功。您的选票不记名，任何人都看不到您选了谁。", "success")
    return redirect(url_for("ballots.show", recommendation_id=recommendation.id))


@bp.get("/manage/")
def index():
    if not current_user.is_staff:
        abort(403)
    return render_template(
        "ballots/index.html",
        recommendations=services.visible(current_user),
        can_create=can_create(current_user),
        now=utcnow(),
        states=STATES,
    )


def _input(form: RecommendationForm) -> services.RecommendationInput:
    zone = local_zone()
    return services.RecommendationInput(
        title=form.title.data or "",
        kind=form.kind.data or "",
        org_text=form.org.data or "",
        description=form.description.data or "",
        candidates_text=form.candidates.data or "",
        targets_text=form.targets.data or "",
        max_choices=form.max_choices.data or 0,
        opens_at=form.opens_at.data.replace(tzinfo=zone).astimezone(UTC),
        closes_at=form.closes_at.data.replace(tzinfo=zone).astimezone(UTC),
    )


def _save(form: RecommendationForm, recommendation: Recommendation | None):
    if not form.validate_on_submit():
        return None
    try:
        saved = services.save(current_user, _input(form), utcnow(), recommendation)
    except BallotError as error:
        db.session.rollback()
        flash(str(error), "warning")
        return None
    db.session.commit()
    flash("已保存。开始时间之前还可以修改或取消。", "success")
    return redirect(url_for("ballots.audit", recommendation_id=saved.id))


@bp.route("/manage/new", methods=["GET", "POST"])
def new():
    if not can_create(current_user):
        abort(403)
    form = RecommendationForm()
    return _save(form, None) or render_template("ballots/edit.html", form=form, recommendation=None)


@bp.route("/manage/<int:recommendation_id>/edit", methods=["GET", "POST"])
def edit(recommendation_id: int):
    recommendation = _managed(recommendation_id)
    if recommendation.state(utcnow()) != "scheduled":
        flash("投票已经开始、结束或已取消，不能再修改。", "warning")
        return redirect(url_for("ballots.audit", recommendation_id=recommendation.id))
    form = RecommendationForm()
    if request.method == "GET":
        box = recommendation.box
        form.process(
            data={
                "title": recommendation.title,
                "kind": recommendation.kind,
                "org": recommendation.org.code or recommendation.org.name,
                "description": recommendation.description,
                "candidates": "\n".join(
                    " | ".join([c.name, c.introduction] + ([c.member.username] if c.member else []))
                    for c in recommendation.candidates
                ),
                "targets": "\n".join(services.target_line(t) for t in recommendation.targets),
                "max_choices": recommendation.max_choices,
                "opens_at": to_local(box.opens_at).replace(tzinfo=None),
                "closes_at": to_local(box.closes_at).replace(tzinfo=None),
            }
        )
    return _save(form, recommendation) or render_template(
        "ballots/edit.html", form=form, recommendation=recommendation
    )


@bp.post("/manage/<int:recommendation_id>/cancel")
def cancel(recommendation_id: int):
    recommendation = _managed(recommendation_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.cancel(current_user, recommendation, utcnow())
    except BallotError as error:
        db.session.rollback()
        flash(str(error), "warning")
    else:
        db.session.commit()
        flash("投票已取消。", "success")
    return redirect(url_for("ballots.audit", recommendation_id=recommendation.id))


@bp.get("/manage/<int:recommendation_id>")
def audit(recommendation_id: int):
    recommendation = _audited(recommendation_id)
    now = utcnow()
    state = recommendation.state(now)
    return render_template(
        "ballots/audit.html",
        recommendation=recommendation,
        state=state,
        state_label=STATES[state],
        audit=services.audit(recommendation, now),
        log=recommendation.log,
        can_manage=can_manage(current_user, recommendation),
        form=ActionForm(),
        now=now,
    )


@bp.get("/manage/<int:recommendation_id>/results.xlsx")
def results(recommendation_id: int):
    recommendation = _audited(recommendation_id)
    audit = services.audit(recommendation, utcnow())
    return download(
        results_xlsx(recommendation, audit), f"recommendation-{recommendation.id}-results.xlsx"
    )
