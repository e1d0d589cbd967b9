"""Notices become the school's news: categories, covers, attachments, required reading.

notices gains category (existing notices are 通知), topic, cover_name, video_url, required,
deadline and audience_count; notice_files (attachments), notice_reminders (one a member a day)
and notice_mutes (categories a member does not want to hear of) start empty.

Revision ID: e2a4c6b8d1f3
Revises: f5b7d9a2c4e6
Create Date: 2026-12-07 01:30:00
"""

import sqlalchemy as sa
from alembic import op

from school.db import UTCDateTime

revision = "e2a4c6b8d1f3"
down_revision = "f5b7d9a2c4e6"
branch_labels = None
depends_on = None

_CATEGORY = "category IN ('requirement', 'news', 'law', 'hometown', 'video', 'notice')"
_REQUIRED = "deadline IS NOT NULL OR NOT required"


def upgrade() -> None:
    op.add_column("notices", sa.Column("topic", sa.String(length=50), nullable=True))
    op.add_column("notices", sa.Column("cover_name", sa.String(length=100), nullable=True))
    op.add_column("notices", sa.Column("video_url", sa.String(length=300), nullable=True))
    op.add_column("notices", sa.Column("deadline", sa.Date(), nullable=True))
    op.add_column("notices", sa.Column("audience_count", sa.Integer(), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a CHECK only as part of the new column's own definition; rebuilding the
        # table instead would cascade its drop to every read receipt.
        op.execute(
            "ALTER TABLE notices ADD COLUMN category VARCHAR(20) DEFAULT 'notice' NOT NULL "
            f"CONSTRAINT ck_notices_category CHECK ({_CATEGORY})"
        )
        op.execute(
            "ALTER TABLE notices ADD COLUMN required BOOLEAN DEFAULT 0 NOT NULL "
            f"CONSTRAINT ck_notices_required_deadline CHECK ({_REQUIRED})"
        )
    else:
        op.add_column(
            "notices",
            sa.Column("category", sa.String(length=20), server_default="notice", nullable=False),
        )
        op.add_column(
            "notices",
            sa.Column("required", sa.Boolean(), server_default=sa.false(), nullable=False),
        )
        op.create_check_constraint(op.f("ck_notices_category"), "notices", _CATEGORY)
        op.create_check_constraint(op.f("ck_notices_required_deadline"), "notices", _REQUIRED)
    op.create_index(op.f("ix_notices_category"), "notices", ["category"], unique=False)

    op.create_table(
        "notice_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("stored_name", sa.String(length=100), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("original_name", sa.String(length=200), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('document', 'video')", name=op.f("ck_notice_files_kind")),
        sa.CheckConstraint("size >= 0", name=op.f("ck_notice_files_size")),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["notices.id"],
            name=op.f("fk_notice_files_notice_id_notices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"],
            ["users.id"],
            name=op.f("fk_notice_files_uploaded_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_files")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_notice_files_stored_name")),
    )
    with op.batch_alter_table("notice_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notice_files_notice_id"), ["notice_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_notice_files_uploaded_by"), ["uploaded_by"], unique=False
        )

    op.create_table(
        "notice_reminders",
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("sent_by", sa.Integer(), nullable=True),
        sa.Column("sent_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["notices.id"],
            name=op.f("fk_notice_reminders_notice_id_notices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sent_by"],
            ["users.id"],
            name=op.f("fk_notice_reminders_sent_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notice_reminders_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("notice_id", "user_id", "day", name=op.f("pk_notice_reminders")),
    )
    with op.batch_alter_table("notice_reminders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notice_reminders_user_id"), ["user_id"], unique=False)

    op.create_table(
        "notice_mutes",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.CheckConstraint(_CATEGORY, name=op.f("ck_notice_mutes_category")),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notice_mutes_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "category", name=op.f("pk_notice_mutes")),
    )


def downgrade() -> None:
    op.drop_table("notice_mutes")
    with op.batch_alter_table("notice_reminders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notice_reminders_user_id"))
    op.drop_table("notice_reminders")
    with op.batch_alter_table("notice_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notice_files_uploaded_by"))
        batch_op.drop_index(batch_op.f("ix_notice_files_notice_id"))
    op.drop_table("notice_files")
    op.drop_index(op.f("ix_notices_category"), table_name="notices")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(op.f("ck_notices_required_deadline"), "notices", type_="check")
        op.drop_constraint(op.f("ck_notices_category"), "notices", type_="check")
    # SQLite (3.35+) drops a column whose only constraint is its own CHECK.
    for column in ("required", "category", "audience_count", "deadline", "video_url"):
        op.drop_column("notices", column)
    op.drop_column("notices", "cover_name")
    op.drop_column("notices", "topic")
