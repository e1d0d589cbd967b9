"""Course files: images, PDF documents and videos uploaded in the studio for a course's lessons.

Revision ID: f2b9d4a6e8c1
Revises: c3e8a1f5d7b2
Create Date: 2026-12-06 12:00:00
"""

import sqlalchemy as sa
from alembic import op

from school.db import UTCDateTime

revision = "f2b9d4a6e8c1"
down_revision = "c3e8a1f5d7b2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "course_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("stored_name", sa.String(length=100), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("original_name", sa.String(length=200), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('image', 'document', 'video')", name=op.f("ck_course_files_kind")
        ),
        sa.CheckConstraint("size >= 0", name=op.f("ck_course_files_size")),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_course_files_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"],
            ["users.id"],
            name=op.f("fk_course_files_uploaded_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_files")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_course_files_stored_name")),
    )
    op.create_index(op.f("ix_course_files_course_id"), "course_files", ["course_id"], unique=False)
    op.create_index(
        op.f("ix_course_files_uploaded_by"), "course_files", ["uploaded_by"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_course_files_uploaded_by"), table_name="course_files")
    op.drop_index(op.f("ix_course_files_course_id"), table_name="course_files")
    op.drop_table("course_files")
