"""Boards: creating and routing items, replies, the ticket workflow, moderation and queues."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, Select, and_, case, false, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer, selectinload

from school import events as domain_events
from school.auth.models import User
from school.clock import local_today, to_local
from school.courses.models import Course, Lesson, course_instructors
from school.db import db, utcnow
from school.forum.anonymise import Finding, findings
from school.forum.models import (
    BOARDS,
    FAQ_REFUSALS,
    HELP_CATEGORIES,
    AbuseReport,
    Forward,
    Post,
    Revision,
    Supervision,
    Thread,
    ThreadEvent,
)
from school.forum.permissions import (
    can_accept,
    can_reply,
    can_withdraw,
    faq_refusal,
    handles,
    manages,
    sees_identity,
)
from school.notifications.services import notify
from school.orgs.models import Organisation
from school.orgs.scope import in_subtrees, read_roots, staff_of

TITLE_MAX, BODY_MAX = 120, 20_000
# The two sides of a floating member's membership a ticket can go to.
SIDES = {"home": "流出地", "host": "流入地"}
# Moves staff may make on tickets; members only withdraw (and accept answers on questions).
TICKET_MOVES = {
    "submitted": {"accepted", "in_progress", "replied", "closed"},
    "accepted": {"in_progress", "replied", "closed"},
    "in_progress": {"replied", "closed"},
    "replied": {"in_progress", "closed"},
    "closed": {"in_progress"},
}
QA_MOVES = {
    "pending": {"answered", "resolved"},
    "answered": {"resolved", "pending"},
    "resolved": {"answered"},
}


class ForumError(Exception):
    """A request the boards refuse; the message is for the user, in Chinese."""


@dataclass(frozen=True)
class NewThread:
    board: str
    title: str
    body: str
    anonymous: bool = False
    public: bool = False
    to_host: bool = False  # the member sends it to the host organisation (流入地)
    course: Course | None = None
    lesson: Lesson | None = None
    help_category: str | None = None
    client_token: str | None = None


def _check_text(title: str | None, body: str) -> None:
    if title is not None and not title.strip():
        raise ForumError("标题不能为空。")
    if title is not None and len(title) > TITLE_MAX:
        raise ForumError(f"标题最多 {TITLE_MAX} 个字。")
    if not body.strip():
        raise ForumError("内容不能为空。")
    if len(body) > BODY_MAX:
        raise ForumError(f"内容最多 {BODY_MAX} 个字，请精简或分几次发送。")


def _premoderated(board: str) -> bool:
    boards = str(current_app.config.get("FORUM_PREMODERATED", ""))
    return board in {b.strip() for b in boards.split(",")}


def handlers(thread: Thread) -> list[User]:
    """Everyone who handles the thread: staff of its organisation and ancestors, or instructors."""
    if thread.org is not None:
        staff = staff_of(thread.org.line_ids).where(User.active.is_(True))
        return list(db.session.scalars(staff))
    named = thread.course.instructors if thread.course is not None else []
    return named or list(
        db.session.scalars(select(User).where(User.role == "instructor", User.active.is_(True)))
    )


def record_event(
    thread: Thread, actor: User, action: str, detail: str = "", internal=False
) -> None:
    """Add a step to the item's history (internal: shown to staff only)."""
    db.session.add(
        ThreadEvent(
            thread_id=thread.id, actor_id=actor.id, action=action, detail=detail, internal=internal
        )
    )


def thread_url(thread: Thread) -> str:
    """The item's page, for notifications."""
    return f"/forum/threads/{thread.id}"


def destinations(author: User) -> dict[str, Organisation]:
    """The organisations the author can send an item to, by side (home first); only those they
    have."""
    sides = {"home": author.home_org, "host": author.host_org}
    return {side: org for side, org in sides.items() if org is not None}


