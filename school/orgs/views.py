"""Managing the organisation tree and its staff (admins), with the audit log."""

from collections import defaultdict

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import aliased

from school.auth.models import User
from school.db import db
from school.orgs import services
from school.orgs.forms import (
    ORG_KEY_HINT,
    AuditFilterForm,
    GrantForm,
    MergeForm,
    MoveForm,
    NewOrgForm,
    RenameForm,
)
from school.orgs.models import AUDIT_ACTIONS, AuditEntry, Organisation, StaffGrant
from school.orgs.permissions import can_view_org, reads_member
from school.orgs.services import OrgError
from school.orgs.tree_permissions import can_grant_at, can_grant_to, can_manage_tree, can_revoke

bp = Blueprint("orgs", __name__, url_prefix="/manage/orgs", template_folder="templates")

AUDIT_PAGE_SIZE = 50


@bp.before_request
@login_required
def _staff_only():
    """The whole area is for staff; login_required answers for anonymous visitors."""
    if not current_user.is_staff:
        abort(403)


def _load(org_id: int) -> Organisation:
    org = db.session.get(Organisation, org_id)
    if org is None or not can_view_org(current_user, org):
        abort(404)
    return org


def _require_tree_admin() -> None:
    if not can_manage_tree(current_user):
        abort(403)


def _in_scope(column):
    """A WHERE clause keeping rows whose organisation (``column`` = path) the viewer may see."""
    if current_user.is_admin:
        return True
    return or_(
        False,
        *[
            column.startswith(org.path, autoescape=True)
            for org in services.subtree_roots(current_user)
        ],
    )


def _member_counts(scope) -> tuple[dict[int, int], dict[int, int]]:
    """Members per organisation at home and hosted: two grouped queries, not one per row."""
    counts = []
    for column in (User.home_org_id, User.host_org_id):
        rows = db.session.execute(
            select(column, func.count(User.id))
            .join(Organisation, Organisation.id == column)
            .where(scope(Organisation.path))
            .group_by(column)
        )
        counts.append({org_id: count for org_id, count in rows})
    return counts[0], counts[1]


def _fail(field, message: str) -> None:
    field.errors = [*field.errors, message]  # a tuple until the form has been validated


def _lookup(field) -> Organisation | None:
    """The organisation a code-or-name field names, or None with the reason on the field."""
    try:
        org = services.lookup_org(field.data)
    except OrgError as exc:
        _fail(field, str(exc))
        return None
    if not can_view_org(current_user, org):
        _fail(field, f"找不到组织代码或全称为“{field.data.strip()}”的党组织。")
        return None
    return org


def _done(message: str, org: Organisation):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("orgs.detail", org_id=org.id))


def _refused(exc: OrgError) -> None:
    db.session.rollback()
    flash(str(exc), "warning")


@bp.get("/")
def tree():
    if request.args.get("q", "").strip():
        try:
            found = services.lookup_org(request.args["q"])
        except OrgError as exc:
            flash(str(exc), "warning")
        else:
            if can_view_org(current_user, found):
                return redirect(url_for("orgs.detail", org_id=found.id))
            flash(f"找不到组织代码或全称为“{request.args['q'].strip()}”的党组织。", "warning")
    query = select(Organisation).where(_in_scope(Organisation.path)).order_by(Organisation.name)
    if not current_user.is_admin:
        query = query.where(Organisation.closed_at.is_(None))
    orgs = db.session.scalars(query).all()
    ids = {org.id for org in orgs}
    children = defaultdict(list)
    for org in orgs:
        children[org.parent_id if org.parent_id in ids else None].append(org)
    home, hosted = _member_counts(_in_scope)
    totals: dict[int, int] = {}

    def total(org: Organisation) -> int:
        totals[org.id] = home.get(org.id, 0) + sum(total(c) for c in children[org.id])
        return totals[org.id]

    for root in children[None]:
        total(root)
    return render_template(
        "orgs/tree.html",
        roots=children[None],
        children=children,
        home=home,
        hosted=hosted,
        totals=totals,
        count=len(orgs),
        can_manage=can_manage_tree(current_user),
    )


