"""The school's own floor: its app with two pages that do nothing of their own.

``bench.pages`` serves this next to the school and the bare Flask hello, so a page's cost splits
into what any request of the school costs (hooks, session cookie, CSRF, security headers), what
the login check adds (one statement), the header every page shows, and the page's own work:

- ``/_bench/signed-in``: a signed-in member gets "ok" (the login check, nothing else);
- ``/_bench/header``: a signed-in member gets the site's frame with an empty body.

Only the benchmark serves these routes; ``wsgi:app`` never has them.
"""

from flask import Blueprint, render_template
from flask_login import login_required

from school import create_app

bp = Blueprint("bench", __name__, url_prefix="/_bench", template_folder="templates")


@bp.get("/signed-in")
@login_required
def signed_in() -> str:
    return "ok"


@bp.get("/header")
@login_required
def header() -> str:
    return render_template("bench_header.html")


app = create_app()
app.register_blueprint(bp)
