from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError

from school.auth import sessions
from school.db import db
from school.notifications import services

bp = Blueprint("notifications", __name__, url_prefix="/notifications", template_folder="templates")

PER_PAGE = 20

# Every page's header shows the count: the login check computes it in its own statement.
sessions.add_figure("unread_notifications", services.unread_count_of_user())


@bp.get("/")
@login_required
def inbox():
    page = max(1, request.args.get("page", 1, type=int))
    notifications, total = services.inbox(current_user, page, PER_PAGE)
    return render_template(
        "notifications/inbox.html",
        notifications=notifications,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
    )


@bp.get("/<int:notification_id>")
@login_required
def follow(notification_id: int):
    notification = services.open_notification(current_user, notification_id)
    if notification is None:  # someone else's: it does not exist for this user
        abort(404)
    db.session.commit()
    # notify() only stores local paths; checked again so a row written any other way cannot
    # turn this into an open redirect.
    return redirect(services.local_target(notification.url) or url_for("notifications.inbox"))


@bp.post("/read-all")
@login_required
def read_all():
    services.mark_all_read(current_user)
    db.session.commit()
    return redirect(url_for("notifications.inbox"))


@bp.app_context_processor
def _unread_notifications() -> dict:
    # Registered with the blueprint because base.html links to it: the badge and its page come
    # and go together. A callable, so pages that do not show the header run no query.
    def unread_notifications() -> int:
        if not current_user.is_authenticated:
            return 0
        if "unread_notifications" not in g:
            if "unread_notifications" in current_user.figures:
                # Counted by the login check (registered above); writes to notifications
                # redirect, so the count is never older than the request's own writes.
                g.unread_notifications = current_user.figures["unread_notifications"]
                return g.unread_notifications
            try:
                g.unread_notifications = services.unread_count(current_user)
            except SQLAlchemyError:
                # The 500 page renders the header after a failed transaction: a missing badge
                # is better than losing the error page. The original error is already logged.
                g.unread_notifications = 0
        return g.unread_notifications

    return {"unread_notifications": unread_notifications}