def _destination(author: User, side: str) -> Organisation:
    sent_to = destinations(author)
    if side in sent_to:
        return sent_to[side]
    if not sent_to:
        raise ForumError("您的账号还没有所属党组织，无法提交。请联系管理员。")
    # A form from before the member's organisations changed: say where it can go instead.
    other = next(iter(sent_to))
    raise ForumError(
        f"您没有登记{SIDES[side]}党组织，请改为提交给{SIDES[other]}：{sent_to[other].name}。"
    )


def days_since(moment: datetime, now: datetime | None = None) -> int:
    """Local calendar days from ``moment`` to now: 0 today, 1 yesterday."""
    return (local_today(now) - to_local(moment).date()).days


def create_thread(author: User, new: NewThread, now: datetime | None = None) -> Thread:
    """File a question or ticket, route it, and tell its handlers; a resent form files it once."""
    now = now or utcnow()
    if new.board not in BOARDS:
        raise ForumError("没有这个栏目。")
    _check_text(new.title, new.body)
    if new.client_token:
        existing = db.session.scalar(
            select(Thread).where(
                Thread.author_id == author.id, Thread.client_token == new.client_token
            )
        )
        if existing is not None:
            return existing
    if new.board == "help" and new.help_category not in HELP_CATEGORIES:
        raise ForumError("请选择求助的类别。")
    thread = Thread(
        board=new.board,
        title=new.title.strip(),
        body_md=new.body,
        author_id=author.id,
        # Tickets are always anonymous to peers (see permissions.sees_identity).
        anonymous=new.anonymous and new.board == "qa",
        # Only questions can be public; tickets reach everyone only through a published reply.
        visibility="public" if new.board == "qa" and new.public else "private",
        state="pending" if new.board == "qa" else "submitted",
        help_category=new.help_category if new.board == "help" else None,
        approved=not _premoderated(new.board),
        client_token=new.client_token,
        created_at=now,
        routed_at=now,
        last_activity_at=now,
    )
    if new.board == "qa" and new.course is not None:
        thread.course, thread.lesson = new.course, new.lesson
    else:
        thread.org = _destination(author, "host" if new.to_host else "home")
    try:
        with db.session.begin_nested():
            db.session.add(thread)
    except IntegrityError:  # the same form arrived twice at once
        return db.session.scalar(
            select(Thread).where(
                Thread.author_id == author.id, Thread.client_token == new.client_token
            )
        )
    notify(
        handlers(thread),
        "new",
        f"新的{thread.board_label}：{thread.title}",
        thread_url(thread),
        exclude=author,
    )
    return thread


