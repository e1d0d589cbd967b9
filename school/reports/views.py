"""Completion reports: overview, member list, grid and exports."""

import io

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

from school.clock import current_year
from school.courses.models import Course
from school.db import db
from school.orgs.models import Organisation
from school.orgs.scope import RELATIONS, report_roots
from school.reports import anomalies, exports, queries
from school.reports.permissions import can_view_reports
from school.reports.status import STATUSES
from school.spreadsheets import XLSX_MIMETYPE

bp = Blueprint("reports", __name__, url_prefix="/reports", template_folder="templates")

# Tabs another part of the reports offers when it is installed: (endpoint, label).
FOLLOWUP_TABS = (("followup.overdue", "逾期名单"), ("followup.bulletins", "定期通报"))


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
        "years": list(range(this_year + 1, this_year - 6, -1)),
    }


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
        **_context(org, filters, "grid", queries.published_courses()),
    )


def _export(org_id: int, kind: str, fmt: str):
    org = _load_org(org_id)
    filters = queries.parse_filters(request.args)
    if kind == "grid":
        table = exports.grid_table(*queries.iter_grid_rows(org, filters))
        title = f"{org.name}学习矩阵{filters.year}"
    else:
        table = exports.member_table(*queries.iter_member_rows(org, filters))
        title = f"{org.name}党员学时{filters.year}"
    if fmt == "xlsx":
        data, mimetype = exports.to_xlsx(table, title), XLSX_MIMETYPE
    else:
        # Werkzeug adds "; charset=utf-8" to text/* itself: naming it here would send it twice.
        data, mimetype = exports.to_csv(table), "text/csv"
    return send_file(
        io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=f"{title}.{fmt}"
    )


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
