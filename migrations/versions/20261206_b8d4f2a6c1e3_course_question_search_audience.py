"""Search: a private question about a course is found by that course's instructors only.

Its search document had the audience "instructors" (every instructor found its title and text,
though its page refused them); it now has the audience "course" with the course in org_path
(school.search.documents.course_key). Existing documents are rewritten here, and each is queued
in search_outbox so the Whoosh index takes the change with its next write, as it takes any
edit. The words are not touched, so no reindex is needed.

Revision ID: b8d4f2a6c1e3
Revises: c9e4a2f7b1d6
Create Date: 2026-12-06 15:30:00
"""

from alembic import op

revision = "b8d4f2a6c1e3"
down_revision = "c9e4a2f7b1d6"
branch_labels = None
depends_on = None

COURSE_QUESTIONS = (
    "kind = 'ticket' AND audience = '{audience}' AND object_id IN "
    "(SELECT id FROM threads WHERE course_id IS NOT NULL AND org_id IS NULL)"
)


def _queue(where: str) -> None:
    op.execute(
        "INSERT INTO search_outbox (kind, object_id, queued_at) "
        f"SELECT kind, object_id, CURRENT_TIMESTAMP FROM search_documents WHERE {where}"
    )


def upgrade() -> None:
    op.execute(
        "UPDATE search_documents SET audience = 'course', org_path = 'course:' || "
        "(SELECT CAST(course_id AS VARCHAR(20)) FROM threads WHERE threads.id = object_id) "
        f"WHERE {COURSE_QUESTIONS.format(audience='instructors')}"
    )
    _queue(COURSE_QUESTIONS.format(audience="course"))


def downgrade() -> None:
    op.execute(
        "UPDATE search_documents SET audience = 'instructors', org_path = NULL "
        f"WHERE {COURSE_QUESTIONS.format(audience='course')}"
    )
    _queue(COURSE_QUESTIONS.format(audience="instructors"))
