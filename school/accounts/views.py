"""Accounts for admins and, within their subtrees, secretaries and organisers."""

from datetime import UTC, datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from school import qr
from school.accounts import activation, services
from school.accounts.forms import DisableForm, RoleForm
from school.accounts.permissions import can_change_role, can_list_accounts, can_view_account
from school.accounts.services import ROLE_FILTERS, STATUS_FILTERS, AccountFilter
from school.auth import services as accounts
from school.auth import sessions
from school.auth.models import User
from school.db import db, utcnow
from school.members import services as registry
from school.members.permissions import can_manage_account
from school.orgs import services as orgs
from school.urls import external_url

bp = Blueprint("accounts", __name__, url_prefix="/manage/accounts", template_folder="templates")
# The staff navigation shows 账号 only to those whom these views let in.
bp.add_app_template_global(can_list_accounts)


@bp.before_request
@login_required
def _managers_only():
    if not can_list_accounts(current_user):
        abort(403)


def _load(account_id: int, *, manage: bool = False) -> User:
    """404 outside the viewer's subtrees; 403 when visible but not theirs to change."""
    account = db.session.get(User, account_id)
    if account is None or not can_view_account(current_user, account):
        abort(404)
    if manage and not can_manage_account(current_user, account):
        abort(403)
    return account


@bp.get("/")
def index():
    page = max(1, request.args.get("page", 1, type=int))
    org_text = request.args.get("org", "").strip()[:100]
    org = None
    if org_text:
        try:
            org = orgs.lookup_org(org_text, current_user)
        except orgs.OrgError as error:
            flash(str(error), "warning")
    role, status = request.args.get("role", ""), request.args.get("status", "")
    filters = AccountFilter(
        q=request.args.get("q", "")[:50],
        org=org,
        role=role if role in ROLE_FILTERS else "",
        status=status if status in STATUS_FILTERS else "",
    )
    if org_text and org is None:
        rows, total = [], 0
    else:
        rows, total = services.account_page(current_user, filters, page)
    args = {"q": filters.q, "org": org_text, "role": filters.role, "status": filters.status}
    return render_template(
        "accounts/list.html",
        accounts=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // services.PAGE_SIZE)),
        args={k: v for k, v in args.items() if v},
        filters=filters,
        org_text=org_text,
        roles=ROLE_FILTERS,
        statuses=STATUS_FILTERS,
    )


def _account_page(account: User, disable_form=None, role_form=None, status: int = 200):
    return (
        render_template(
            "accounts/account.html",
            account=account,
            manage=can_manage_account(current_user, account),
            change_role=can_change_role(current_user, account),
            disable_form=disable_form or DisableForm(formdata=None),
            role_form=role_form or RoleForm(formdata=None, role=account.role),
            devices=len(sessions.live_sessions(account)),
        ),
        status,
    )


@bp.get("/<int:account_id>")
def account(account_id: int):
    return _account_page(_load(account_id))


@bp.post("/<int:account_id>/disable")
def disable(account_id: int):
    account = _load(account_id, manage=True)
    form = DisableForm()
    if form.validate_on_submit():
        try:
            accounts.disable_account(current_user, account, form.reason.data)
        except accounts.AccountError as exc:
            db.session.rollback()
            form.reason.errors = [str(exc)]
        else:
            db.session.commit()
            flash(f"已停用 {account.name} 的账号，其所有登录已退出。", "success")
            return redirect(url_for("accounts.account", account_id=account.id))
    return _account_page(account, disable_form=form, status=400)


@bp.post("/<int:account_id>/enable")
def enable(account_id: int):
    account = _load(account_id, manage=True)
    try:
        accounts.enable_account(current_user, account)
    except accounts.AccountError as exc:
        flash(str(exc), "warning")
    else:
        db.session.commit()
        flash(f"已启用 {account.name} 的账号。", "success")
    return redirect(url_for("accounts.account", account_id=account.id))


