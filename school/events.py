"""Named domain events: what happened in a lower feature, for higher features to react to.

A service sends one of these after its write, inside the same transaction. A higher feature
(points, campaigns, appraisal, a notification) subscribes in ``create_app``, next to the
blueprints, so the wiring is read in one place and no lower feature imports a higher one.

Receivers run at once, in the sender's transaction: they add and flush, never commit, and an
exception rolls the whole request back, so nothing is ever half-recorded. The sender is the
member the event is about (the merged organisation for ``org_merged``, the staff member for
``group_study_recorded``, which speaks for many members at once); the keyword arguments are the
event's facts.
"""

from blinker import Namespace

_events = Namespace()

lesson_completed = _events.signal(
    "lesson-completed",
    doc="A member studied a lesson for the first time. Facts: lesson, at.",
)
course_completed = _events.signal(
    "course-completed",
    doc="A member completed every requirement of a course. Facts: course, at.",
)
attempt_graded = _events.signal(
    "attempt-graded",
    doc="A member's quiz attempt was submitted and graded (previews excluded). Facts: attempt.",
)
offline_study_recorded = _events.signal(
    "offline-study-recorded",
    doc="Staff recorded offline study in a member's archive. Facts: entry, by.",
)
group_study_recorded = _events.signal(
    "group-study-recorded",
    doc=(
        "Staff recorded one offline study for many members at once (group credit). The sender "
        "is the staff member; facts: member_ids (those credited now)."
    ),
)
answer_accepted = _events.signal(
    "answer-accepted",
    doc="A member's answer was accepted by the asker. Facts: thread, post, by (the asker).",
)
member_moved = _events.signal(
    "member-moved",
    doc="A member's home or host organisation changed (a flow event). Facts: flow.",
)
org_merged = _events.signal(
    "org-merged",
    doc=(
        "An organisation was merged into another and its members moved with it. Facts: target, "
        "home_member_ids, host_member_ids, on (local date), note, by (the actor or None)."
    ),
)
quiz_changed = _events.signal(
    "quiz-changed",
    doc=(
        "An instructor changed a quiz's settings or questions. The sender is the quiz; no "
        "facts (the quiz's rows say what it is now)."
    ),
)
session_attended = _events.signal(
    "session-attended",
    doc="A member was checked in at a training class's session (once). Facts: session.",
)
campaign_launched = _events.signal(
    "campaign-launched",
    doc="A campaign was launched to its targets. The sender is the campaign; no facts.",
)
notice_read = _events.signal(
    "notice-read",
    doc=(
        "A member read a published notice addressed to them, once: the first opening, or for "
        "required reading the member's confirmation (我已阅读). Facts: notice, at, required, "
        "on_time (required and confirmed by its deadline)."
    ),
)
honour_published = _events.signal(
    "honour-published",
    doc="A commendation was published to a member's record. Facts: honour (the record), at.",
)
honour_revoked = _events.signal(
    "honour-revoked",
    doc=(
        "A published commendation was revoked by a second record naming it. Facts: honour (the "
        "revoked award), revocation (the new record), at."
    ),
)
daily_practice_completed = _events.signal(
    "daily-practice-completed",
    doc=(
        "A member finished the day's practice questions for the first time that day. Facts: "
        "day (local date), correct, total."
    ),
)
