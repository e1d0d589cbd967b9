"""目标管理 pages: the member's sheet and self-report, the staff's schemes, lists and scoring."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from school.auth.models import User
from school.clock import current_year, local_today
from school.db import db
from school.orgs.models import Organisation
from school.orgs.permissions import managed_orgs, manages
from school.targets import services
from school.targets.forms import IndicatorForm, SchemeForm, ScoreForm, SelfReportForm
from school.targets.models import (
    DEFAULT_THRESHOLDS,
    DIMENSIONS,
    SIDE_SHORT,
    TargetIndicator,
    TargetScheme,
)
from school.targets.permissions import (
    can_create_schemes,
    can_manage_scheme,
    can_read_scheme,
    can_read_sheet,
    can_score,
    is_covered,
)
from school.targets.services import FILTERS, TargetError

bp = Blueprint("targets", __name__, template_folder="templates")


@bp.app_context_processor
def _permissions():
    return {"can_create_schemes": can_create_schemes}


# ---- loading -------------------------------------------------------------------------------


def _scheme(scheme_id: int, *, manage: bool = False) -> TargetScheme:
    """A scheme for its staff pages: 404 to those who read neither its organisation nor (once
    published) any of its members, 403 to readers who may not change it."""
    scheme = db.session.get(TargetScheme, scheme_id)
    if scheme is None:
        abort(404)
    if not can_read_scheme(current_user, scheme):
        abort(404)
    if manage and not can_manage_scheme(current_user, scheme):
        abort(403)
    return scheme


def _listed(scheme_id: int) -> TargetScheme:
    """A published scheme's member list: also for staff who read some of its members only (the
    home side of a host committee's scheme), who see those members."""
    scheme = db.session.get(TargetScheme, scheme_id)
    if scheme is None:
        abort(404)
    if can_read_scheme(current_user, scheme):
        return scheme
    if (
        scheme.is_draft
        or not current_user.is_staff
        or not services.reaches_any(current_user, scheme)
    ):
        abort(404)
    return scheme


def _sheet_of(scheme_id: int, member_id: int) -> tuple[TargetScheme, User]:
    scheme = db.session.get(TargetScheme, scheme_id)
    member = db.session.get(User, member_id)
    # 404: whether a member or their sheet exists is not for everyone to know.
    if scheme is None or member is None or not can_read_sheet(current_user, scheme, member):
        abort(404)
    return scheme, member


def _org_choices(scheme: TargetScheme | None = None) -> list[tuple[int, str]]:
    if scheme is not None:
        return [(scheme.org.id, scheme.org.name)]
    if current_user.is_admin:
        orgs = db.session.scalars(
            select(Organisation)
            .where(Organisation.closed_at.is_(None))
            .order_by(Organisation.path)
            .limit(500)
        )
    else:
        orgs = sorted(managed_orgs(current_user), key=lambda o: o.path)
    return [(org.id, org.name) for org in orgs]


# ---- the member ----------------------------------------------------------------------------


@bp.get("/targets/")
@login_required
def mine():
    schemes = services.current_schemes(current_user, local_today())
    if not schemes:
        return render_template("targets/mine.html", sheet=None, schemes=[])
    return _mine(schemes[0], SelfReportForm(), schemes)


@bp.get("/targets/<int:scheme_id>")
@login_required
def mine_scheme(scheme_id: int):
    return _mine(_own_scheme(scheme_id), SelfReportForm())


def _own_scheme(scheme_id: int) -> TargetScheme:
    scheme = db.session.get(TargetScheme, scheme_id)
    if scheme is None or scheme.is_draft or not is_covered(current_user, scheme):
        abort(404)
    return scheme


def _mine(scheme: TargetScheme, form: SelfReportForm, schemes=None, status: int = 200):
    sheet = services.sheet(current_user, scheme, local_today())
    if request.method == "GET" and sheet.result.self_report is not None:
        form.body.data = sheet.result.self_report.body
    others = [
        s for s in (schemes or services.schemes_for(current_user, scheme.year)) if s.id != scheme.id
    ]
    return (
        render_template(
            "targets/mine.html",
            sheet=sheet,
            form=form,
            schemes=others,
            limit=services.REPORT_MAX,
            sides=SIDE_SHORT,
        ),
        status,
    )


@bp.post("/targets/<int:scheme_id>/report")
@login_required
def report(scheme_id: int):
    scheme = _own_scheme(scheme_id)
    form = SelfReportForm()
    if form.validate_on_submit():
        try:
            services.save_self_report(current_user, scheme, form.body.data, local_today())
        except TargetError as exc:
            db.session.rollback()
            flash(str(exc), "warning")
        else:
            db.session.commit()
            flash("自评述职已保存。", "success")
            return redirect(url_for("targets.mine_scheme", scheme_id=scheme.id) + "#report")
    return _mine(scheme, form, status=400)


