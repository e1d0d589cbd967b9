"""Lesson studies: the active time, watched video and resume position the lesson page reports.

One row per member and lesson, updated in place by every accepted heartbeat, so the busiest
evening writes no more rows than members studying.

Revision ID: b6d2f8a3c5e1
Revises: a9c4e2f7b1d3
Create Date: 2026-12-06 11:00:00
"""

import sqlalchemy as sa
from alembic import op

from school.db import UTCDateTime

revision = "b6d2f8a3c5e1"
down_revision = "a9c4e2f7b1d3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lesson_studies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("active_seconds", sa.Integer(), nullable=False),
        sa.Column("overlap_seconds", sa.Integer(), nullable=False),
        sa.Column("view", sa.String(length=32), nullable=False),
        sa.Column("view_opened_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("started_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("beat_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("scroll", sa.Float(), nullable=True),
        sa.Column("video_time", sa.Float(), nullable=True),
        sa.Column("video_duration", sa.Float(), nullable=True),
        sa.Column("watched", sa.JSON(), nullable=False),
        sa.Column("watched_seconds", sa.Float(), nullable=False),
        sa.CheckConstraint("active_seconds >= 0", name=op.f("ck_lesson_studies_active_seconds")),
        sa.CheckConstraint("overlap_seconds >= 0", name=op.f("ck_lesson_studies_overlap_seconds")),
        sa.CheckConstraint(
            "scroll IS NULL OR (scroll >= 0 AND scroll <= 1)", name=op.f("ck_lesson_studies_scroll")
        ),
        sa.CheckConstraint("watched_seconds >= 0", name=op.f("ck_lesson_studies_watched_seconds")),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["lessons.id"],
            name=op.f("fk_lesson_studies_lesson_id_lessons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_lesson_studies_user_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lesson_studies")),
        sa.UniqueConstraint(
            "user_id", "lesson_id", name=op.f("uq_lesson_studies_user_id_lesson_id")
        ),
    )
    op.create_index(
        op.f("ix_lesson_studies_lesson_id"), "lesson_studies", ["lesson_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_lesson_studies_lesson_id"), table_name="lesson_studies")
    op.drop_table("lesson_studies")
