"""Review before publishing (审核): draft → in review → published → archived.

A course's instructors send it for review: a course never published goes whole, a published one
sends the versions members do not see yet (a changed lesson, a new one, a lesson taken off, the
course's own text). The request lists exactly those versions. A reviewer of the course's
organisation (or an admin) approves them, which copies them into the rows members read, or
returns them with a comment. Nobody decides on their own request.

A save after sending withdraws the request (``revisions.changed``), so a reviewer never approves
something other than what they read: approving a request that is no longer pending is refused
(``ReviewClosed``) and changes nothing.

Quizzes go with their course (``school.quizzes.changes``): draft copies of live quizzes and new
quizzes waiting to be published, or on first publication every quiz set to 发布. A request keeps
each quiz's digest and the lines the reviewer reads; a change to a quiz it carries withdraws it
(the ``quiz_changed`` event), and approval refuses a quiz whose digest moved since (a question
edited in the shared bank), so nothing unread is published.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from school.auth.models import User
from school.courses.models import Course, Lesson
from school.db import db, utcnow
from school.orgs.models import Organisation
from school.quizzes import building as quiz_building
from school.quizzes import changes as quiz_changes
from school.quizzes.models import Quiz
from school.studio import revisions
from school.studio.models import ContentRevision, Review, ReviewerGrant


class ReviewError(Exception):
    """A review action that cannot be done; str(exc) says why, for the user."""


class NothingToReview(ReviewError):
    pass


class AlreadyInReview(ReviewError):
    pass


class ReviewClosed(ReviewError):
    pass


class OwnRequest(ReviewError):
    pass


@dataclass(frozen=True)
class PendingItem:
    """A version members do not see yet: the course's own fields (lesson None) or a lesson."""

    lesson: Lesson | None
    revision: ContentRevision
    published: ContentRevision | None


def pending_items(course: Course) -> list[PendingItem]:
    """The newest version of each part that is not what members see, course text first."""
    newest = revisions.newest_per_part(course)
    published = revisions.newest_per_part(course, published=True)
    items = []
    for lesson in [None, *sorted(course.lessons, key=lambda x: (x.position, x.id))]:
        key = None if lesson is None else lesson.id
        if key in newest and newest[key].published_at is None:
            items.append(PendingItem(lesson, newest[key], published.get(key)))
    return items


def pending_quizzes(course: Course) -> list[Quiz]:
    """The quizzes the course's next request would carry."""
    return quiz_changes.pending(course, first_publication=course.status != "published")


def _quiz_part(quiz: Quiz) -> dict:
    if not quiz.slots:
        raise NothingToReview(f"测验《{quiz.title}》还没有题目，不能送审。")
    return {
        "quiz": quiz.id,
        "live": quiz.draft_of_id,
        "title": quiz.title,
        "digest": quiz_changes.digest(quiz),
        "lines": quiz_building.summary_lines(quiz),
    }


def open_review(course: Course) -> Review | None:
    """The course's request waiting for a decision, if any."""
    return db.session.scalar(
        select(Review).where(Review.course_id == course.id, Review.state == "pending")
    )


def submit(course: Course, user: User, note: str = "", now: datetime | None = None) -> Review:
    """Send the course (first publication) or its unpublished changes for review."""
    now = now or utcnow()
    revisions.lock(course)
    if open_review(course) is not None:
        raise AlreadyInReview("已在审核中，请等待审核结果。")
    if course.status == "archived":
        raise ReviewError("课程已归档，不能送审。")
    first = course.status != "published"
    if first:
        # Everything goes, so history starts with what the reviewer approved.
        parts = [None, *course.lessons]
        ids = [revisions.baseline(course, part, now).id for part in parts]
        if not [lesson for lesson in course.lessons if not lesson.retired]:
            raise NothingToReview("课程还没有课时，不能送审。")
        quizzes = [_quiz_part(quiz) for quiz in pending_quizzes(course)]
    else:
        ids = [item.revision.id for item in pending_items(course)]
        quizzes = [_quiz_part(quiz) for quiz in pending_quizzes(course)]
        if not ids and not quizzes:
            raise NothingToReview("没有需要审核的修改：学员看到的已是最新版本。")
    review = Review(
        course_id=course.id,
        revision_ids=ids,
        quiz_parts=quizzes,
        first_publication=first,
        note=note.strip(),
        submitted_by_id=user.id,
        submitted_at=now,
    )
    db.session.add(review)
    if first:
        course.status = "in_review"
        revisions.touched(course, now)
    db.session.flush()
    return review


