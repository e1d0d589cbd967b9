"""Completion reports: overview, member list, grid and exports."""

import io
from itertools import islice

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.routing import BuildError

from school.clock import current_year, local_today
from school.courses.models import Course
from school.db import db
from school.orgs.models import Organisation
from school.orgs.scope import RELATIONS, read_now, report_roots
from school.reports import anomalies, documents, exports, queries
from school.reports import bulletins as bulletin_service
from school.reports.overdue import OverdueFilter
from school.reports.permissions import can_view_reports
from school.reports.status import STATUSES
from school.spreadsheets import XLSX_MIMETYPE

bp = Blueprint("reports", __name__, url_prefix="/reports", template_folder="templates")

# Tabs another part of the reports offers when it is installed: (endpoint, label).
FOLLOWUP_TABS = (
    ("followup.overdue", "逾期名单"),
    ("followup.bulletins", "定期通报"),
    ("followup.received", "收到的通报"),
)


def _require_staff() -> None:
    if not current_user.is_staff:
        abort(403)


def _load_org(org_id: int) -> Organisation:
    """The organisation if the viewer may see its report; 404 otherwise (never 403)."""
    _require_staff()
    org = db.session.get(Organisation, org_id)
    if org is None or not can_view_reports(current_user, org):
        abort(404)
    return org


def _followup_tabs(org: Organisation) -> list[tuple[str, str]]:
    tabs = []
    for endpoint, label in FOLLOWUP_TABS:
        if endpoint in current_app.view_functions:
            try:
                tabs.append((url_for_org(endpoint, org), label))
            except BuildError:
                continue
    return tabs


def url_for_org(endpoint: str, org: Organisation) -> str:
    return url_for(endpoint, org_id=org.id)


def _context(org: Organisation, filters: queries.Filters, tab: str, courses: list[Course]) -> dict:
    this_year = current_year()
    return {
        "org": org,
        "filters": filters,
        "tab": tab,
        "crumbs": queries.breadcrumb(org, current_user),
        "followup_tabs": _followup_tabs(org),
        "relations": RELATIONS,
        "statuses": STATUSES,
        "sorts": queries.SORTS,
        "courses": courses,
        # This year and the five before it: a year still to come has nothing to report.
        "years": list(range(this_year, this_year - 6, -1)),
        "as_of_months": queries.as_of_months(filters.year, local_today()),
    }


def _readable(page: queries.Page, filters: queries.Filters) -> set[int] | None:
    """The listed members whose archive the viewer may open, None for all of them: a closed
    year (or a month's end) lists members where they were then, and some have moved out of
    reach since."""
    if filters.year >= current_year() and filters.as_of is None:
        return None
    return read_now(current_user, [row.id for row in page.rows])


@bp.get("/")
@login_required
def index():
    _require_staff()
    roots = report_roots(current_user)
    if len(roots) == 1:
        return redirect(url_for_org("reports.overview", roots[0]))
    return render_template("reports/chooser.html", roots=roots)


@bp.get("/<int:org_id>")
@login_required
def overview(org_id: int):
    org = _load_org(org_id)
    filters = queries.parse_filters(request.args)
    courses = queries.published_courses()
    report = queries.overview(org, filters, courses=courses)
    return render_template(
        "reports/overview.html", report=report, **_context(org, filters, "overview", courses)
    )


@bp.get("/<int:org_id>/members")
@login_required
def members(org_id: int):
    org = _load_org(org_id)
    filters = queries.parse_filters(request.args)
    page = queries.member_rows(org, filters, queries.parse_page(request.args.get("page")))
    return render_template(
        "reports/members.html",
        page=page,
        hints=anomalies.hints([row.id for row in page.rows], filters.year),
        readable=_readable(page, filters),
        run=anomalies.RUN,
        night=anomalies.NIGHT_LESSONS,
        **_context(org, filters, "members", queries.published_courses()),
    )


@bp.get("/<int:org_id>/grid")
@login_required
def grid(org_id: int):
    org = _load_org(org_id)
    filters = queries.parse_filters(request.args)
    page = queries.grid(org, filters, queries.parse_page(request.args.get("page")))
    return render_template(
        "reports/grid.html",
        page=page,
        readable=_readable(page, filters),
        **_context(org, filters, "grid", queries.published_courses()),
    )


def _download(data: bytes, name: str, fmt: str):
    # Werkzeug adds "; charset=utf-8" to text/* itself: naming it here would send it twice.
    mimetype = XLSX_MIMETYPE if fmt == "xlsx" else "text/csv"
    return send_file(
        io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=f"{name}.{fmt}"
    )


def _export(org_id: int, kind: str, fmt: str):
    org = _load_org(org_id)
    filters = queries.parse_filters(request.args)
    phone_of = documents.PhoneShown(current_user)
    if kind == "grid":
        table = exports.grid_table(*queries.iter_grid_rows(org, filters), phone_of)
        what = "学习矩阵"
    else:
        table = exports.member_table(*queries.iter_member_rows(org, filters), phone_of)
        what = "党员学时"
    name = f"{org.name}{what}{filters.year}"
    if fmt == "csv":
        return _download(exports.to_csv(table), name, fmt)
    words = documents.filter_words(filters, queries.published_courses())
    heading = documents.heading(org, what, words, local_today())
    return _download(exports.to_xlsx(table, name, heading), name, fmt)


