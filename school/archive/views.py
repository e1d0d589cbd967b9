from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required

from school.archive import services
from school.archive.links import entry_links
from school.archive.page import archive_page
from school.archive.permissions import can_view_archive
from school.auth.models import User
from school.clock import current_year
from school.db import db, utcnow

bp = Blueprint("archive", __name__, url_prefix="/archive", template_folder="templates")


def _year() -> int:
    this_year = current_year()
    year = request.args.get("year", type=int)
    return year if year is not None and 2000 <= year <= this_year + 1 else this_year


def _render(member: User, *, printable: bool):
    year = _year()
    years = services.years_with_entries(member)
    if year not in years:
        years = sorted({*years, year}, reverse=True)
    entries = services.entries(member, year)
    return render_template(
        "archive/print.html" if printable else "archive/archive.html",
        member=member,
        own=member.id == current_user.id,
        year=year,
        years=years,
        lines=services.ledger_lines(entries),
        link=lambda entry: entry_links.url(current_user, entry),
        printable=printable,
        summary=services.summary_of(member, year, entries),
        now=utcnow(),
        **archive_page.context(current_user, member),
    )


@bp.get("/")
@login_required
def mine():
    return _render(current_user, printable=False)


@bp.get("/print")
@login_required
def mine_print():
    return _render(current_user, printable=True)


def _load_member(member_id: int) -> User:
    member = db.session.get(User, member_id)
    # 404 rather than 403: whether a member exists is itself not for everyone to know.
    if member is None or not can_view_archive(current_user, member):
        abort(404)
    services.log_access(current_user, member)
    db.session.commit()
    return member


@bp.get("/members/<int:member_id>")
@login_required
def member(member_id: int):
    return _render(_load_member(member_id), printable=False)


@bp.get("/members/<int:member_id>/print")
@login_required
def member_print(member_id: int):
    return _render(_load_member(member_id), printable=True)