# ---- staff: schemes ------------------------------------------------------------------------


@bp.get("/manage/targets/")
@login_required
def index():
    if not current_user.is_staff:
        abort(403)
    year = current_year()
    return render_template(
        "targets/index.html",
        schemes=services.schemes_seen_by(current_user),
        reaching=services.schemes_reaching(current_user, year),
        year=year,
    )


def _scheme_fields(form: SchemeForm) -> services.SchemeFields:
    return services.SchemeFields(
        title=form.title.data or "",
        side=form.side.data,
        year=form.year.data,
        period_start=form.period_start.data,
        period_end=form.period_end.data,
        description=form.description.data or "",
    )


@bp.route("/manage/targets/new", methods=["GET", "POST"])
@login_required
def new():
    if not can_create_schemes(current_user):
        abort(403)
    form = SchemeForm()
    form.org.choices = _org_choices()
    if request.method == "GET":
        form.year.data = current_year()
        form.side.data = "host"
    if form.validate_on_submit():
        org = db.session.get(Organisation, form.org.data)
        if org is None or not manages(current_user, org):
            abort(404)
        try:
            scheme = services.create_scheme(current_user, org, _scheme_fields(form))
        except TargetError as exc:
            db.session.rollback()
            flash(str(exc), "warning")
        else:
            db.session.commit()
            flash("方案草稿已建立，请添加考核指标。", "success")
            return redirect(url_for("targets.detail", scheme_id=scheme.id))
    return render_template("targets/edit.html", form=form, scheme=None)


@bp.route("/manage/targets/<int:scheme_id>/edit", methods=["GET", "POST"])
@login_required
def edit(scheme_id: int):
    scheme = _scheme(scheme_id, manage=True)
    form = SchemeForm(obj=scheme) if request.method == "GET" else SchemeForm()
    form.org.choices = _org_choices(scheme)
    form.org.data = scheme.org_id
    if form.validate_on_submit():
        try:
            services.update_scheme(scheme, _scheme_fields(form))
        except TargetError as exc:
            db.session.rollback()
            flash(str(exc), "warning")
        else:
            db.session.commit()
            flash("已保存修改。", "success")
            return redirect(url_for("targets.detail", scheme_id=scheme.id))
    return render_template("targets/edit.html", form=form, scheme=scheme)


@bp.get("/manage/targets/<int:scheme_id>")
@login_required
def detail(scheme_id: int):
    return _detail(_scheme(scheme_id), IndicatorForm(formdata=None))


def _detail(scheme: TargetScheme, form: IndicatorForm, status: int = 200):
    return (
        render_template(
            "targets/detail.html",
            scheme=scheme,
            form=form,
            can_manage=can_manage_scheme(current_user, scheme),
            problems=services.publication_problems(scheme) if scheme.is_draft else [],
            dimensions=DIMENSIONS,
            thresholds=DEFAULT_THRESHOLDS,
            sides=SIDE_SHORT,
        ),
        status,
    )


def _indicator_fields(form: IndicatorForm) -> services.IndicatorFields:
    return services.IndicatorFields(
        dimension=form.dimension.data,
        title=form.title.data or "",
        description=form.description.data or "",
        weight=form.weight.data,
        measure=form.measure.data,
        threshold=form.threshold.data,
        scorer_side=form.scorer_side.data or None,
    )


@bp.post("/manage/targets/<int:scheme_id>/indicators")
@login_required
def add_indicator(scheme_id: int):
    scheme = _scheme(scheme_id, manage=True)
    form = IndicatorForm()
    if form.validate_on_submit():
        try:
            services.add_indicator(scheme, _indicator_fields(form))
        except TargetError as exc:
            db.session.rollback()
            flash(str(exc), "warning")
        else:
            db.session.commit()
            flash("指标已添加。", "success")
            return redirect(url_for("targets.detail", scheme_id=scheme.id) + "#indicators")
    return _detail(scheme, form, 400)


def _indicator(indicator_id: int) -> TargetIndicator:
    indicator = db.session.get(TargetIndicator, indicator_id)
    if indicator is None:
        abort(404)
    _scheme(indicator.scheme_id, manage=True)
    return indicator


