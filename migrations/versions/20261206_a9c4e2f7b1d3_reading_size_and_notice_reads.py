"""Reading size and notice reads: each member's choice of 标准 / 大 / 特大 type for every page,
and which notices each member has opened (the home page lists those still to read).

Revision ID: a9c4e2f7b1d3
Revises: e1a7c3d9b2f4
Create Date: 2026-12-06 09:30:00
"""

import sqlalchemy as sa
from alembic import op

import school.db

revision = "a9c4e2f7b1d3"
down_revision = "e1a7c3d9b2f4"
branch_labels = None
depends_on = None

FONT_SIZE_CHECK = "font_size IN ('normal', 'large', 'xlarge')"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a CHECK only as part of the new column's own definition.
        op.execute(
            "ALTER TABLE users ADD COLUMN font_size VARCHAR(10) DEFAULT 'normal' NOT NULL "
            f"CONSTRAINT ck_users_font_size CHECK ({FONT_SIZE_CHECK})"
        )
    else:
        op.add_column(
            "users",
            sa.Column("font_size", sa.String(length=10), nullable=False, server_default="normal"),
        )
        op.create_check_constraint(op.f("ck_users_font_size"), "users", FONT_SIZE_CHECK)
    op.create_table(
        "notice_reads",
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("read_at", school.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["notices.id"],
            name=op.f("fk_notice_reads_notice_id_notices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notice_reads_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("notice_id", "user_id", name=op.f("pk_notice_reads")),
    )
    op.create_index(op.f("ix_notice_reads_user_id"), "notice_reads", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_notice_reads_user_id"), table_name="notice_reads")
    op.drop_table("notice_reads")
    # In place, not a batch rebuild of the users table: SQLite drops a column together with its
    # own CHECK.
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(op.f("ck_users_font_size"), "users", type_="check")
    op.drop_column("users", "font_size")