def _render_detail(org: Organisation, **forms):
    chain_ids = org.line_ids[:-1]
    chain = (
        db.session.scalars(select(Organisation).where(Organisation.id.in_(chain_ids))).all()
        if chain_ids
        else []
    )
    chain.sort(key=lambda o: len(o.path))
    children = db.session.scalars(
        select(Organisation).where(Organisation.parent_id == org.id).order_by(Organisation.name)
    ).all()
    strength = case(services.ROLE_STRENGTH, value=StaffGrant.role)
    grants = db.session.execute(
        select(StaffGrant, User)
        .join(User, User.id == StaffGrant.user_id)
        .where(StaffGrant.org_id == org.id)
        .order_by(strength.desc(), User.name)
    ).all()
    actor = aliased(User)
    entries = db.session.execute(
        select(AuditEntry, actor.name)
        .outerjoin(actor, actor.id == AuditEntry.actor_id)
        .where(AuditEntry.org_id == org.id)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(10)
    ).all()
    home, hosted = _member_counts(lambda path: path == org.path)
    return render_template(
        "orgs/detail.html",
        org=org,
        chain=chain,
        children=children,
        grants=grants,
        entries=entries,
        home_count=home.get(org.id, 0),
        hosted_count=hosted.get(org.id, 0),
        merged_into=db.session.get(Organisation, org.merged_into_id)
        if org.merged_into_id
        else None,
        can_view=lambda other: can_view_org(current_user, other),
        can_manage=can_manage_tree(current_user) and org.is_open,
        can_grant=org.is_open and can_grant_at(current_user, org),
        can_revoke=lambda grant, holder: can_revoke(current_user, grant, holder),
        rename_form=forms.get("rename_form")
        or RenameForm(formdata=None, data={"name": org.name, "code": org.code}),
        move_form=forms.get("move_form") or MoveForm(formdata=None),
        merge_form=forms.get("merge_form") or MergeForm(formdata=None),
        grant_form=forms.get("grant_form") or GrantForm(formdata=None),
        hint=ORG_KEY_HINT,
    )


@bp.get("/<int:org_id>")
def detail(org_id: int):
    return _render_detail(_load(org_id))


@bp.post("/<int:org_id>/rename")
def rename(org_id: int):
    org = _load(org_id)
    _require_tree_admin()
    form = RenameForm()
    if form.validate_on_submit():
        try:
            services.rename_org(current_user, org, form.name.data, form.code.data)
        except OrgError as exc:
            _refused(exc)
        else:
            return _done("名称和组织代码已保存。", org)
    return _render_detail(org, rename_form=form)


@bp.post("/<int:org_id>/move")
def move(org_id: int):
    org = _load(org_id)
    _require_tree_admin()
    form = MoveForm()
    if form.validate_on_submit() and (parent := _lookup(form.new_parent)) is not None:
        try:
            services.move_org(current_user, org, parent)
        except OrgError as exc:
            _refused(exc)
        else:
            return _done(f"已调整到“{parent.name}”之下。", org)
    return _render_detail(org, move_form=form)


@bp.post("/<int:org_id>/merge")
def merge(org_id: int):
    org = _load(org_id)
    _require_tree_admin()
    form = MergeForm()
    if form.validate_on_submit() and (target := _lookup(form.merge_target)) is not None:
        try:
            services.merge_orgs(current_user, org, target)
        except OrgError as exc:
            _refused(exc)
        else:
            return _done(f"“{org.name}”已并入本组织，其党员、管理角色和下级组织已转入。", target)
    return _render_detail(org, merge_form=form)


@bp.post("/<int:org_id>/close")
def close(org_id: int):
    org = _load(org_id)
    _require_tree_admin()
    try:
        services.close_org(current_user, org)
    except OrgError as exc:
        _refused(exc)
        return redirect(url_for("orgs.detail", org_id=org.id))
    return _done(f"“{org.name}”已撤销。", org)