@bp.route("/manage/targets/indicators/<int:indicator_id>/edit", methods=["GET", "POST"])
@login_required
def edit_indicator(indicator_id: int):
    indicator = _indicator(indicator_id)
    form = IndicatorForm(obj=indicator) if request.method == "GET" else IndicatorForm()
    if request.method == "GET":
        form.scorer_side.data = indicator.scorer_side or ""
    if form.validate_on_submit():
        try:
            services.update_indicator(indicator, _indicator_fields(form))
        except TargetError as exc:
            db.session.rollback()
            flash(str(exc), "warning")
        else:
            db.session.commit()
            flash("指标已修改。", "success")
            return redirect(
                url_for("targets.detail", scheme_id=indicator.scheme_id) + "#indicators"
            )
    return render_template("targets/indicator.html", form=form, indicator=indicator)


@bp.post("/manage/targets/indicators/<int:indicator_id>/delete")
@login_required
def delete_indicator(indicator_id: int):
    indicator = _indicator(indicator_id)
    scheme_id = indicator.scheme_id
    try:
        services.remove_indicator(indicator)
    except TargetError as exc:
        db.session.rollback()
        flash(str(exc), "warning")
    else:
        db.session.commit()
        flash("指标已删除。", "success")
    return redirect(url_for("targets.detail", scheme_id=scheme_id) + "#indicators")


def _act(scheme_id: int, action, success: str):
    scheme = _scheme(scheme_id, manage=True)
    try:
        target = action(scheme)
    except TargetError as exc:
        db.session.rollback()
        flash(str(exc), "warning")
        target = scheme
    else:
        db.session.commit()
        flash(success, "success")
    return redirect(url_for("targets.detail", scheme_id=target.id))


@bp.post("/manage/targets/<int:scheme_id>/publish")
@login_required
def publish(scheme_id: int):
    return _act(
        scheme_id,
        lambda scheme: services.publish(scheme, current_user),
        "方案已发布：党员可以看到自己的目标考核表，各方可以评分。",
    )


@bp.post("/manage/targets/<int:scheme_id>/new-version")
@login_required
def new_version(scheme_id: int):
    return _act(
        scheme_id,
        lambda scheme: services.new_version(scheme, current_user),
        "已建立新版本草稿；发布后取代原方案，原方案的评分保留备查。",
    )


# ---- staff: members, sheets and scores -----------------------------------------------------


@bp.get("/manage/targets/<int:scheme_id>/members")
@login_required
def members(scheme_id: int):
    scheme = _listed(scheme_id)
    state = request.args.get("state") if request.args.get("state") in FILTERS else None
    page = services.member_page(current_user, scheme, state, request.args.get("page", 1, type=int))
    return render_template(
        "targets/members.html",
        scheme=scheme,
        page=page,
        state=state,
        filters=FILTERS,
        can_read=can_read_scheme(current_user, scheme),
    )


@bp.get("/manage/targets/<int:scheme_id>/members/<int:member_id>")
@login_required
def sheet(scheme_id: int, member_id: int):
    scheme, member = _sheet_of(scheme_id, member_id)
    return _staff_sheet(scheme, member, ScoreForm(formdata=None))


def _staff_sheet(scheme: TargetScheme, member: User, form: ScoreForm, status: int = 200):
    sheet = services.sheet(member, scheme, local_today())
    scorable = {i.id for i in scheme.indicators if can_score(current_user, i, member)}
    return (
        render_template(
            "targets/sheet.html",
            sheet=sheet,
            member=member,
            scheme=scheme,
            form=form,
            scorable=scorable,
            history=services.score_history(scheme, member),
            sides=SIDE_SHORT,
        ),
        status,
    )


@bp.post("/manage/targets/<int:scheme_id>/members/<int:member_id>/score")
@login_required
def score(scheme_id: int, member_id: int):
    scheme, member = _sheet_of(scheme_id, member_id)
    form = ScoreForm()
    indicator = db.session.get(TargetIndicator, form.indicator.data or 0)
    if indicator is None or indicator.scheme_id != scheme.id:
        abort(404)
    # The other side's indicator, or a reader who does not manage: the sheet exists, the
    # score is not theirs to give.
    if not can_score(current_user, indicator, member):
        abort(403)
    if form.validate_on_submit():
        try:
            services.record_score(
                current_user, indicator, member, form.points.data, form.comment.data or ""
            )
        except TargetError as exc:
            db.session.rollback()
            flash(str(exc), "warning")
        else:
            db.session.commit()
            flash(f"已为“{indicator.title}”评分。", "success")
            return redirect(
                url_for("targets.sheet", scheme_id=scheme.id, member_id=member.id)
                + f"#indicator-{indicator.id}"
            )
    return _staff_sheet(scheme, member, form, 400)
