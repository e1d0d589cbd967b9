"""Training classes: members' list, a class page, enrolment and check-in by phone; the staff's
class page, sessions, bulk enrolment, the check-in screen, sign-in sheet and export."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select

from school import qr, spreadsheets
from school.auth.models import User
from school.cards import services as cards
from school.classes import member_list, services
from school.classes.forms import CardCheckinForm, ClassForm, SessionForm
from school.classes.models import (
    ENROLMENT_MODES,
    STATUSES,
    ClassSession,
    TrainingClass,
)
from school.classes.page import staff_page_parts
from school.classes.permissions import (
    can_create_classes,
    can_manage_class,
    can_read_class,
    can_see_class,
    can_self_enrol,
)
from school.classes.services import ClassError, ClassFields
from school.clock import to_local
from school.db import db, utcnow
from school.orgs.models import Organisation
from school.orgs.services import OrgError, lookup_org
from school.urls import external_url

bp = Blueprint("classes", __name__, template_folder="templates")


@bp.app_context_processor
def _permissions():
    return {"can_create_classes": can_create_classes, "session_when": services.session_when}


# ---- loading -----------------------------------------------------------------------------


def _load(class_id: int) -> TrainingClass:
    training_class = db.session.get(TrainingClass, class_id)
    if training_class is None:
        abort(404)
    return training_class


def _staff_class(class_id: int, *, manage: bool = False) -> TrainingClass:
    """A class for its staff page: 404 to those who cannot read it, 403 to readers who may
    not change it."""
    training_class = _load(class_id)
    if not can_read_class(current_user, training_class):
        abort(404)
    if manage and not can_manage_class(current_user, training_class):
        abort(403)
    return training_class


def _staff_session(session_id: int, *, manage: bool = False) -> ClassSession:
    session = db.session.get(ClassSession, session_id)
    if session is None:
        abort(404)
    _staff_class(session.class_id, manage=manage)
    return session


# ---- members -----------------------------------------------------------------------------


@bp.get("/classes/")
@login_required
def index():
    mine, open_ = services.classes_for_member(current_user)
    return render_template("classes/index.html", mine=mine, open_classes=open_, now=utcnow())


@bp.get("/classes/<int:class_id>")
@login_required
def show(class_id: int):
    training_class = _load(class_id)
    enrolment = services.enrolment_of(training_class, current_user)
    held = enrolment is not None and enrolment.state != "cancelled"
    if not can_see_class(current_user, training_class, held):
        abort(404)
    states = {}
    if held and enrolment.state == "enrolled":
        states = services.member_session_states(training_class, current_user)
    return render_template(
        "classes/show.html",
        c=training_class,
        enrolment=enrolment if held else None,
        states=states,
        state_labels=services.ATTENDANCE_STATES,
        can_enrol=can_self_enrol(current_user, training_class),
        can_manage=can_read_class(current_user, training_class),
        taken=services.seats_taken(training_class),
        now=utcnow(),
    )


@bp.post("/classes/<int:class_id>/enrol")
@login_required
def enrol(class_id: int):
    training_class = _load(class_id)
    enrolment = services.enrolment_of(training_class, current_user)
    held = enrolment is not None and enrolment.state != "cancelled"
    if not can_see_class(current_user, training_class, held):
        abort(404)
    try:
        enrolment = services.enrol(training_class, current_user, current_user)
    except ClassError as exc:
        db.session.rollback()
        flash(str(exc), "warning")
    else:
        db.session.commit()
        if enrolment.state == "enrolled":
            flash("报名成功。", "success")
        else:
            flash("名额已满，您已进入候补名单；有人取消时按顺序递补。", "info")
    return redirect(url_for("classes.show", class_id=class_id))


@bp.post("/classes/<int:class_id>/cancel")
@login_required
def cancel(class_id: int):
    training_class = _load(class_id)
    enrolment = services.enrolment_of(training_class, current_user)
    if enrolment is None or enrolment.state == "cancelled":
        if not can_see_class(current_user, training_class, False):
            abort(404)
        flash("您没有报名这个培训班。", "info")
        return redirect(url_for("classes.show", class_id=class_id))
    services.cancel(training_class, current_user, current_user)
    db.session.commit()
    flash("已取消报名。", "success")
    return redirect(url_for("classes.index"))


# A phone's camera opens this address: a GET that checks the member in. The signed token is
# its own guard: it names one session, only the organiser's screen shows it, and it is worth
# nothing after a minute, so a page elsewhere cannot check anyone in with it either.
# No rate limit: a whole class may scan from behind the venue's one Wi-Fi address within a
# minute, and a signed code cannot be guessed.
@bp.get("/classes/checkin/<token>")
@login_required
def checkin(token: str):
    try:
        session, attendance = services.check_in_by_code(token, current_user)
    except services.NotEnrolled as exc:
        db.session.rollback()
        return _checkin_page("not_enrolled", str(exc), exc.session, 403)
    except services.CodeRefused as exc:
        db.session.rollback()
        return _checkin_page("refused", str(exc), None, 400)
    db.session.commit()
    state = "done" if attendance is not None else "already"
    return _checkin_page(state, "", session, 200)


def _checkin_page(state: str, message: str, session: ClassSession | None, status: int):
    response = make_response(
        render_template("classes/checkin.html", state=state, message=message, s=session), status
    )
    response.headers["Cache-Control"] = "no-store"
    return response


# ---- staff: classes ----------------------------------------------------------------------


@bp.get("/manage/classes/")
@login_required
def manage():
    if not current_user.is_staff:
        abort(403)
    return render_template(
        "classes/manage.html", classes=services.classes_for_staff(current_user), now=utcnow()
    )


def _org_text(org: Organisation | None) -> str:
    return (org.code or org.name) if org else ""


def _fields(form: ClassForm) -> ClassFields:
    target = None
    if (form.target_org.data or "").strip():
        try:
            target = lookup_org(form.target_org.data, current_user)
        except OrgError as exc:
            raise ClassError(str(exc)) from None
    organiser = None
    username = (form.organiser.data or "").strip()
    if username:
        organiser = db.session.scalar(select(User).where(User.username == username))
        if organiser is None:
            raise ClassError(f"没有登录名为“{username}”的账号。")
    return ClassFields(
        organiser=organiser,
        title=form.title.data or "",
        kind=form.kind.data,
        description=form.description.data or "",
        place=form.place.data or "",
        online=bool(form.online.data),
        capacity=form.capacity.data,
        target_text=form.target_text.data or "",
        target_org=target,
        enrolment=form.enrolment.data,
        status=form.status.data,
        certificate_share=form.certificate_share.data,
    )


@bp.route("/manage/classes/new", methods=["GET", "POST"])
@login_required
def new():
    if not can_create_classes(current_user):
        abort(403)
    form = ClassForm()
    if request.method == "GET":
        form.org.data = _org_text(services.default_org(current_user))
        form.kind.data = "homecoming"
    if form.validate_on_submit():
        try:
            org = _org(form.org.data)
            training_class = services.create_class(current_user, org, _fields(form))
        except ClassError as exc:
            db.session.rollback()
            flash(str(exc), "warning")
        else:
            db.session.commit()
            flash("培训班已创建，请添加各场次。", "success")
            return redirect(url_for("classes.staff_page", class_id=training_class.id))
    return render_template("classes/edit.html", form=form, c=None, modes=ENROLMENT_MODES)


def _org(text: str | None) -> Organisation:
    text = (text or "").strip()
    if not text:
        org = services.default_org(current_user)
        if org is None:
            raise ClassError("请填写举办党组织（组织代码或全称）。")
        return org
    try:
        return lookup_org(text, current_user)
    except OrgError as exc:
        raise ClassError(str(exc)) from None


@bp.route("/manage/classes/<int:class_id>/edit", methods=["GET", "POST"])
@login_required
def edit(class_id: int):
    training_class = _staff_class(class_id, manage=True)
    if request.method == "GET":
        form = ClassForm(obj=training_class)
        form.org.data = _org_text(training_class.org)
        form.target_org.data = _org_text(training_class.target_org)
        form.organiser.data = training_class.organiser.username
    else:
        form = ClassForm()
    if form.validate_on_submit():
        try:
            services.update_class(current_user, training_class, _fields(form))
        except ClassError as exc:
            db.session.rollback()
            flash(str(exc), "warning")
        else:
            db.session.commit()
            flash("已保存修改。", "success")
            return redirect(url_for("classes.staff_page", class_id=class_id))
    return render_template("classes/edit.html", form=form, c=training_class)


@bp.get("/manage/classes/<int:class_id>")
@login_required
def staff_page(class_id: int):
    return _staff_page(_staff_class(class_id), SessionForm())


def _staff_page(training_class: TrainingClass, session_form: SessionForm, status: int = 200):
    """The class's staff page, with the form to add a session (shown again with its errors)."""
    return render_template(
        "classes/staff.html",
        c=training_class,
        enrolments=services.enrolments(training_class),
        grid=services.attendance_grid(training_class),
        session_form=session_form,
        can_manage=can_manage_class(current_user, training_class),
        statuses=STATUSES,
        modes=ENROLMENT_MODES,
        now=utcnow(),
        **staff_page_parts.context(current_user, training_class),
    ), status