def reply(
    user: User,
    thread: Thread,
    body: str,
    *,
    note: bool = False,
    client_token: str | None = None,
    now: datetime | None = None,
) -> Post:
    """Add a reply (or, for handlers, an internal note); answers move the thread along."""
    now = now or utcnow()
    if client_token:
        existing = db.session.scalar(
            select(Post).where(Post.author_id == user.id, Post.client_token == client_token)
        )
        if existing is not None:
            return existing
    if not can_reply(user, thread):
        raise ForumError("这个主题已锁定或已关闭，不能再回复。")
    staff = handles(user, thread)
    if note and not staff:
        raise ForumError("只有经办人员可以写内部备注。")
    _check_text(None, body)
    post = Post(
        thread_id=thread.id,
        author_id=user.id,
        body_md=body,
        kind="note" if note else "reply",
        official=staff and not note,
        client_token=client_token,
        created_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(post)
    except IntegrityError:
        return db.session.scalar(
            select(Post).where(Post.author_id == user.id, Post.client_token == client_token)
        )
    db.session.expire(thread, ["posts"])
    if note:
        return post  # internal: no state change, and the member is never told
    thread.last_activity_at = now
    if staff:
        if thread.first_reply_at is None and thread.forwards:
            # The first answer where the item was handed: whoever handed it on hears of it.
            notify(
                [thread.forwards[-1].actor],
                "forwarded",
                f"您转办的“{thread.title}”已由{thread.org.name}答复",
                thread_url(thread),
                exclude=user,
            )
        thread.first_reply_at = thread.first_reply_at or now
        if thread.state in ("pending", "submitted", "accepted", "in_progress"):
            thread.state = "answered" if thread.board == "qa" else "replied"
        notify(
            [thread.author],
            "reply",
            f"您的{thread.board_label}“{thread.title}”有了答复",
            thread_url(thread),
            exclude=user,
        )
    else:
        notify(
            handlers(thread),
            "reply",
            f"“{thread.title}”有新的回复",
            thread_url(thread),
            exclude=user,
        )
    db.session.flush()
    return post


def accept(user: User, thread: Thread, post: Post) -> None:
    """The asker accepts an answer: the question is resolved."""
    if not can_accept(user, thread, post):
        raise ForumError("只有提问人可以采纳答复。")
    for other in thread.posts:
        other.accepted = other.id == post.id
    thread.state, thread.closed_at = "resolved", utcnow()
    record_event(thread, user, "accept", "提问人采纳了答复")
    notify(
        [post.author],
        "answer",
        f"您在“{thread.title}”的答复被采纳了",
        thread_url(thread),
        exclude=user,
    )
    db.session.flush()
    domain_events.answer_accepted.send(post.author, thread=thread, post=post, by=user)


def withdraw(user: User, thread: Thread) -> None:
    """The member takes back their own open item."""
    if not can_withdraw(user, thread):
        raise ForumError("只能撤回自己尚未办结的事项。")
    thread.state, thread.closed_at = "withdrawn", utcnow()
    record_event(thread, user, "withdraw", "提交人撤回")
    db.session.flush()


def moves(thread: Thread) -> list[str]:
    """The states the thread may move to from its own (none for an FAQ copy: it is no item of
    work, and withdrawn stays withdrawn)."""
    if thread.is_faq_copy:
        return []
    return sorted((TICKET_MOVES if thread.is_ticket else QA_MOVES).get(thread.state, set()))


def change_state(user: User, thread: Thread, to_state: str) -> None:
    """Move a thread through its workflow; only managing staff may, along allowed moves."""
    if not manages(user, thread):
        raise ForumError("您不能更改这个事项的状态。")
    if to_state not in moves(thread):
        raise ForumError("不能从当前状态转到这个状态。")
    before = thread.state_label
    thread.state = to_state
    thread.closed_at = utcnow() if to_state in ("closed", "resolved") else None
    record_event(thread, user, "state", f"{before} → {thread.state_label}")
    notify(
        [thread.author],
        "state",
        f"您的{thread.board_label}“{thread.title}”：{thread.state_label}",
        thread_url(thread),
        exclude=user,
    )
    db.session.flush()


def assign(user: User, thread: Thread, assignee: User) -> None:
    """Give a ticket to one handler; accepting a new ticket happens on the way."""
    if not manages(user, thread) or not thread.is_ticket:
        raise ForumError("您不能分派这个事项。")
    if not handles(assignee, thread):
        raise ForumError("只能分派给负责这个事项的党组织的工作人员。")
    thread.assignee_id = assignee.id
    record_event(thread, user, "assign", f"分派给 {assignee.name}", internal=True)
    if thread.state == "submitted":
        thread.state = "accepted"
        record_event(thread, user, "state", "已提交 → 已受理")
        notify(
            [thread.author],
            "state",
            f"您的{thread.board_label}“{thread.title}”已受理",
            thread_url(thread),
            exclude=user,
        )
    notify([assignee], "assigned", f"分派给您：{thread.title}", thread_url(thread), exclude=user)
    db.session.flush()


MODERATION = {
    "hide": ("hidden", True, "隐藏"),
    "unhide": ("hidden", False, "取消隐藏"),
    "lock": ("locked", True, "锁定"),
    "unlock": ("locked", False, "解锁"),
    "pin": ("pinned", True, "置顶"),
    "unpin": ("pinned", False, "取消置顶"),
    "approve": ("approved", True, "审核通过"),
}


def moderate(user: User, thread: Thread, action: str) -> None:
    """Hide, lock, pin or approve a thread."""
    if action not in MODERATION or not handles(user, thread):
        raise ForumError("您不能管理这个主题。")
    field, value, label = MODERATION[action]
    setattr(thread, field, value)
    record_event(thread, user, action, label)
    db.session.flush()


def promote_faq(user: User, thread: Thread) -> None:
    """Make a good public question part of its course's FAQ."""
    if (refusal := faq_refusal(user, thread)) is not None:
        raise ForumError(f"{FAQ_REFUSALS[refusal]}。")
    if thread.visibility != "public":
        raise ForumError("不公开的问题只能整理为匿名常见问题。")
    thread.faq = True
    record_event(thread, user, "faq", "设为常见问题")
    notify(
        [thread.author],
        "faq",
        f"您的提问“{thread.title}”被选为常见问题",
        thread_url(thread),
        exclude=user,
    )
    db.session.flush()


# --- private questions as anonymised FAQ ------------------------------------------------------

OBJECTION_REASON_MAX = 200


@dataclass(frozen=True)
class FaqDraft:
    """The text of an anonymised FAQ copy: what members will read."""

    title: str
    question: str
    answer: str


def faq_draft(question: Thread) -> FaqDraft:
    """The copy's starting text: the question as asked and its official answers, to edit."""
    answers = [p.body_md for p in question.posts if p.official and not p.is_note and not p.hidden]
    return FaqDraft(question.title, question.body_md, "\n\n".join(answers))


def draft_findings(question: Thread, draft: FaqDraft) -> list[Finding]:
    """What in the draft could still identify the asker (see school/forum/anonymise.py)."""
    text = "\n".join([draft.title, draft.question, draft.answer])
    return findings(text, question.author, question.id)


def _check_anonymous(question: Thread | None, draft: FaqDraft) -> None:
    if question is None:  # an edit of a thread that is not an anonymised copy
        return
    blocking = [f for f in draft_findings(question, draft) if f.blocking]
    if blocking:
        listed = "、".join(f"{f.label}“{f.text}”" for f in blocking)
        raise ForumError(f"公开的内容里还有可识别提问人的信息，请删去：{listed}。")


def objection_days() -> int:
    """Days the asker is told they have to object (FORUM_FAQ_OBJECTION_DAYS)."""
    return int(current_app.config["FORUM_FAQ_OBJECTION_DAYS"])


def objection_until(copy: Thread) -> datetime:
    """The end of the period stated to the asker for objecting to the copy."""
    return copy.created_at + timedelta(days=objection_days())


def publish_faq_copy(
    user: User, question: Thread, draft: FaqDraft, now: datetime | None = None
) -> Thread:
    """Publish an anonymised copy of a private question and its answer as FAQ; the asker is
    told and may object. The question itself stays private and unchanged."""
    now = now or utcnow()
    if (refusal := faq_refusal(user, question)) is not None:
        raise ForumError(f"{FAQ_REFUSALS[refusal]}。")
    if question.visibility == "public":
        raise ForumError("公开的问题可以直接设为常见问题。")
    _check_text(draft.title, draft.question)
    _check_text(None, draft.answer)
    _check_anonymous(question, draft)
    copy = Thread(
        board="qa",
        title=draft.title.strip(),
        body_md=draft.question,
        # The copy's author is who published it; members see it as an anonymous question.
        author_id=user.id,
        anonymous=True,
        visibility="public",
        state="resolved",
        org_id=question.org_id,
        course_id=question.course_id,
        lesson_id=question.lesson_id,
        # Its answer is final: replies would go to the publisher, not to the asker.
        locked=True,
        faq=True,
        faq_source_id=question.id,
        created_at=now,
        last_activity_at=now,
        first_reply_at=now,
        closed_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(copy)
    except IntegrityError:  # another handler published it a moment ago
        raise ForumError(f"{FAQ_REFUSALS['already']}。") from None
    db.session.add(
        Post(
            thread_id=copy.id,
            author_id=user.id,
            body_md=draft.answer,
            official=True,
            created_at=now,
        )
    )
    record_event(copy, user, "faq_copy", "由不公开的提问匿名整理为常见问题", internal=True)
    db.session.expire(question, ["faq_copy"])
    until = to_local(objection_until(copy))
    notify(
        [question.author],
        "faq",
        f"您的提问“{question.title}”已去掉个人信息，整理为常见问题公开。如不同意公开，"
        f"请在 {until.month} 月 {until.day} 日前在提问页点“不同意公开”，之后也可以随时提出。",
        thread_url(question),
        exclude=user,
    )
    db.session.flush()
    return copy


def object_to_faq(user: User, question: Thread, reason: str, now: datetime | None = None) -> bool:
    """The asker does not agree: the anonymised copy is withdrawn at once and its publisher is
    told. False when it already was withdrawn (nothing changes)."""
    if question.author_id != user.id:
        raise ForumError("只有提问人可以提出不同意公开。")
    if question.faq_copy is None:
        raise ForumError("这个问题没有整理为常见问题。")
    # Two objections at once withdraw it once and tell the publisher once.
    copy = db.session.scalar(
        select(Thread)
        .where(Thread.id == question.faq_copy.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if copy.state == "withdrawn":
        return False
    copy.state, copy.closed_at = "withdrawn", now or utcnow()
    reason = " ".join(reason.split())[:OBJECTION_REASON_MAX]
    record_event(
        copy,
        user,
        "faq_objection",
        "提问人不同意公开，已撤下" + (f"：{reason}" if reason else ""),
        internal=True,
    )
    notify(
        [copy.author],
        "faq",
        f"提问人不同意公开，常见问题“{copy.title}”已撤下",
        thread_url(copy),
        exclude=user,
    )
    db.session.flush()
    return True


def publish_reply(user: User, post: Post) -> None:
    """Suggestions of general interest: make a staff reply readable by every member."""
    thread = post.thread
    if thread.board != "suggestion" or not post.official or not manages(user, thread):
        raise ForumError("只有经办人员的正式答复可以公开。")
    post.public_reply = True
    record_event(thread, user, "publish", "公开答复")
    db.session.flush()


def _check_editable(user: User, thread: Thread, author_id: int) -> None:
    if handles(user, thread):
        return
    if author_id != user.id:
        raise ForumError("只能修改自己的内容。")
    if not thread.is_open:
        raise ForumError("事项已办结，不能再修改。")


def _source(thread: Thread) -> Thread | None:
    """The private question an anonymised copy was made from (None for other threads)."""
    return db.session.get(Thread, thread.faq_source_id) if thread.is_faq_copy else None


def edit_post(user: User, post: Post, body: str) -> None:
    """Edit a post, keeping what it said before."""
    _check_editable(user, post.thread, post.author_id)
    _check_text(None, body)
    _check_anonymous(_source(post.thread), FaqDraft("", "", body))
    if body != post.body_md:
        db.session.add(Revision(post_id=post.id, body_md=post.body_md, edited_by_id=user.id))
        post.body_md, post.edited_at = body, utcnow()
    db.session.flush()


def edit_thread(user: User, thread: Thread, title: str, body: str) -> None:
    """Edit a thread's title and text, keeping what it said before."""
    _check_editable(user, thread, thread.author_id)
    _check_text(title, body)
    _check_anonymous(_source(thread), FaqDraft(title, body, ""))
    if (title, body) != (thread.title, thread.body_md):
        db.session.add(
            Revision(
                thread_id=thread.id,
                title=thread.title,
                body_md=thread.body_md,
                edited_by_id=user.id,
            )
        )
        thread.title, thread.body_md = title.strip(), body
    db.session.flush()


def hide_post(user: User, post: Post, hidden: bool) -> None:
    """Moderators hide a single post (it stays in the record for staff)."""
    if not handles(user, post.thread):
        raise ForumError("您不能管理这个主题。")
    post.hidden = hidden
    record_event(
        post.thread,
        user,
        "hide_post" if hidden else "unhide_post",
        "隐藏了一条回复" if hidden else "恢复了一条回复",
    )
    db.session.flush()


def events(thread: Thread) -> list[ThreadEvent]:
    """The thread's workflow history, oldest first."""
    return list(
        db.session.scalars(
            select(ThreadEvent)
            .where(ThreadEvent.thread_id == thread.id)
            .options(selectinload(ThreadEvent.actor))
            .order_by(ThreadEvent.id)
        )
    )


def revisions(thread: Thread) -> list[Revision]:
    """Earlier versions of the thread and its posts, newest first."""
    post_ids = [p.id for p in thread.posts]
    return list(
        db.session.scalars(
            select(Revision)
            .where(or_(Revision.thread_id == thread.id, Revision.post_id.in_(post_ids)))
            .order_by(Revision.edited_at.desc(), Revision.id.desc())
        )
    )


def report_abuse(user: User, thread: Thread, post: Post | None, reason: str) -> None:
    """Flag a thread or post to its moderators, once per member."""
    reason = reason.strip()[:300] or "未说明"
    exists = db.session.scalar(
        select(AbuseReport.id).where(
            AbuseReport.reporter_id == user.id,
            AbuseReport.thread_id == thread.id,
            AbuseReport.post_id == post.id if post else AbuseReport.post_id.is_(None),
        )
    )
    if exists is None:
        db.session.add(
            AbuseReport(
                thread_id=thread.id,
                post_id=post.id if post else None,
                reporter_id=user.id,
                reason=reason,
            )
        )
        notify(
            handlers(thread),
            "report",
            f"有人举报了“{thread.title}”中的内容",
            thread_url(thread),
            exclude=user,
        )
    db.session.flush()


def author_label(viewer: User, thread: Thread) -> str:
    """The author's name, or 匿名党员 for viewers who may not know it (and on FAQ copies, whose
    author published them and did not ask)."""
    if thread.is_faq_copy or not sees_identity(viewer, thread):
        return "匿名党员"
    return thread.author.name


# --- lists and the staff queue -----------------------------------------------------------------


# Lists show titles, names and states: load those for the whole page at once, and leave the
# bodies (hundreds of characters each) in the database.
_LIST_OPTIONS = (
    defer(Thread.body_md),
    selectinload(Thread.author),
    selectinload(Thread.assignee),
    selectinload(Thread.org),
    selectinload(Thread.course).selectinload(Course.instructors),
)


def overdue_before(now: datetime | None = None) -> datetime:
    """Open items filed before this moment without a staff reply are overdue."""
    days = int(current_app.config["FORUM_OVERDUE_DAYS"])
    return (now or utcnow()) - timedelta(days=days)


def _handled(user: User) -> ColumnElement[bool]:
    """Items routed to the user's organisations (or below them), or to their courses."""
    # FAQ copies are published answers, not work: they are found on the boards and courses.
    mine = Thread.faq_source_id.is_(None)
    if user.is_admin:
        return mine
    conditions = []
    if roots := read_roots(user):
        org = select(Organisation.id).where(in_subtrees(Organisation.path, roots))
        conditions.append(Thread.org_id.in_(org))
    if user.is_instructor:
        # Course questions go to the named instructors, or to every instructor when none is.
        named = select(course_instructors.c.course_id)
        taught = select(course_instructors.c.course_id).where(
            course_instructors.c.user_id == user.id
        )
        conditions.append(
            and_(
                Thread.org_id.is_(None),
                or_(
                    Thread.course_id.in_(taught),
                    Thread.course_id.not_in(named),
                    Thread.course_id.is_(None),
                ),
            )
        )
    return and_(mine, or_(*conditions)) if conditions else false()


def _handled_by(user: User) -> Select:
    return select(Thread).where(_handled(user))


@dataclass(frozen=True)
class Queue:
    threads: list[Thread]
    total: int
    counts: dict[str, int]
    overdue: int


_CLOSED = ("resolved", "closed", "withdrawn")


def _unanswered() -> ColumnElement[bool]:
    """Open items without a staff reply since they reached the organisation handling them."""
    return and_(Thread.first_reply_at.is_(None), Thread.state.not_in(_CLOSED))


def _late(today: date | None = None) -> ColumnElement[bool]:
    """Unanswered items past the answer deadline (FORUM_OVERDUE_DAYS after they reached their
    organisation) or past their supervised deadline (督办)."""
    past_due = select(Supervision.thread_id).where(Supervision.due_on < (today or local_today()))
    return and_(
        _unanswered(),
        or_(Thread.routed_at < overdue_before(), Thread.id.in_(past_due)),
    )


def is_late(thread: Thread, today: date | None = None) -> bool:
    """The same as ``_late`` for one item already loaded (its supervision with it)."""
    if not thread.is_open or thread.first_reply_at is not None:
        return False
    held = thread.supervision
    if held is not None and held.due_on < (today or local_today()):
        return True
    return thread.routed_at < overdue_before()


def is_past_due(thread: Thread, today: date | None = None) -> bool:
    """Unanswered past its supervised deadline (督办)."""
    held = thread.supervision
    return (
        held is not None
        and thread.is_open
        and thread.first_reply_at is None
        and held.due_on < (today or local_today())
    )


# Items still waiting for an answer: questions, and tickets until their first staff reply.
_UNANSWERED = ("pending", "submitted", "accepted", "in_progress")


def waiting_for(user: User) -> ColumnElement[bool]:
    """Items waiting for this user's answer: unanswered questions on the courses they teach, and
    unanswered items assigned to them."""
    taught = select(course_instructors.c.course_id).where(course_instructors.c.user_id == user.id)
    return and_(
        Thread.state.in_(_UNANSWERED),
        Thread.hidden.is_(False),
        Thread.faq_source_id.is_(None),
        or_(
            and_(Thread.board == "qa", Thread.org_id.is_(None), Thread.course_id.in_(taught)),
            Thread.assignee_id == user.id,
        ),
    )


def waiting_counts(user: User) -> tuple[int, int]:
    """How many items wait for the user's answer, and how many of them are overdue."""
    late = func.coalesce(func.sum(case((_late(), 1), else_=0)), 0)
    count, overdue = db.session.execute(
        select(func.count(Thread.id), late).where(waiting_for(user))
    ).one()
    return count, overdue


def _forwarded_from(user: User) -> Select:
    """Items that the user's organisations (or those below them) handed on, wherever they are
    now; for admins every item handed on."""
    hops = select(Forward.thread_id)
    if not user.is_admin:
        hops = hops.join(Organisation, Organisation.id == Forward.from_org_id).where(
            in_subtrees(Organisation.path, read_roots(user))
        )
    return select(Thread).where(Thread.faq_source_id.is_(None), Thread.id.in_(hops))


def _supervised_by(user: User) -> Select:
    """Unanswered items with a supervised deadline (督办) that the user's organisations (or
    those below them) watch; for admins every one."""
    watched = select(Supervision.thread_id)
    if not user.is_admin:
        watched = watched.join(Organisation, Organisation.id == Supervision.org_id).where(
            in_subtrees(Organisation.path, read_roots(user))
        )
    return select(Thread).where(Thread.id.in_(watched), _unanswered())


def waiting_for_orgs(user: User, today: date) -> tuple[int, int]:
    """How many items routed to the user's organisations (and below) wait for a first answer,
    and how many of them are late (one statement)."""
    late = func.coalesce(func.sum(case((_late(today), 1), else_=0)), 0)
    count, urgent = db.session.execute(
        select(func.count(Thread.id), late).where(_handled(user), _unanswered())
    ).one()
    return count, urgent


def supervised_counts(user: User, today: date) -> tuple[int, int]:
    """How many unanswered items the user's organisations (and those below) supervise, and how
    many of them are past their deadline (one statement)."""
    past = func.coalesce(func.sum(case((Supervision.due_on < today, 1), else_=0)), 0)
    query = (
        select(func.count(Thread.id), past)
        .join(Supervision, Supervision.thread_id == Thread.id)
        .where(_unanswered())
    )
    if not user.is_admin:
        query = query.join(Organisation, Organisation.id == Supervision.org_id).where(
            in_subtrees(Organisation.path, read_roots(user))
        )
    count, urgent = db.session.execute(query).one()
    return count, urgent


def queue(
    user: User,
    *,
    board: str | None = None,
    state: str | None = None,
    overdue_only: bool = False,
    waiting_only: bool = False,
    unanswered_only: bool = False,
    forwarded_only: bool = False,
    supervised_only: bool = False,
    page: int = 1,
    per_page: int = 30,
) -> Queue:
    """Everything routed to the user's organisations (or courses), filtered, with counts; or
    what they handed on (``forwarded_only``), or the unanswered items whose deadline they
    supervise (``supervised_only``)."""
    base = _handled_by(user)
    late = _late()
    scoped = base.subquery()
    counts = dict(
        db.session.execute(select(scoped.c.board, func.count()).group_by(scoped.c.board)).all()
    )
    overdue = db.session.scalar(select(func.count()).select_from(base.where(late).subquery()))
    if supervised_only:
        filtered = _supervised_by(user)
    elif forwarded_only:
        filtered = _forwarded_from(user)
    else:
        filtered = base
    if board:
        filtered = filtered.where(Thread.board == board)
    if state:
        filtered = filtered.where(Thread.state == state)
    if overdue_only:
        filtered = filtered.where(late)
    if waiting_only:
        filtered = filtered.where(waiting_for(user))
    if unanswered_only:
        filtered = filtered.where(_unanswered())
    total = db.session.scalar(select(func.count()).select_from(filtered.subquery()))
    threads = db.session.scalars(
        filtered.options(*_LIST_OPTIONS, selectinload(Thread.supervision))
        .order_by(Thread.last_activity_at.desc(), Thread.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Queue(list(threads), total, counts, overdue)


def public_threads(board: str, page: int = 1, per_page: int = 30) -> tuple[list[Thread], int]:
    """Public, approved, visible questions of a board, pinned first, newest activity next."""
    query = select(Thread).where(
        Thread.board == board,
        Thread.visibility == "public",
        Thread.approved.is_(True),
        Thread.hidden.is_(False),
        Thread.state != "withdrawn",
    )
    if board == "suggestion":
        published = select(Post.thread_id).where(
            Post.public_reply.is_(True), Post.hidden.is_(False)
        )
        query = select(Thread).where(
            Thread.board == "suggestion", Thread.hidden.is_(False), Thread.id.in_(published)
        )
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    threads = db.session.scalars(
        query.options(*_LIST_OPTIONS)
        .order_by(Thread.pinned.desc(), Thread.last_activity_at.desc(), Thread.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return list(threads), total


def my_threads(user: User) -> list[Thread]:
    """The member's own questions and tickets, newest activity first."""
    return list(
        db.session.scalars(
            select(Thread)
            # An FAQ copy's author published it: it is not one of their own items.
            .where(Thread.author_id == user.id, Thread.faq_source_id.is_(None))
            .options(*_LIST_OPTIONS)
            .order_by(Thread.last_activity_at.desc(), Thread.id.desc())
        )
    )


def course_faq(course: Course) -> list[Thread]:
    """The questions about a course that instructors promoted to its FAQ."""
    return list(
        db.session.scalars(
            select(Thread)
            .where(
                Thread.course_id == course.id,
                Thread.faq.is_(True),
                # Only public threads are FAQ (a private question becomes one as an anonymised
                # public copy); the check stays here too, so a private thread never shows.
                Thread.visibility == "public",
                Thread.hidden.is_(False),
                # A copy the asker objected to is withdrawn from members at once.
                Thread.state != "withdrawn",
            )
            .order_by(Thread.id)
        )
    )


def course_part(user: User, course: Course) -> dict[str, object]:
    """The course page's FAQ (the same for every member)."""
    return {"faq": course_faq(course)}
