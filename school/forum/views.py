"""Boards: lists, new items, threads with replies, the workflow buttons, the staff queue."""

import secrets
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required

from school import uploads
from school.auth.models import User
from school.clock import local_today
from school.courses.models import Lesson
from school.db import db
from school.forum import forwarding, services
from school.forum.forms import IMAGE_LIMIT, EditForm, FaqCopyForm, ReplyForm, ThreadForm
from school.forum.models import (
    BOARDS,
    FAQ_REFUSALS,
    HELP_CATEGORIES,
    STATES,
    Attachment,
    Post,
    Thread,
)
from school.forum.permissions import (
    can_accept,
    can_forward,
    can_object,
    can_reply,
    can_supervise,
    can_view,
    can_withdraw,
    faq_refusal,
    handles,
    is_public,
    manages,
    reads_as_staff,
    visible_posts,
)
from school.forum.services import ForumError
from school.images import ImageRejected, open_path, store_image

bp = Blueprint("forum", __name__, url_prefix="/forum", template_folder="templates")


@bp.before_request
@login_required
def _members_only():
    """Every board page needs a login; login_required answers for anonymous visitors."""


def _uploads() -> Path:
    return uploads.folder("forum")


def _load_thread(thread_id: int) -> Thread:
    thread = db.session.get(Thread, thread_id)
    # Private items answer 404 to everyone else: whether they exist is not theirs to know.
    if thread is None or not can_view(current_user, thread):
        abort(404)
    return thread


def _board(board: str) -> str:
    if board not in BOARDS:
        abort(404)
    return board


def _attach(thread: Thread, post: Post | None, upload) -> None:
    if upload is None or not upload.filename:
        return
    stored = store_image(
        upload.read(), upload.filename, _uploads(), max_bytes=uploads.limit_bytes(IMAGE_LIMIT)
    )
    db.session.add(
        Attachment(
            thread_id=thread.id,
            post_id=post.id if post else None,
            stored_name=stored.name,
            original_name=stored.original_name,
            mime=stored.mime,
            size=stored.size,
            width=stored.width,
            height=stored.height,
        )
    )


@bp.get("/")
def index():
    return render_template(
        "forum/index.html", boards=BOARDS, mine=services.my_threads(current_user)[:5]
    )


@bp.get("/mine")
def mine():
    return render_template("forum/mine.html", threads=services.my_threads(current_user))