@bp.post("/<int:account_id>/role")
def role(account_id: int):
    account = _load(account_id)
    if not can_change_role(current_user, account):
        abort(403)
    form = RoleForm()
    if form.validate_on_submit():
        try:
            accounts.set_role(current_user, account, form.role.data)
        except accounts.AccountError as exc:
            db.session.rollback()
            form.role.errors = [str(exc)]
        else:
            db.session.commit()
            flash(f"{account.name} 的角色现为{account.role_label}。", "success")
            return redirect(url_for("accounts.account", account_id=account.id))
    return _account_page(account, role_form=form, status=400)


# --- activation slips ---------------------------------------------------------------------------

ACTIVATION_PAGE_SIZE = 100
# What the print form covers: the ticked accounts, the page shown, or all the filters match.
TICKED, PAGE, ALL = "ticked", "page", "all"
_FILTER_FIELDS = ("q", "org", "since", "printed")


def _since(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text[:40])
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _pending_filter(values: MultiDict) -> tuple[activation.PendingFilter, dict[str, str], bool]:
    """The filters from a query string (or a form that repeats it), the arguments to repeat
    them, and whether the organisation typed was found (a warning is flashed if not)."""
    org_text = values.get("org", "").strip()[:100]
    org, found = None, True
    if org_text:
        try:
            org = orgs.lookup_org(org_text, current_user)
        except orgs.OrgError as error:
            flash(str(error), "warning")
            found = False
    since = _since(values.get("since", ""))
    printed = values.get("printed", "")
    filters = activation.PendingFilter(
        q=values.get("q", "")[:50],
        org=org,
        since=since,
        printed=printed if printed in activation.PRINTED_FILTERS else "",
    )
    args = {
        "q": filters.q,
        "org": org_text,
        "since": since.isoformat() if since else "",
        "printed": filters.printed,
    }
    return filters, {k: v for k, v in args.items() if v}, found


@bp.get("/activation")
def activation_list():
    page = max(1, request.args.get("page", 1, type=int))
    filters, args, found = _pending_filter(request.args)
    rows, total = [], 0
    if found:
        rows, total = registry.user_page(
            activation.pending_query(current_user, filters), page, ACTIVATION_PAGE_SIZE
        )
    return render_template(
        "accounts/activation.html",
        accounts=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // ACTIVATION_PAGE_SIZE)),
        args=args,
        filters=filters,
        printed_filters=activation.PRINTED_FILTERS,
        max_per_print=activation.MAX_PER_PRINT,
    )


def _chosen() -> tuple[list[User], int]:
    """The accounts the print form names, and how many of its ids name no account."""
    scope = request.form.get("scope", TICKED)
    if scope == ALL:
        filters, _, found = _pending_filter(request.form)
        if not found:
            raise activation.ActivationRefused("没有打印任何激活单。")
        return activation.pending_members(current_user, filters), 0
    return activation.members_by_ids(
        request.form.getlist("page_member" if scope == PAGE else "member")
    )


@bp.post("/activation/print")
def activation_print():
    back = {k: v for k in _FILTER_FIELDS if (v := request.form.get(k, "").strip())}
    try:
        members, unknown = _chosen()
        slips = activation.print_slips(current_user, members, unknown=unknown)
    except activation.ActivationRefused as refused:
        db.session.rollback()
        flash(str(refused), "warning")
        return redirect(url_for("accounts.activation_list", **back))
    db.session.commit()
    # The passwords are on this response only: hashed in the database, never in a URL or a log.
    login_url = external_url("auth.login")
    return render_template(
        "accounts/slips.html",
        slips=slips,
        replaced=sum(1 for slip in slips if slip.replaces),
        login_url=login_url,
        qr_symbol=qr.symbol(login_url, "login-qr"),
        printed_at=utcnow(),
        back=back,
    )


# --- who looked at a member's archive ----------------------------------------------------------

LOOKS_PER_PAGE = 50


@bp.get("/<int:account_id>/archive-views")
def archive_views(account_id: int):
    member = _load(account_id)
    page = max(1, request.args.get("page", 1, type=int))
    looks, total = registry.archive_looks(member, page, LOOKS_PER_PAGE)
    return render_template(
        "accounts/archive_views.html",
        member=member,
        looks=looks,
        total=total,
        page=page,
        pages=max(1, -(-total // LOOKS_PER_PAGE)),
    )
