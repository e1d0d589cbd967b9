"""The service worker that keeps recently opened lessons readable offline, served from the site's
root so that its scope is the whole site (a script under /static/ could only control /static/).

The script itself is ``static/service-worker.js``; what it keeps and when it forgets is described
there. It holds nothing personal, so anyone may fetch it.
"""

from flask import Blueprint, current_app, send_from_directory

bp = Blueprint("offline", __name__)


@bp.get("/service-worker.js")
def service_worker():
    """The service worker script; the browser checks it for updates on every visit."""
    return send_from_directory(
        current_app.static_folder, "service-worker.js", mimetype="text/javascript", max_age=0
    )