def _decidable(review: Review, course: Course, reviewer: User) -> None:
    revisions.lock(course)
    # Read again under the lock: a save may have withdrawn it since the page was loaded.
    db.session.refresh(review)
    if review.state != "pending":
        raise ReviewClosed("这次送审已撤回或已处理（送审后内容可能又有修改），没有作任何更改。")
    if review.submitted_by_id == reviewer.id:
        raise OwnRequest("不能审核自己提交的送审。")


def reviewed_revisions(review: Review) -> list[ContentRevision]:
    """The versions a request sent, course text first, then lessons in order."""
    rows = db.session.scalars(
        select(ContentRevision).where(ContentRevision.id.in_(review.revision_ids))
    ).all()
    return sorted(rows, key=lambda r: (r.lesson_id is not None, r.lesson_id or 0))


def reviewed_parts(
    review: Review, course: Course
) -> list[tuple[Lesson | None, ContentRevision, dict]]:
    """Each version a request sent, with its part and what members saw before it (the newest
    version published earlier; empty for a part never published), in two statements."""
    published: dict[int | None, list[ContentRevision]] = {}
    for row in db.session.scalars(
        select(ContentRevision)
        .where(ContentRevision.course_id == course.id, ContentRevision.published_at.is_not(None))
        .order_by(ContentRevision.number)
    ):
        published.setdefault(row.lesson_id, []).append(row)
    lessons = {lesson.id: lesson for lesson in course.lessons}
    parts = []
    for revision in reviewed_revisions(review):
        earlier = [r for r in published.get(revision.lesson_id, []) if r.number < revision.number]
        before = earlier[-1].data if earlier else {}
        lesson = None if revision.lesson_id is None else lessons.get(revision.lesson_id)
        parts.append((lesson, revision, before))
    return parts


@dataclass(frozen=True)
class QuizPart:
    """A quiz a request carries, as the reviewer reads it."""

    title: str
    new: bool  # a new quiz, not a change to one members take
    comparison: revisions.Comparison  # from what members take (while pending) to what was sent
    # While pending: the quiz changed since it was sent (approval would be refused).
    stale: bool


def quiz_comparison(review: Review, part: dict) -> QuizPart:
    """A quiz part of a request: the lines sent, against what members take while it waits."""
    pending = review.state == "pending"
    live = db.session.get(Quiz, part["live"]) if part["live"] else None
    before = quiz_building.summary_lines(live) if pending and live is not None else []
    stale = False
    if pending:
        quiz = db.session.get(Quiz, part["quiz"])
        stale = quiz is None or quiz_changes.digest(quiz) != part["digest"]
    comparison = revisions.compare(
        {"body_md": "\n".join(before)}, {"body_md": "\n".join(part["lines"])}, context=100
    )
    return QuizPart(part["title"], part["live"] is None, comparison, stale)


