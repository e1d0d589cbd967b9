"""The search page: one box, results by relevance, tabs by kind, related terms when none."""

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from school.search import service
from school.search.models import KINDS
from school.search.suggest import related_terms

bp = Blueprint("search", __name__, url_prefix="/search", template_folder="templates")

PER_PAGE = 20
MAX_PAGE = 500  # 10,000 results: nobody pages further, and deep pages cost the index work
# Offered on the empty page: what members most often look for.
EXAMPLES = ("流动党员", "学时", "党员权利", "活动证", "“组织关系转接”")


@bp.app_context_processor
def _search_box() -> dict:
    # The header's box on every page stops at the length the search accepts: a query in Chinese
    # past it would also make a request line over the server's limit (README, deployment).
    return {"search_query_max": service.QUERY_MAX}


@bp.get("/")
@login_required
def index():
    query = request.args.get("q", "").strip()
    kind = request.args.get("kind")
    kind = kind if kind in KINDS else None
    page = min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)
    # Only handlers find other people's tickets: what a member finds there is their own.
    handler = current_user.is_staff or current_user.is_instructor
    kinds = KINDS if handler else {**KINDS, "ticket": "我的事项"}
    context = {"query": query, "kind": kind, "kinds": kinds, "examples": EXAMPLES}
    if not query:
        return render_template("search/index.html", **context)
    if len(query) > service.QUERY_MAX:
        return render_template("search/index.html", too_long=service.QUERY_MAX, **context)
    results = service.search(current_user, query, kind=kind, page=page, per_page=PER_PAGE)
    found = sum(results.counts.values())
    # Only when nothing at all was found: a filtered tab that is empty has its other tabs.
    related = related_terms(current_user, query) if not found and not results.rebuilding else None
    return render_template(
        "search/index.html", results=results, found=found, related=related, **context
    )
