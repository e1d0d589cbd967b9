"""The studio: saved versions of courses and lessons, reviews, reviewers, a course's organisation.

Courses may now be in review or archived besides draft and published, and name the organisation
that publishes them (its subtree's reviewers approve them). Existing courses keep their status
and belong to the whole school (no organisation).

Revision ID: c3e8a1f5d7b2
Revises: b6d2f8a3c5e1
Create Date: 2026-12-06 12:00:00
"""

import sqlalchemy as sa
from alembic import op

from school.db import UTCDateTime

revision = "c3e8a1f5d7b2"
down_revision = "b6d2f8a3c5e1"
branch_labels = None
depends_on = None

OLD_STATUS = "status IN ('draft', 'published')"
NEW_STATUS = "status IN ('draft', 'in_review', 'published', 'archived')"


ORG_KEY = (
    "CONSTRAINT fk_courses_org_id_organisations FOREIGN KEY(org_id) "
    "REFERENCES organisations (id) ON DELETE RESTRICT"
)


def _edit_courses_schema(edit, expected: str) -> None:
    """SQLite: rewrite the stored CREATE TABLE of courses, for a change every row satisfies.

    As in e1a7c3d9b2f4: a batch rebuild would drop the old table with foreign keys on,
    cascading to every lesson and completion, so the schema text is edited the way SQLite
    documents (lang_altertable.html) and the schema version bumped so connections reread it.
    """
    bind = op.get_bind()
    sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'courses'"
    ).scalar()
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar()
    bind.exec_driver_sql("PRAGMA writable_schema=ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'courses'", (edit(sql),)
    )
    bind.exec_driver_sql(f"PRAGMA schema_version={int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema=OFF")
    schema = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'courses'"
    ).scalar()
    if expected not in schema:
        raise RuntimeError(f"courses: {expected!r} was not written into {schema!r}")


def _replace_status_check(old: str, new: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        _edit_courses_schema(lambda sql: sql.replace(old, new), new)
    else:
        op.drop_constraint(op.f("ck_courses_status"), "courses", type_="check")
        op.create_check_constraint(op.f("ck_courses_status"), "courses", new)


def upgrade() -> None:
    _replace_status_check(OLD_STATUS, NEW_STATUS)
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a column in place, but a separate foreign key only by a rebuild (see
        # above): the column is added, then its key written into the stored schema as a table
        # constraint, which every row satisfies (the column is empty) and reflection names.
        op.execute("ALTER TABLE courses ADD COLUMN org_id INTEGER")
        _edit_courses_schema(lambda sql: sql[: sql.rindex(")")] + f", {ORG_KEY})", ORG_KEY)
    else:
        op.add_column("courses", sa.Column("org_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_courses_org_id_organisations"),
            "courses",
            "organisations",
            ["org_id"],
            ["id"],
            ondelete="RESTRICT",
        )
    op.create_index(op.f("ix_courses_org_id"), "courses", ["org_id"])

    op.create_table(
        "content_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=True),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("published_at", UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("number > 0", name=op.f("ck_content_revisions_number")),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_content_revisions_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_content_revisions_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["lessons.id"],
            name=op.f("fk_content_revisions_lesson_id_lessons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_revisions")),
        sa.UniqueConstraint(
            "course_id",
            "lesson_id",
            "number",
            name=op.f("uq_content_revisions_course_id_lesson_id_number"),
        ),
    )
    op.create_index(
        op.f("ix_content_revisions_course_id"), "content_revisions", ["course_id"]
    )
    op.create_index(
        op.f("ix_content_revisions_lesson_id"), "content_revisions", ["lesson_id"]
    )

    op.create_table(
        "content_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("revision_ids", sa.JSON(), nullable=False),
        sa.Column("first_publication", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "state IN ('pending', 'approved', 'returned', 'withdrawn')",
            name=op.f("ck_content_reviews_state"),
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_content_reviews_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_content_reviews_decided_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"],
            ["users.id"],
            name=op.f("fk_content_reviews_submitted_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_reviews")),
    )
    op.create_index(op.f("ix_content_reviews_course_id"), "content_reviews", ["course_id"])

    op.create_table(
        "content_reviewers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("granted_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["granted_by_id"],
            ["users.id"],
            name=op.f("fk_content_reviewers_granted_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_content_reviewers_org_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_content_reviewers_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_reviewers")),
        sa.UniqueConstraint("user_id", "org_id", name=op.f("uq_content_reviewers_user_id_org_id")),
    )
    op.create_index(op.f("ix_content_reviewers_user_id"), "content_reviewers", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_content_reviewers_user_id"), table_name="content_reviewers")
    op.drop_table("content_reviewers")
    op.drop_index(op.f("ix_content_reviews_course_id"), table_name="content_reviews")
    op.drop_table("content_reviews")
    op.drop_index(op.f("ix_content_revisions_lesson_id"), table_name="content_revisions")
    op.drop_index(op.f("ix_content_revisions_course_id"), table_name="content_revisions")
    op.drop_table("content_revisions")
    op.drop_index(op.f("ix_courses_org_id"), table_name="courses")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite drops a column with a foreign key only by rebuilding the table, which would
        # cascade to every lesson and completion: the column stays, emptied, without its key.
        op.execute("UPDATE courses SET org_id = NULL")
        _edit_courses_schema(lambda sql: sql.replace(f", {ORG_KEY}", ""), "org_id")
    else:
        op.drop_column("courses", "org_id")
    # Courses in review go back to drafts, archived ones stay out of members' sight the same way.
    op.execute("UPDATE courses SET status = 'draft' WHERE status IN ('in_review', 'archived')")
    _replace_status_check(NEW_STATUS, OLD_STATUS)