def approve(
    review: Review, course: Course, reviewer: User, comment: str = "", now: datetime | None = None
) -> None:
    """Publish exactly the versions sent: copy them into the rows members read."""
    now = now or utcnow()
    _decidable(review, course, reviewer)
    # Every quiz is checked before anything is written, so a refusal changes nothing.
    quizzes = []
    for part in review.quiz_parts:
        quiz = quiz_building.lock_quiz(part["quiz"])
        if quiz is None or quiz_changes.digest(quiz) != part["digest"]:
            raise ReviewClosed(
                f"测验《{part['title']}》在送审后有了变化（可能是题库中的题目被修改），"
                "没有作任何更改。请退回，由教员确认后重新送审。"
            )
        quizzes.append(quiz)
    lessons = {lesson.id: lesson for lesson in course.lessons}
    for revision in reviewed_revisions(review):
        lesson = None if revision.lesson_id is None else lessons[revision.lesson_id]
        revisions.apply_data(course, lesson, revision.data)
        revision.published_at = now
    for quiz in quizzes:
        quiz_changes.approve(quiz, now)
    revisions.update_hours(course)
    if review.first_publication:
        course.status = "published"
    course.updated_at = now
    revisions.touched(course, now)
    review.state = "approved"
    review.decided_by_id = reviewer.id
    review.decided_at = now
    review.comment = comment.strip()
    db.session.flush()


def send_back(
    review: Review, course: Course, reviewer: User, comment: str, now: datetime | None = None
) -> None:
    """Return the request with a comment; members see nothing of it."""
    _decidable(review, course, reviewer)
    if not comment.strip():
        raise ReviewError("退回时请写明需要修改的地方。")
    review.state = "returned"
    review.decided_by_id = reviewer.id
    review.decided_at = now or utcnow()
    review.comment = comment.strip()
    if course.status == "in_review":
        course.status = "draft"
        revisions.touched(course, review.decided_at)
    db.session.flush()


def withdraw(review: Review, course: Course, user: User, now: datetime | None = None) -> None:
    """The course's instructors take a request back before it is decided."""
    revisions.lock(course)
    db.session.refresh(review)
    if review.state != "pending":
        raise ReviewClosed("这次送审已处理，无法撤回。")
    review.state = "withdrawn"
    review.decided_at = now or utcnow()
    review.comment = f"{user.name} 撤回"
    if course.status == "in_review":
        course.status = "draft"
        revisions.touched(course, review.decided_at)
    db.session.flush()


def archive(course: Course) -> None:
    """Take a course out of the catalogue; members' archive entries keep their snapshots."""
    if course.status != "published":
        raise ReviewError("只有已发布的课程可以归档。")
    course.status = "archived"
    revisions.touched(course, utcnow())
    db.session.flush()


def reopen(course: Course) -> None:
    """Put an archived course back in the catalogue as it was."""
    if course.status != "archived":
        raise ReviewError("课程未归档。")
    course.status = "published"
    revisions.touched(course, utcnow())
    db.session.flush()


def reviewers_for(course: Course) -> list[User]:
    """Who is asked to review the course: its organisation's reviewers and those above (a
    school-wide course: a top organisation's); admins when there are none."""
    query = (
        select(User)
        .join(ReviewerGrant, ReviewerGrant.user_id == User.id)
        .join(Organisation, Organisation.id == ReviewerGrant.org_id)
        .where(User.active.is_(True))
    )
    if course.org is None:
        query = query.where(Organisation.parent_id.is_(None))
    else:
        query = query.where(Organisation.id.in_(course.org.line_ids))
    found = list(db.session.scalars(query.distinct()))
    if found:
        return found
    return list(db.session.scalars(select(User).where(User.role == "admin", User.active.is_(True))))


def on_quiz_changed(quiz: Quiz, **_facts) -> None:
    """A quiz a pending request carries was changed, or any quiz of a course waiting for its
    first publication (which publishes every quiz set to 发布): the request no longer shows what
    would be published, so it is withdrawn (as a lesson's save withdraws one)."""
    if quiz.course_id is None:
        return
    course = db.session.get(Course, quiz.course_id)
    review = open_review(course)
    if review is None:
        return
    if review.first_publication or any(part["quiz"] == quiz.id for part in review.quiz_parts):
        revisions.withdraw_requests(course, utcnow())
