"""Daily practice (每日答题).

practice_categories (the bank categories that feed it), practice_draws (a member's questions for
one local day, unique on member and day) with practice_items (the question versions drawn, the
answers and grades), practice_completions (one per draw) and practice_streaks (each member's
running streak, kept on completion). All tables start empty.

Revision ID: b9d1f3a5c7e2
Revises: c7e9a1b3d5f8
Create Date: 2026-12-07 01:20:42
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from school.db import UTCDateTime

revision = "b9d1f3a5c7e2"
down_revision = "c7e9a1b3d5f8"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "practice_categories",
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("chosen_by_id", sa.Integer(), nullable=True),
        sa.Column("chosen_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["question_categories.id"],
            name=op.f("fk_practice_categories_category_id_question_categories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["chosen_by_id"],
            ["users.id"],
            name=op.f("fk_practice_categories_chosen_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("category_id", name=op.f("pk_practice_categories")),
    )
    op.create_table(
        "practice_draws",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("drawn_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["users.id"],
            name=op.f("fk_practice_draws_member_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_draws")),
        sa.UniqueConstraint("member_id", "day", name=op.f("uq_practice_draws_member_id_day")),
    )
    op.create_table(
        "practice_streaks",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("current", sa.Integer(), nullable=False),
        sa.Column("longest", sa.Integer(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "current >= 1 AND longest >= current AND days >= longest",
            name=op.f("ck_practice_streaks_streak_counts"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["users.id"],
            name=op.f("fk_practice_streaks_member_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_practice_streaks")),
    )
    op.create_table(
        "practice_completions",
        sa.Column("draw_id", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("completed_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "total >= 1 AND correct >= 0 AND correct <= total",
            name=op.f("ck_practice_completions_counts"),
        ),
        sa.ForeignKeyConstraint(
            ["draw_id"],
            ["practice_draws.id"],
            name=op.f("fk_practice_completions_draw_id_practice_draws"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("draw_id", name=op.f("pk_practice_completions")),
    )
    op.create_table(
        "practice_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draw_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("layout", _JSON, nullable=False),
        sa.Column("answer", _JSON, nullable=True),
        sa.Column("fraction", sa.Numeric(precision=10, scale=4), nullable=True),
        sa.CheckConstraint(
            "fraction IS NULL OR (fraction >= 0 AND fraction <= 1)",
            name=op.f("ck_practice_items_fraction"),
        ),
        sa.CheckConstraint("position BETWEEN 1 AND 5", name=op.f("ck_practice_items_position")),
        sa.ForeignKeyConstraint(
            ["draw_id"],
            ["practice_draws.id"],
            name=op.f("fk_practice_items_draw_id_practice_draws"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["questions.id"],
            name=op.f("fk_practice_items_question_id_questions"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["question_versions.id"],
            name=op.f("fk_practice_items_version_id_question_versions"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_items")),
        sa.UniqueConstraint(
            "draw_id", "position", name=op.f("uq_practice_items_draw_id_position")
        ),
        sa.UniqueConstraint(
            "draw_id", "question_id", name=op.f("uq_practice_items_draw_id_question_id")
        ),
    )
    with op.batch_alter_table("practice_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_practice_items_version_id"), ["version_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("practice_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_practice_items_version_id"))
    op.drop_table("practice_items")
    op.drop_table("practice_completions")
    op.drop_table("practice_streaks")
    op.drop_table("practice_draws")
    op.drop_table("practice_categories")