@bp.get("/<int:org_id>/members.xlsx")
@login_required
def members_xlsx(org_id: int):
    return _export(org_id, "members", "xlsx")


@bp.get("/<int:org_id>/members.csv")
@login_required
def members_csv(org_id: int):
    return _export(org_id, "members", "csv")


@bp.get("/<int:org_id>/grid.xlsx")
@login_required
def grid_xlsx(org_id: int):
    return _export(org_id, "grid", "xlsx")


@bp.get("/<int:org_id>/grid.csv")
@login_required
def grid_csv(org_id: int):
    return _export(org_id, "grid", "csv")


@bp.get("/<int:org_id>/overview.xlsx")
@login_required
def overview_xlsx(org_id: int):
    org = _load_org(org_id)
    filters = queries.parse_filters(request.args)
    courses = queries.published_courses()
    report = queries.overview(org, filters, courses=courses)
    words = documents.filter_words(filters, courses, with_rows=False)
    name = f"{org.name}学习概况{filters.year}"
    heading = documents.heading(org, "学习完成情况概况", words, local_today())
    return _download(exports.overview_xlsx(report, name, heading), name, "xlsx")


# --- print views: no navigation, the organisation, date and filters on top, A4 -------------------


def _print(template: str, org: Organisation, title: str, words: list[str], **context):
    return render_template(
        f"reports/{template}", org=org, title=title, words=words, today=local_today(), **context
    )


@bp.get("/<int:org_id>/print")
@login_required
def overview_print(org_id: int):
    org = _load_org(org_id)
    filters = queries.parse_filters(request.args)
    courses = queries.published_courses()
    report = queries.overview(org, filters, courses=courses)
    words = documents.filter_words(filters, courses, with_rows=False)
    back = url_for("reports.overview", org_id=org.id, **filters.args())
    return _print(
        "print_overview.html",
        org,
        "学习完成情况概况",
        words,
        report=report,
        statuses=STATUSES,
        back=back,
    )


def _print_members(org_id: int, kind: str):
    org = _load_org(org_id)
    filters = queries.parse_filters(request.args)
    grid = kind == "grid"
    iterate = queries.iter_grid_rows if grid else queries.iter_member_rows
    courses, lessons, rows = iterate(org, filters)
    shown = list(islice(rows, documents.PRINT_LIMIT + 1))
    return _print(
        "print_members.html",
        org,
        "课程矩阵" if grid else "党员名单",
        documents.filter_words(filters, queries.published_courses()),
        grid=grid,
        courses=courses,
        lessons=lessons,
        rows=shown[: documents.PRINT_LIMIT],
        cut=len(shown) > documents.PRINT_LIMIT,
        limit=documents.PRINT_LIMIT,
        back=url_for(f"reports.{kind}", org_id=org.id, **filters.args()),
    )


@bp.get("/<int:org_id>/members/print")
@login_required
def members_print(org_id: int):
    return _print_members(org_id, "members")


@bp.get("/<int:org_id>/grid/print")
@login_required
def grid_print(org_id: int):
    return _print_members(org_id, "grid")


# --- the overdue list and the bulletins received, as files and print-outs ------------------------


def _overdue_filter() -> OverdueFilter:
    return OverdueFilter.parse(request.args.get("relation"), request.args.get("floating"))


def _overdue_export(org_id: int, fmt: str):
    org = _load_org(org_id)
    filt = _overdue_filter()
    year, rows = documents.iter_overdue(current_user, org, filt)
    table = exports.overdue_table(rows)
    name = f"{org.name}逾期名单{year}"
    if fmt == "csv":
        return _download(exports.to_csv(table), name, fmt)
    heading = documents.heading(org, "逾期名单", documents.overdue_words(filt, year), local_today())
    return _download(exports.to_xlsx(table, name, heading), name, fmt)


@bp.get("/<int:org_id>/overdue.xlsx")
@login_required
def overdue_xlsx(org_id: int):
    return _overdue_export(org_id, "xlsx")


@bp.get("/<int:org_id>/overdue.csv")
@login_required
def overdue_csv(org_id: int):
    return _overdue_export(org_id, "csv")


@bp.get("/<int:org_id>/overdue/print")
@login_required
def overdue_print(org_id: int):
    org = _load_org(org_id)
    filt = _overdue_filter()
    year, rows = documents.iter_overdue(current_user, org, filt)
    shown = list(islice(rows, documents.PRINT_LIMIT + 1))
    floating = "1" if filt.floating_only else None
    return _print(
        "print_overdue.html",
        org,
        "逾期名单",
        documents.overdue_words(filt, year),
        rows=shown[: documents.PRINT_LIMIT],
        cut=len(shown) > documents.PRINT_LIMIT,
        limit=documents.PRINT_LIMIT,
        statuses=STATUSES,
        back=url_for("followup.overdue", org_id=org.id, relation=filt.relation, floating=floating),
    )


@bp.get("/<int:org_id>/received/print")
@login_required
def received_print(org_id: int):
    org = _load_org(org_id)
    page = queries.parse_page(request.args.get("page"))
    rows, total = bulletin_service.received(org, page)
    pages = max(1, -(-total // bulletin_service.PER_PAGE))
    return _print(
        "print_received.html",
        org,
        "收到的定期通报",
        [f"共 {total} 份", f"第 {page}/{pages} 页"],
        bulletins=rows,
        back=url_for("followup.received", org_id=org.id, page=page),
    )