@bp.get("/<board>/")
def board(board: str):
    board = _board(board)
    page = max(1, request.args.get("page", 1, type=int))
    threads, total = services.public_threads(board, page)
    return render_template(
        "forum/board.html",
        board=board,
        label=BOARDS[board],
        threads=threads,
        total=total,
        page=page,
        pages=max(1, -(-total // 30)),
    )


@bp.route("/<board>/new", methods=["GET", "POST"])
@uploads.accepts(IMAGE_LIMIT)
def new(board: str):
    board = _board(board)
    lesson = (
        db.session.get(Lesson, request.args.get("lesson", 0, type=int)) if board == "qa" else None
    )
    if lesson is not None and (lesson.retired or not lesson.course.is_published):
        lesson = None
    form = ThreadForm()
    if request.method == "GET":
        form.client_token.data = secrets.token_urlsafe(16)
    if form.validate_on_submit():
        try:
            thread = services.create_thread(
                current_user,
                services.NewThread(
                    board=board,
                    title=form.title.data,
                    body=form.body.data,
                    anonymous=form.anonymous.data,
                    public=form.public.data,
                    to_host=form.target.data == "host",
                    course=lesson.course if lesson else None,
                    lesson=lesson,
                    help_category=form.help_category.data or None,
                    client_token=form.client_token.data or None,
                ),
            )
            if not thread.attachments:  # a resent form already carried its image
                _attach(thread, None, form.image.data)
        except (ForumError, ImageRejected) as exc:
            db.session.rollback()
            flash(str(exc), "warning")
        else:
            db.session.commit()
            flash("已提交。有答复时会在“消息”里通知您。", "success")
            return redirect(url_for("forum.thread", thread_id=thread.id))
    return render_template(
        "forum/new.html",
        board=board,
        label=BOARDS[board],
        form=form,
        lesson=lesson,
        destinations=services.destinations(current_user),
        sides=services.SIDES,
        categories=HELP_CATEGORIES,
    )


@bp.get("/threads/<int:thread_id>")
def thread(thread_id: int):
    thread = _load_thread(thread_id)
    form = ReplyForm()
    form.client_token.data = secrets.token_urlsafe(16)
    return _thread_page(thread, form)


def _thread_page(thread: Thread, form: ReplyForm):
    """The thread with its reply form: empty, or as sent back with the member's text."""
    staff = handles(current_user, thread)
    # Staff of an organisation that handed the item on read it as staff do, but no longer act.
    reader = staff or reads_as_staff(current_user, thread)
    may_forward = can_forward(current_user, thread)
    # Staff tools, and why FAQ is not offered, are for staff and instructors, never members; a
    # FAQ copy says what it is instead.
    faq_tools = (
        thread.board == "qa"
        and not thread.is_faq_copy
        and (current_user.is_staff or current_user.is_instructor)
    )
    asker = thread.board == "qa" and thread.author_id == current_user.id
    own_copy = thread.faq_copy if asker else None
    return render_template(
        "forum/thread.html",
        thread=thread,
        posts=visible_posts(current_user, thread),
        author=services.author_label(current_user, thread),
        form=form,
        staff=staff,
        reader=reader,
        handed_on=reader and not staff,
        hops=forwarding.forwards(thread) if reader and thread.org else [],
        can_forward=may_forward,
        targets=forwarding.forward_targets(thread) if may_forward else [],
        can_supervise=reader and can_supervise(current_user, thread),
        past_due=reader and services.is_past_due(thread),
        today=local_today(),
        managing=manages(current_user, thread),
        can_reply=can_reply(current_user, thread),
        can_withdraw=can_withdraw(current_user, thread),
        can_accept=lambda post: can_accept(current_user, thread, post),
        moves=services.moves(thread),
        states=STATES,
        events=[e for e in services.events(thread) if reader or not e.internal],
        revisions=services.revisions(thread) if reader else [],
        assignees=services.handlers(thread) if staff and thread.is_ticket else [],
        overdue=services.is_late(thread),
        days_open=services.days_since(thread.created_at),
        public=is_public(thread),
        faq_tools=faq_tools,
        faq_refusal=faq_refusal(current_user, thread) if faq_tools else None,
        faq_refusals=FAQ_REFUSALS,
        own_copy=own_copy,
        can_object=own_copy is not None and can_object(current_user, thread),
        objection_until=services.objection_until(own_copy) if own_copy else None,
    )


def _back(thread: Thread):
    return redirect(url_for("forum.thread", thread_id=thread.id))


def _act(thread: Thread, action, success: str):
    try:
        action()
    except ForumError as exc:
        db.session.rollback()
        flash(str(exc), "warning")
    else:
        db.session.commit()
        flash(success, "success")
    return _back(thread)


@bp.post("/threads/<int:thread_id>/reply")
@uploads.accepts(IMAGE_LIMIT)
def reply(thread_id: int):
    thread = _load_thread(thread_id)
    form = ReplyForm()
    if form.validate_on_submit():
        try:
            post = services.reply(
                current_user,
                thread,
                form.body.data,
                note=form.note.data,
                client_token=form.client_token.data or None,
            )
            if not post.attachments:  # a resent form already carried its image
                _attach(thread, post, form.image.data)
        except (ForumError, ImageRejected) as exc:
            db.session.rollback()
            flash(str(exc), "warning")
        else:
            db.session.commit()
            flash("已发送。", "success")
            return _back(thread)
    else:
        flash("回复没有发送，请按下面的提示修改；您写的内容还在。", "warning")
    # The page again with the reply form as sent: a long reply is never lost to a refusal.
    return _thread_page(thread, form)


@bp.post("/threads/<int:thread_id>/state")
def state(thread_id: int):
    thread = _load_thread(thread_id)
    target = request.form.get("to", "")
    return _act(thread, lambda: services.change_state(current_user, thread, target), "状态已更新。")


@bp.post("/threads/<int:thread_id>/assign")
def assign(thread_id: int):
    thread = _load_thread(thread_id)
    assignee = db.session.get(User, request.form.get("assignee", 0, type=int))
    if assignee is None:
        abort(404)
    return _act(thread, lambda: services.assign(current_user, thread, assignee), "已分派。")


@bp.post("/threads/<int:thread_id>/forward")
def forward(thread_id: int):
    thread = _load_thread(thread_id)
    form = request.form

    def hand_on():
        target = forwarding.find_target(
            current_user, form.get("to", type=int), form.get("to_code", "")
        )
        forwarding.forward(
            current_user,
            thread,
            target,
            form.get("reason", ""),
            from_org_id=form.get("from", type=int),
            due_on=forwarding.parse_due(form.get("due_on")),
        )

    return _act(thread, hand_on, "已转办，接收的党组织会收到通知。")


@bp.post("/threads/<int:thread_id>/deadline")
def deadline(thread_id: int):
    thread = _load_thread(thread_id)
    lift = request.form.get("lift") == "1"

    def supervise():
        due_on = None if lift else forwarding.parse_due(request.form.get("due_on"))
        if due_on is None and not lift:
            raise ForumError("请填写督办期限。")
        forwarding.set_deadline(current_user, thread, due_on)

    return _act(thread, supervise, "已取消督办。" if lift else "督办期限已设定。")


@bp.post("/threads/<int:thread_id>/accept/<int:post_id>")
def accept(thread_id: int, post_id: int):
    thread = _load_thread(thread_id)
    post = db.session.get(Post, post_id)
    if (
        post is None
        or post.thread_id != thread.id
        or post not in visible_posts(current_user, thread)
    ):
        abort(404)
    return _act(thread, lambda: services.accept(current_user, thread, post), "已采纳，问题已解决。")


@bp.post("/threads/<int:thread_id>/withdraw")
def withdraw(thread_id: int):
    thread = _load_thread(thread_id)
    return _act(thread, lambda: services.withdraw(current_user, thread), "已撤回。")


@bp.post("/threads/<int:thread_id>/moderate")
def moderate(thread_id: int):
    thread = _load_thread(thread_id)
    action = request.form.get("action", "")
    if action == "faq":
        return _act(thread, lambda: services.promote_faq(current_user, thread), "已设为常见问题。")
    return _act(thread, lambda: services.moderate(current_user, thread, action), "已处理。")


@bp.route("/threads/<int:thread_id>/faq-copy", methods=["GET", "POST"])
def faq_copy(thread_id: int):
    thread = _load_thread(thread_id)
    if not handles(current_user, thread):
        abort(403)
    refusal = faq_refusal(current_user, thread)
    if refusal is not None or thread.visibility == "public":
        reason = FAQ_REFUSALS[refusal] if refusal else "公开的问题可以直接设为常见问题"
        flash(f"{reason}。", "warning")
        return _back(thread)
    draft = services.faq_draft(thread)
    form = FaqCopyForm(
        data=None
        if request.method == "POST"
        else {"title": draft.title, "question": draft.question, "answer": draft.answer}
    )
    text = services.FaqDraft(
        form.title.data or "", form.question.data or "", form.answer.data or ""
    )
    if form.validate_on_submit():
        try:
            copy = services.publish_faq_copy(current_user, thread, text)
        except ForumError as exc:
            db.session.rollback()
            flash(str(exc), "warning")
        else:
            db.session.commit()
            flash("已匿名发布为常见问题，并通知了提问人。", "success")
            return redirect(url_for("forum.thread", thread_id=copy.id))
    return render_template(
        "forum/faq_copy.html",
        form=form,
        thread=thread,
        findings=services.draft_findings(thread, text),
        days=services.objection_days(),
    )


@bp.post("/threads/<int:thread_id>/faq-objection")
def faq_objection(thread_id: int):
    thread = _load_thread(thread_id)
    if thread.author_id != current_user.id:
        abort(403)
    return _act(
        thread,
        lambda: services.object_to_faq(current_user, thread, request.form.get("reason", "")),
        "常见问题已撤下，其他党员不会再看到。",
    )


@bp.post("/posts/<int:post_id>/publish")
def publish(post_id: int):
    post = db.session.get(Post, post_id)
    if post is None:
        abort(404)
    thread = _load_thread(post.thread_id)
    return _act(thread, lambda: services.publish_reply(current_user, post), "答复已公开。")


def _load_post(post_id: int) -> tuple[Thread, Post]:
    post = db.session.get(Post, post_id)
    if post is None:
        abort(404)
    thread = _load_thread(post.thread_id)
    if post not in visible_posts(current_user, thread):
        abort(404)
    return thread, post


@bp.route("/threads/<int:thread_id>/edit", methods=["GET", "POST"])
def edit_thread(thread_id: int):
    thread = _load_thread(thread_id)
    if thread.author_id != current_user.id and not handles(current_user, thread):
        abort(403)
    form = EditForm(
        data=None if request.method == "POST" else {"title": thread.title, "body": thread.body_md}
    )
    if form.validate_on_submit():
        return _act(
            thread,
            lambda: services.edit_thread(current_user, thread, form.title.data, form.body.data),
            "已修改。",
        )
    return render_template("forum/edit.html", form=form, thread=thread, with_title=True)


@bp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
def edit_post(post_id: int):
    thread, post = _load_post(post_id)
    if post.author_id != current_user.id and not handles(current_user, thread):
        abort(403)
    form = EditForm(
        data=None if request.method == "POST" else {"title": thread.title, "body": post.body_md}
    )
    if form.validate_on_submit():
        return _act(
            thread, lambda: services.edit_post(current_user, post, form.body.data), "已修改。"
        )
    return render_template("forum/edit.html", form=form, thread=thread, with_title=False)


@bp.post("/posts/<int:post_id>/hide")
def hide_post(post_id: int):
    thread, post = _load_post(post_id)
    hidden = request.form.get("hidden") != "0"
    return _act(thread, lambda: services.hide_post(current_user, post, hidden), "已处理。")


@bp.post("/threads/<int:thread_id>/report")
def report(thread_id: int):
    thread = _load_thread(thread_id)
    post = db.session.get(Post, request.form.get("post", 0, type=int))
    if post is not None and post not in visible_posts(current_user, thread):
        abort(404)
    return _act(
        thread,
        lambda: services.report_abuse(current_user, thread, post, request.form.get("reason", "")),
        "感谢反映，管理人员会尽快处理。",
    )


@bp.get("/attachments/<int:attachment_id>")
def attachment(attachment_id: int):
    item = db.session.get(Attachment, attachment_id)
    if item is None:
        abort(404)
    thread = _load_thread(item.thread_id)
    post = db.session.get(Post, item.post_id) if item.post_id else None
    if post is not None and post not in visible_posts(current_user, thread):
        abort(404)
    path = open_path(_uploads(), item.stored_name)
    if path is None:
        abort(404)
    response = send_file(path, mimetype=item.mime, max_age=0)
    response.headers["Content-Disposition"] = "inline"
    return response


@bp.get("/queue")
def queue():
    if not (current_user.is_staff or current_user.is_instructor):
        abort(403)
    board = request.args.get("board") if request.args.get("board") in BOARDS else None
    state = request.args.get("state") if request.args.get("state") in STATES else None
    filters = {
        key: request.args.get(key) == "1"
        for key in ("overdue", "waiting", "unanswered", "forwarded", "supervised")
    }
    page = max(1, request.args.get("page", 1, type=int))
    result = services.queue(
        current_user,
        board=board,
        state=state,
        overdue_only=filters["overdue"],
        waiting_only=filters["waiting"],
        unanswered_only=filters["unanswered"],
        forwarded_only=filters["forwarded"],
        supervised_only=filters["supervised"],
        page=page,
    )
    today = local_today()
    return render_template(
        "forum/queue.html",
        result=result,
        board=board,
        state=state,
        filters=filters,
        # The filters as query arguments, for the pager's links.
        kept={key: "1" for key, on in filters.items() if on},
        boards=BOARDS,
        states=STATES,
        page=page,
        pages=max(1, -(-result.total // 30)),
        late=lambda t: services.is_late(t, today),
        past_due=lambda t: services.is_past_due(t, today),
        handling=lambda t: handles(current_user, t),
        author=lambda t: services.author_label(current_user, t),
    )
