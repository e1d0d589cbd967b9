"""Login sessions kept on the server; accounts remember when they were disabled and last used.

A login is a row that every request checks, so logout, a password change, a reset or disabling
the account ends it everywhere, and a copied cookie stops working. The auth version column that
did part of this job goes: ending session rows replaces it.

Revision ID: b5e1a7c9d2f4
Revises: 7c2e9a41b5d3
Create Date: 2026-12-06 10:00:00
"""

import sqlalchemy as sa
from alembic import op

from school.db import UTCDateTime

revision = "b5e1a7c9d2f4"
down_revision = "7c2e9a41b5d3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("remember", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("first_ip", sa.String(length=45), nullable=True),
        sa.Column("last_ip", sa.String(length=45), nullable=True),
        sa.Column("user_agent", sa.String(length=255), nullable=True),
        sa.Column("ended_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=20), nullable=True),
        sa.CheckConstraint(
            "end_reason IS NULL OR end_reason IN "
            "('logout', 'signed_out', 'password', 'reset', 'disabled', 'expired')",
            name=op.f("ck_login_sessions_end_reason"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_login_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_login_sessions_token_hash")),
    )
    op.create_index(op.f("ix_login_sessions_user_id"), "login_sessions", ["user_id"], unique=False)
    # Plain ALTER TABLE (SQLite 3.35+ drops a column in place): a batch copy of users would
    # drop the table that every other table references, which foreign keys refuse.
    op.add_column("users", sa.Column("disabled_at", UTCDateTime(timezone=True), nullable=True))
    op.add_column("users", sa.Column("disabled_reason", sa.String(length=200), nullable=True))
    op.add_column("users", sa.Column("last_login_at", UTCDateTime(timezone=True), nullable=True))
    op.drop_column("users", "auth_version")


def downgrade() -> None:
    op.add_column(
        "users", sa.Column("auth_version", sa.Integer(), nullable=False, server_default="1")
    )
    op.drop_column("users", "last_login_at")
    op.drop_column("users", "disabled_reason")
    op.drop_column("users", "disabled_at")
    op.drop_index(op.f("ix_login_sessions_user_id"), table_name="login_sessions")
    op.drop_table("login_sessions")
