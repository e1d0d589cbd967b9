"""Who may see, answer and move which thread: derived from the organisation tree and roles."""

from __future__ import annotations

from typing import TYPE_CHECKING

from school.orgs import permissions as orgs

if TYPE_CHECKING:
    from school.auth.models import User
    from school.forum.models import Post, Thread

# Members may withdraw their own item while it is still open.
_WITHDRAWABLE = {"pending", "submitted", "accepted", "in_progress"}


def handles(user: User, thread: Thread) -> bool:
    """The thread's handlers: admins, staff of its organisation's subtree, or its instructors."""
    if user.is_admin:
        return True
    if thread.org is not None:
        return orgs.reads(user, thread.org)
    # A question about a course goes to its instructors (any instructor if none is named).
    if not user.is_instructor:
        return False
    named = thread_instructor_ids(thread)
    return not named or user.id in named


def thread_instructor_ids(thread: Thread) -> set[int]:
    """Ids of the instructors named on the thread's course (empty: every instructor)."""
    return {u.id for u in thread.course.instructors} if thread.course is not None else set()


def handed_on_by(user: User, thread: Thread) -> bool:
    """Staff of an organisation that handed the item on (转办), and those above it: they keep
    reading it and see how it ends, but no longer act on it (unless they handle it again)."""
    return any(orgs.reads(user, hop.from_org) for hop in thread.forwards)


def reads_as_staff(user: User, thread: Thread) -> bool:
    """Who reads the item as staff do (internal notes, the author's name, the history): its
    handlers now and those of every organisation that handed it on."""
    return handles(user, thread) or (thread.org is not None and handed_on_by(user, thread))


def manages(user: User, thread: Thread) -> bool:
    """Handlers who may also assign and change state (viewers only read)."""
    if user.is_admin or thread.org is None:
        return handles(user, thread)
    return orgs.manages(user, thread.org)


def is_public(thread: Thread) -> bool:
    """Open to every member: public questions, and suggestions that got a published reply."""
    if thread.hidden or not thread.approved or thread.state == "withdrawn":
        return False
    if thread.board == "qa":
        return thread.visibility == "public"
    return thread.board == "suggestion" and any(
        p.public_reply and not p.hidden for p in thread.posts
    )


def can_view(user: User, thread: Thread) -> bool:
    """The author, the handlers (now and before a forward), and every member for public
    threads."""
    if thread.author_id == user.id or handles(user, thread) or is_public(thread):
        return True
    return thread.org is not None and handed_on_by(user, thread)


def sees_identity(user: User, thread: Thread) -> bool:
    """Anonymous authors, and every ticket's author, are known only to themselves and handlers."""
    if thread.author_id == user.id or reads_as_staff(user, thread):
        return True
    return not (thread.anonymous or thread.is_ticket)


def visible_posts(user: User, thread: Thread) -> list[Post]:
    """Posts the user may read: internal notes and hidden posts only for handlers (and those
    who handed the item on)."""
    if reads_as_staff(user, thread):
        return list(thread.posts)
    posts = [p for p in thread.posts if not p.is_note and not p.hidden]
    if thread.author_id != user.id and thread.board == "suggestion":
        posts = [p for p in posts if p.public_reply]
    return posts


def can_reply(user: User, thread: Thread) -> bool:
    """Replies go to open, unlocked, visible threads: by the author, handlers, or peers on Q&A."""
    if thread.locked or thread.hidden or thread.state in ("closed", "withdrawn"):
        return False
    if thread.author_id == user.id or handles(user, thread):
        return True
    return thread.board == "qa" and is_public(thread)


def can_withdraw(user: User, thread: Thread) -> bool:
    """Members withdraw their own items while they are still being handled."""
    return thread.author_id == user.id and thread.state in _WITHDRAWABLE


def can_accept(user: User, thread: Thread, post: Post) -> bool:
    """The asker accepts an answer to their question, once it has one."""
    return (
        thread.board == "qa"
        and thread.author_id == user.id
        and post.thread_id == thread.id
        and post.author_id != user.id
        and not post.is_note
        and thread.state in ("pending", "answered")
    )


def has_answer(thread: Thread) -> bool:
    """Whether the handlers answered: an official reply that the asker can read."""
    return any(p.official and not p.is_note and not p.hidden for p in thread.posts)


def faq_refusal(user: User, thread: Thread) -> str | None:
    """Why the user may not make the question FAQ (a key of FAQ_REFUSALS); None when they may.

    Its handlers promote a public question as it is; a private one only as an anonymised copy,
    once it has an answer, and never again after the asker objected.
    """
    if thread.board != "qa":
        return "not_question"
    if thread.faq or thread.is_faq_copy:
        return "already"
    if not handles(user, thread):
        return "not_handler"
    if thread.state == "withdrawn":
        return "withdrawn"
    if thread.hidden:
        return "hidden"
    if not thread.approved:
        return "unapproved"
    if thread.visibility == "public":
        return None
    if (copy := thread.faq_copy) is not None:
        return "objected" if copy.state == "withdrawn" else "already"
    return None if has_answer(thread) else "unanswered"


def can_object(user: User, thread: Thread) -> bool:
    """The asker may take back their question's anonymised FAQ copy while it is public."""
    copy = thread.faq_copy
    return thread.author_id == user.id and copy is not None and copy.state != "withdrawn"


def can_forward(user: User, thread: Thread) -> bool:
    """Managing staff of the organisation handling an open item may hand it on (转办); course
    questions go to instructors, not organisations, and FAQ copies are no items of work."""
    return (
        thread.org is not None
        and not thread.is_faq_copy
        and thread.is_open
        and manages(user, thread)
    )


def can_supervise(user: User, thread: Thread) -> bool:
    """Who sets the supervised deadline (督办) of an open item: managing staff of the handling
    organisation or above while none is set; once set, the supervising organisation's managing
    staff (and those above it) move or lift it, so the supervised cannot lift their own."""
    if thread.org is None or thread.is_faq_copy or not thread.is_open:
        return False
    if thread.supervision is None:
        return manages(user, thread)
    return orgs.manages(user, thread.supervision.org)
