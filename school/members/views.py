"""The member registry for staff: the list, one member's page, edits, flow events and notes."""

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from school.auth import services as accounts
from school.auth.models import User
from school.clock import local_today
from school.db import db
from school.forms import options
from school.members import flows, services, transfers
from school.members.forms import FlowForm, NoteForm, ProfileForm
from school.members.list_actions import member_list
from school.members.page import member_page
from school.members.permissions import (
    can_manage_member,
    can_request_transfer,
    can_reset_password,
    can_view_member,
)
from school.members.services import RegistryError
from school.orgs.models import Organisation
from school.orgs.scope import RELATIONS

bp = Blueprint("members", __name__, url_prefix="/manage/members", template_folder="templates")

PAGE_SIZE = services.PAGE_SIZE


def _require_staff() -> None:
    if not current_user.is_staff:
        abort(403)


def _load_member(member_id: int, *, manage: bool = False) -> User:
    """404 when the member is outside the viewer's scope; 403 when visible but not theirs."""
    _require_staff()
    member = db.session.get(User, member_id)
    if member is None or not can_view_member(current_user, member):
        abort(404)
    if manage and not can_manage_member(current_user, member):
        abort(403)
    return member


def _phone(member: User) -> str:
    return services.shown_phone(current_user, member)


@bp.get("/")
@login_required
def index():
    _require_staff()
    page = max(1, request.args.get("page", 1, type=int))
    org_text = request.args.get("org", "").strip()
    try:
        filters = services.read_filter(current_user, request.args)
    except RegistryError as error:
        flash(str(error), "warning")
        filters = services.read_filter(current_user, {**request.args.to_dict(), "org": ""})
    rows, total = services.member_page(current_user, filters, page)
    args = {
        "q": filters.q,
        "floating": "1" if filters.floating_only else "",
        "relation": filters.relation,
        "org": org_text,
    }
    return render_template(
        "members/list.html",
        members=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        args={k: v for k, v in args.items() if v and v != "both"},
        filters=filters,
        org_text=org_text,
        relations=RELATIONS,
        phone=_phone,
        can_reset=lambda member: can_reset_password(current_user, member),
        **member_list.context(current_user, filters),
    )


def _member_page(member: User, *, flow_form=None, note_form=None, error: str = ""):
    manage = can_manage_member(current_user, member)
    flow_error = error if flow_form is not None else ""
    note_error = error if note_form is not None else ""
    if note_form is None:
        note_form = NoteForm(formdata=None, prefix="note", occurred_on=local_today())
    if flow_form is None:
        flow_form = FlowForm(formdata=None, prefix="flow", occurred_on=local_today())
    _note_choices(note_form, member)
    return render_template(
        "members/member.html",
        member=member,
        phone=_phone(member),
        email=services.shown_email(current_user, member),
        manage=manage,
        flows=services.flow_history(member),
        transfers=transfers.history(member),
        can_request_transfer=can_request_transfer(current_user, member),
        notes=services.management_notes(member),
        flow_form=flow_form,
        note_form=note_form,
        can_reset=can_reset_password(current_user, member),
        flow_error=flow_error,
        note_error=note_error,
        **member_page.context(current_user, member),
    )


def _note_choices(form: NoteForm, member: User) -> None:
    form.org.choices = options((o.id, o.name) for o in services.note_orgs(current_user, member))


@bp.get("/<int:member_id>")
@login_required
def member(member_id: int):
    return _member_page(_load_member(member_id))


@bp.route("/<int:member_id>/edit", methods=["GET", "POST"])
@login_required
def edit(member_id: int):
    member = _load_member(member_id, manage=True)
    form = ProfileForm(obj=member)
    error = ""
    if form.validate_on_submit():
        data = services.Profile(
            name=form.name.data,
            gender=form.gender.data,
            phone=form.phone.data,
            email=form.email.data,
            joined_party_on=form.joined_party_on.data,
            membership_no=form.membership_no.data,
            certificate_no=form.certificate_no.data,
            current_city=form.current_city.data,
            flowed_out_on=form.flowed_out_on.data,
            flow_reason=form.flow_reason.data,
        )
        try:
            services.update_profile(current_user, member, data)
        except RegistryError as refused:
            db.session.rollback()
            error = str(refused)
        else:
            db.session.commit()
            flash("登记信息已保存。", "success")
            return redirect(url_for("members.member", member_id=member.id))
    return render_template("members/edit.html", member=member, form=form, error=error)


@bp.post("/<int:member_id>/flow")
@login_required
def flow(member_id: int):
    member = _load_member(member_id, manage=True)
    form = FlowForm(prefix="flow")
    if not form.validate_on_submit():
        return _member_page(member, flow_form=form)
    try:
        org = services.find_org(form.org.data, current_user) if form.org.data.strip() else None
        flows.check_direct_move(current_user, form.kind.data, member, org)
        event = flows.record_flow(
            current_user,
            member,
            form.kind.data,
            form.occurred_on.data,
            to_org=org,
            city=form.city.data,
            note=form.note.data,
        )
    except RegistryError as error:
        db.session.rollback()
        return _member_page(member, flow_form=form, error=str(error))
    db.session.commit()
    flash(f"已记录：{event.kind_label}。", "success")
    if not can_view_member(current_user, member):
        # Transferred out of the viewer's subtree: the page is no longer theirs to see.
        return redirect(url_for("members.index"))
    return redirect(url_for("members.member", member_id=member.id))


@bp.post("/<int:member_id>/notes")
@login_required
def notes(member_id: int):
    member = _load_member(member_id, manage=True)
    form = NoteForm(prefix="note")
    _note_choices(form, member)
    if not form.validate_on_submit():
        return _member_page(member, note_form=form)
    try:
        services.add_note(
            current_user,
            member,
            db.session.get(Organisation, form.org.data),
            form.occurred_on.data,
            form.body.data,
        )
    except RegistryError as error:
        db.session.rollback()
        return _member_page(member, note_form=form, error=str(error))
    db.session.commit()
    flash("管理记录已保存。", "success")
    return redirect(url_for("members.member", member_id=member.id))


@bp.post("/<int:member_id>/reset-password")
@login_required
def reset_password(member_id: int):
    _require_staff()
    member = db.session.get(User, member_id)
    if member is None or not can_view_member(current_user, member):
        abort(404)
    if not can_reset_password(current_user, member):
        abort(403)
    one_time = accounts.reset_password(current_user, member)
    db.session.commit()
    # Shown once, on this response only; never stored in clear or put in a redirect URL.
    return render_template("members/one_time_password.html", member=member, password=one_time)
