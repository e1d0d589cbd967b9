"""Reading size: each member's choice of 标准 / 大 / 特大 type for every page.

Revision ID: a9c4e2f7b1d3
Revises: d7a3b9e2c1f5
Create Date: 2026-12-06 09:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "a9c4e2f7b1d3"
down_revision = "d7a3b9e2c1f5"
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


def downgrade() -> None:
    # In place, not a batch rebuild of the users table: SQLite drops a column together with its
    # own CHECK.
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(op.f("ck_users_font_size"), "users", type_="check")
    op.drop_column("users", "font_size")