def _session_values(form: SessionForm) -> dict:
    """A session form's fields as the services take them (adding and changing alike)."""
    return {
        "title": form.title.data,
        "day": form.day.data,
        "start": form.start.data,
        "end": form.end.data,
        "hours": form.hours.data,
    }


@bp.post("/manage/classes/<int:class_id>/sessions")
@login_required
def add_session(class_id: int):
    training_class = _staff_class(class_id, manage=True)
    form = SessionForm()
    if form.validate_on_submit():
        try:
            services.add_session(current_user, training_class, **_session_values(form))
        except ClassError as exc:
            db.session.rollback()
            form.title.errors = [*form.title.errors, str(exc)]
        else:
            db.session.commit()
            flash("已添加场次。", "success")
            return redirect(url_for("classes.staff_page", class_id=class_id))
    return _staff_page(training_class, form, 400)


@bp.route("/manage/classes/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@login_required
def edit_session(session_id: int):
    session = _staff_session(session_id, manage=True)
    if request.method == "GET":
        starts, ends = to_local(session.starts_at), to_local(session.ends_at)
        form = SessionForm(title=session.title, hours=session.hours)
        form.day.data, form.start.data, form.end.data = starts.date(), starts.time(), ends.time()
    else:
        form = SessionForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.update_session(current_user, session, **_session_values(form))
        except ClassError as exc:
            db.session.rollback()
            form.title.errors = [*form.title.errors, str(exc)]
        else:
            db.session.commit()
            flash("已保存本场的修改。", "success")
            return redirect(url_for("classes.staff_page", class_id=session.class_id))
    if request.method == "POST":
        status = 400
    return render_template(
        "classes/session_edit.html",
        form=form,
        s=session,
        c=session.training_class,
        present=services.attendance_count(session),
    ), status


@bp.post("/manage/classes/sessions/<int:session_id>/delete")
@login_required
def delete_session(session_id: int):
    session = _staff_session(session_id, manage=True)
    class_id, title = session.class_id, session.title
    try:
        services.delete_session(current_user, session)
    except ClassError as exc:
        db.session.rollback()
        flash(str(exc), "warning")
        return redirect(url_for("classes.edit_session", session_id=session_id))
    db.session.commit()
    flash(f"已删除场次“{title}”。", "success")
    return redirect(url_for("classes.staff_page", class_id=class_id))


@bp.route("/manage/classes/<int:class_id>/enrol", methods=["GET", "POST"])
@login_required
def bulk_enrol(class_id: int):
    training_class = _staff_class(class_id, manage=True)
    query = request.values.get("q", "")
    errors: list[str] = []
    if request.method == "POST":
        ticked = services.members_by_ids(request.form.getlist("member"))
        by_number, unknown = services.members_by_numbers(request.form.get("numbers", ""))
        try:
            result = services.bulk_enrol(
                training_class, ticked + by_number, current_user, errors=unknown
            )
        except services.BulkRefused as exc:
            db.session.rollback()
            errors = exc.errors
        else:
            db.session.commit()
            flash(_summary(result), "success")
            return redirect(url_for("classes.staff_page", class_id=class_id))
    held = {e.member_id for e in services.enrolments(training_class) if e.state != "cancelled"}
    return render_template(
        "classes/enrol.html",
        c=training_class,
        candidates=services.candidates(current_user, training_class, query),
        held=held,
        query=query,
        errors=errors,
        numbers=request.form.get("numbers", ""),
    ), (400 if errors else 200)


def _summary(result: services.BulkResult) -> str:
    """What a bulk enrolment did, in one line (the class's enrol page and the member list)."""
    parts = [f"已报名 {len(result.enrolled)} 人"]
    if result.waiting:
        parts.append(f"候补 {len(result.waiting)} 人（名额已满）")
    if result.already:
        parts.append(f"{len(result.already)} 人此前已报名")
    return "，".join(parts) + "。"


# A refusal goes back to the member list in flashed messages, which live in the session
# cookie: a long list of reasons is cut short.
REFUSALS_SHOWN = 5


@bp.post("/manage/classes/enrol-members")
@login_required
def enrol_members():
    """The member list's form: the ticked members (or all the list's filters match) into a
    class the viewer runs, as on the class's own enrol page."""
    if not current_user.is_staff:
        abort(403)
    back = url_for("members.index", **member_list.list_args(request.form))
    class_id = request.form.get("class", type=int)
    if class_id is None:
        flash("请选择培训班，没有报名任何人。", "warning")
        return redirect(back)
    training_class = _staff_class(class_id, manage=True)
    try:
        members = member_list.chosen_members(current_user, request.form)
        result = services.bulk_enrol(training_class, members, current_user)
    except services.BulkRefused as exc:
        db.session.rollback()
        flash(f"没有为“{training_class.title}”报名任何人：", "warning")
        for error in exc.errors[:REFUSALS_SHOWN]:
            flash(error, "warning")
        if len(exc.errors) > REFUSALS_SHOWN:
            flash(f"另有 {len(exc.errors) - REFUSALS_SHOWN} 条同样的问题。", "warning")
        return redirect(back)
    db.session.commit()
    flash(_summary(result), "success")
    return redirect(url_for("classes.staff_page", class_id=class_id))


@bp.post("/manage/classes/<int:class_id>/members/<int:member_id>/cancel")
@login_required
def staff_cancel(class_id: int, member_id: int):
    training_class = _staff_class(class_id, manage=True)
    member = db.session.get(User, member_id)
    if member is None:
        abort(404)
    try:
        promoted = services.cancel(training_class, member, current_user)
    except ClassError as exc:
        db.session.rollback()
        flash(str(exc), "info")
    else:
        db.session.commit()
        note = f"，候补的{promoted.member.name}已递补" if promoted else ""
        flash(f"已取消{member.name}的报名{note}。", "success")
    return redirect(url_for("classes.staff_page", class_id=class_id))


@bp.get("/manage/classes/<int:class_id>/sheet")
@login_required
def sheet(class_id: int):
    training_class = _staff_class(class_id)
    session = None
    if request.args.get("session", type=int):
        session = db.session.get(ClassSession, request.args.get("session", type=int))
        if session is None or session.class_id != class_id:
            abort(404)
    members = [e.member for e in services.enrolments(training_class) if e.state == "enrolled"]
    return render_template("classes/sheet.html", c=training_class, s=session, members=members)


@bp.get("/manage/classes/<int:class_id>/export.xlsx")
@login_required
def export(class_id: int):
    training_class = _staff_class(class_id)
    data = services.attendance_workbook(training_class)
    return spreadsheets.download(data, f"class-{class_id}-attendance.xlsx")


# ---- staff: a session and its check-in -------------------------------------------------


def _session_page(session: ClassSession, form: CardCheckinForm | None = None, status=200):
    training_class = session.training_class
    enrolled = [e.member for e in services.enrolments(training_class) if e.state == "enrolled"]
    return render_template(
        "classes/session.html",
        s=session,
        c=training_class,
        enrolled=enrolled,
        attended=services.attended_ids(session),
        can_manage=can_manage_class(current_user, training_class),
        card_form=form or CardCheckinForm(),
    ), status


@bp.get("/manage/classes/sessions/<int:session_id>")
@login_required
def session_page(session_id: int):
    return _session_page(_staff_session(session_id))


@bp.post("/manage/classes/sessions/<int:session_id>/attend")
@login_required
def attend(session_id: int):
    session = _staff_session(session_id, manage=True)
    members = services.members_by_ids(request.form.getlist("member"))
    try:
        added = services.check_in_many(session, members, current_user)
    except ClassError as exc:
        db.session.rollback()
        flash(str(exc), "warning")
    else:
        db.session.commit()
        flash(f"已签到 {added} 人。" if added else "勾选的党员都已签到。", "success")
    return redirect(url_for("classes.session_page", session_id=session_id))


@bp.post("/manage/classes/sessions/<int:session_id>/card")
@login_required
def card_checkin(session_id: int):
    session = _staff_session(session_id, manage=True)
    form = CardCheckinForm()
    if not form.validate_on_submit():
        return _session_page(session, form, 400)
    scan = cards.scan(services.card_token(form.code.data))
    if scan.state != "valid" or scan.card is None:
        form.code.errors = [f"电子卡{cards.STATES[scan.state]}，不能用于签到。"]
        return _session_page(session, form, 400)
    member = db.session.get(User, scan.card.member_id)
    try:
        attendance = services.check_in(session, member, current_user, "card")
    except ClassError as exc:
        db.session.rollback()
        form.code.errors = [str(exc)]
        return _session_page(session, form, 400)
    db.session.commit()
    flash(
        f"{member.name}已签到。" if attendance else f"{member.name}此前已签到，学时不重复计入。",
        "success",
    )
    return redirect(url_for("classes.session_page", session_id=session_id))


@bp.get("/manage/classes/sessions/<int:session_id>/screen")
@login_required
def screen(session_id: int):
    session = _staff_session(session_id, manage=True)
    code = _code(session)
    return render_template(
        "classes/screen.html",
        s=session,
        c=session.training_class,
        code=code,
        rotate_seconds=services.rotate_seconds(),
        present=len(services.attended_ids(session)),
    )


def _code(session: ClassSession) -> dict[str, object]:
    url = external_url("classes.checkin", token=services.checkin_token(session))
    return {
        "url": url,
        "svg": qr.svg(url, "签到二维码"),
        "shown_at": to_local(utcnow()).strftime("%H:%M:%S"),
        "expires_in": services.CHECKIN_SECONDS,
    }


@bp.get("/manage/classes/sessions/<int:session_id>/code")
@login_required
def code(session_id: int):
    session = _staff_session(session_id, manage=True)
    code = _code(session)
    code["svg"] = str(code["svg"])
    response = jsonify({**code, "present": len(services.attended_ids(session))})
    response.headers["Cache-Control"] = "no-store"
    return response
