"""Membership transfers for staff: the lists of both sides, a request, and its decision."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from school.auth.models import User
from school.db import db
from school.forms import options
from school.members import transfers
from school.members.forms import (
    TransferAcceptForm,
    TransferRequestForm,
    TransferReturnForm,
    TransferWithdrawForm,
)
from school.members.models import Transfer
from school.members.permissions import (
    can_decide_transfer,
    can_request_transfer,
    can_view_member,
    can_view_transfer,
    can_withdraw_transfer,
    receives_transfer,
    sends_transfer,
)
from school.members.services import RegistryError
from school.orgs.models import Organisation

bp = Blueprint("transfers", __name__, url_prefix="/manage/transfers", template_folder="templates")


def _require_staff() -> None:
    if not current_user.is_staff:
        abort(403)


def _load(transfer_id: int) -> Transfer:
    """404 unless the viewer reads one of the organisations the request names."""
    _require_staff()
    transfer = db.session.get(Transfer, transfer_id)
    if transfer is None or not can_view_transfer(current_user, transfer):
        abort(404)
    return transfer


@bp.get("/")
@login_required
def index():
    _require_staff()
    return render_template(
        "members/transfers.html",
        lists=transfers.lists(current_user),
        can_decide=lambda t: can_decide_transfer(current_user, t),
    )


def _load_member(member_id: int) -> User:
    _require_staff()
    member = db.session.get(User, member_id)
    if member is None or not can_view_member(current_user, member):
        abort(404)
    if not can_request_transfer(current_user, member):
        abort(403)
    return member


def _request_page(member: User, form: TransferRequestForm, error: str = ""):
    query = request.values.get("q", "").strip()[:50]
    found = transfers.search_orgs(query)
    chosen = _org(form.to_org.data)
    if chosen is not None and chosen not in found:
        found.insert(0, chosen)  # keep the choice on the page when it is shown again
    return render_template(
        "members/transfer_new.html",
        member=member,
        form=form,
        query=query,
        found=found,
        lines=transfers.org_lines(found),
        chosen=chosen.id if chosen else None,
        pending=transfers.pending_for(member),
        error=error,
    )


def _org(value: str | None) -> Organisation | None:
    text = (value or "").strip()
    return db.session.get(Organisation, int(text)) if text.isdigit() else None


@bp.get("/new/<int:member_id>")
@login_required
def new(member_id: int):
    member = _load_member(member_id)
    return _request_page(member, TransferRequestForm(formdata=None))


@bp.post("/new/<int:member_id>")
@login_required
def create(member_id: int):
    member = _load_member(member_id)
    form = TransferRequestForm()
    if not form.validate_on_submit():
        return _request_page(member, form)
    to_org = _org(form.to_org.data)
    try:
        if to_org is None:
            raise RegistryError("请先搜索并选择接收党组织。")
        transfer = transfers.request_transfer(current_user, member, to_org, form.reason.data)
    except RegistryError as error:
        db.session.rollback()
        return _request_page(member, form, str(error))
    db.session.commit()
    flash(f"转接申请已提交，待“{to_org.name}”接收。", "success")
    return redirect(url_for("transfers.detail", transfer_id=transfer.id))


def _detail_page(transfer: Transfer, *, accept=None, give_back=None, withdraw=None, error=""):
    query = request.values.get("q", "").strip()[:50]
    choices, more = _placements(transfer, query)
    if accept is None:
        accept = TransferAcceptForm(formdata=None, prefix="accept")
    accept.placed.choices = choices
    return render_template(
        "members/transfer.html",
        transfer=transfer,
        member_visible=can_view_member(current_user, transfer.member),
        can_decide=can_decide_transfer(current_user, transfer),
        can_withdraw=can_withdraw_transfer(current_user, transfer),
        accept_form=accept,
        query=query,
        more=more,
        return_form=give_back or TransferReturnForm(formdata=None, prefix="return"),
        withdraw_form=withdraw or TransferWithdrawForm(formdata=None, prefix="withdraw"),
        error=error,
    )


def _placements(transfer: Transfer, query: str):
    if not can_decide_transfer(current_user, transfer):
        return [], False
    choices, more = transfers.placements(transfer, query)
    return options(choices), more


@bp.get("/<int:transfer_id>")
@login_required
def detail(transfer_id: int):
    return _detail_page(_load(transfer_id))


def _step(transfer: Transfer, form, permitted: bool, run, done: str, **page):
    """Check, validate, take the step, commit once; the page again with the reason if refused
    (a request decided meanwhile, in another tab or by a double click, is refused by the
    service with what became of it)."""
    if not permitted:
        abort(403)
    if not transfer.is_pending:
        return _detail_page(transfer, error=transfers.refusal(transfer))
    if not form.validate_on_submit():
        return _detail_page(transfer, **page)
    try:
        run()
    except RegistryError as error:
        db.session.rollback()
        return _detail_page(db.session.get(Transfer, transfer.id), error=str(error), **page)
    db.session.commit()
    flash(done, "success")
    return redirect(url_for("transfers.detail", transfer_id=transfer.id))


@bp.post("/<int:transfer_id>/accept")
@login_required
def accept(transfer_id: int):
    transfer = _load(transfer_id)
    form = TransferAcceptForm(prefix="accept")
    return _step(
        transfer,
        form,
        receives_transfer(current_user, transfer),
        lambda: transfers.accept_transfer(
            current_user,
            transfer,
            db.session.get(Organisation, form.placed.data) if form.placed.data else None,
            form.note.data,
        ),
        "已接收，党员的组织关系已转入。",
        accept=form,
    )


@bp.post("/<int:transfer_id>/return")
@login_required
def give_back(transfer_id: int):
    transfer = _load(transfer_id)
    form = TransferReturnForm(prefix="return")
    return _step(
        transfer,
        form,
        receives_transfer(current_user, transfer),
        lambda: transfers.return_transfer(current_user, transfer, form.reason.data),
        "已退回转接申请。",
        give_back=form,
    )


@bp.post("/<int:transfer_id>/withdraw")
@login_required
def withdraw(transfer_id: int):
    transfer = _load(transfer_id)
    form = TransferWithdrawForm(prefix="withdraw")
    return _step(
        transfer,
        form,
        sends_transfer(current_user, transfer),
        lambda: transfers.withdraw_transfer(current_user, transfer, form.note.data),
        "已撤回转接申请。",
        withdraw=form,
    )