def _grantee(field) -> User | None:
    name = (field.data or "").strip().lower()
    user = db.session.scalar(select(User).where(func.lower(User.username) == name))
    if user is None or not reads_member(current_user, user):
        _fail(field, f"找不到用户 {field.data.strip()}（只能为您管理范围内的党员授予）。")
        return None
    return user


@bp.post("/<int:org_id>/grant")
def grant(org_id: int):
    org = _load(org_id)
    if not can_grant_at(current_user, org):
        abort(403)
    form = GrantForm()
    if form.validate_on_submit() and (user := _grantee(form.username)) is not None:
        if not can_grant_to(current_user, user, org):
            _fail(form.username, "不能为管理员或您自己授予、调整管理角色。")
        else:
            try:
                services.grant(current_user, user, org, form.role.data)
            except OrgError as exc:
                _refused(exc)
            else:
                return _done(f"已授予{user.name}管理角色。", org)
    return _render_detail(org, grant_form=form)


@bp.post("/<int:org_id>/grants/<int:grant_id>/revoke")
def revoke(org_id: int, grant_id: int):
    org = _load(org_id)
    staff_grant = db.session.get(StaffGrant, grant_id)
    if staff_grant is None or staff_grant.org_id != org.id:
        abort(404)
    holder = db.session.get(User, staff_grant.user_id)
    if not can_revoke(current_user, staff_grant, holder):
        abort(403)
    services.revoke(current_user, staff_grant)
    return _done(f"已撤销{holder.name}的管理角色。", org)


@bp.route("/new", methods=["GET", "POST"])
def new():
    _require_tree_admin()
    form = NewOrgForm()
    if request.method == "GET":
        parent = db.session.get(Organisation, request.args.get("parent", 0, type=int))
        if parent is not None:
            form.parent.data = parent.code or parent.name
    if form.validate_on_submit() and (parent := _lookup(form.parent)) is not None:
        try:
            org = services.create(
                current_user, form.name.data, form.kind.data, parent, form.code.data, form.city.data
            )
        except OrgError as exc:
            _refused(exc)
        else:
            return _done(f"已新建“{org.name}”。", org)
    return render_template("orgs/new.html", form=form, hint=ORG_KEY_HINT)


@bp.get("/audit")
def audit():
    form = AuditFilterForm(request.args)
    page = max(1, request.args.get("page", 1, type=int))
    # Outer join: entries about an account with no organisation (an administrator) have none,
    # and _in_scope keeps them for admins only.
    query = select(AuditEntry).outerjoin(Organisation, Organisation.id == AuditEntry.org_id)
    query = query.where(_in_scope(Organisation.path))
    if (subject_id := request.args.get("user_id", type=int)) is not None:
        query = query.where(AuditEntry.user_id == subject_id)
    org = None
    if request.args.get("org_id", type=int):
        org = _load(request.args.get("org_id", type=int))
    elif (form.org.data or "").strip():
        org = _lookup(form.org)
    if org is not None:
        query = query.where(AuditEntry.org_id == org.id)
    elif form.org.errors:
        query = query.where(False)
    if form.action.data in AUDIT_ACTIONS:
        query = query.where(AuditEntry.action == form.action.data)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    actor, subject = aliased(User), aliased(User)
    rows = db.session.execute(
        query.add_columns(Organisation, actor.name, subject.name)
        .outerjoin(actor, actor.id == AuditEntry.actor_id)
        .outerjoin(subject, subject.id == AuditEntry.user_id)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(AUDIT_PAGE_SIZE)
        .offset((page - 1) * AUDIT_PAGE_SIZE)
    ).all()
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template(
        "orgs/audit.html",
        form=form,
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // AUDIT_PAGE_SIZE)),
        args=args,
        org=org,
        subject_id=subject_id,
    )
