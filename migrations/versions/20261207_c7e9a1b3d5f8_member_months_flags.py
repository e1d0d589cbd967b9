"""Finished months keep a moved member's floating and cadre flags as well as their
organisations, so that a report "as of the end of month M" counts and filters them as they were.

Rows written before this revision get the member's flags as they are now: the school did not
keep them, and a flag rarely changes without the move that wrote the row.

Revision ID: c7e9a1b3d5f8
Revises: d4f6b8a1c3e5
Create Date: 2026-12-07 01:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "c7e9a1b3d5f8"
down_revision = "d4f6b8a1c3e5"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # In place, not a batch rebuild: a rebuild reflects the users table it refers to.
    for name in ("is_floating", "is_cadre"):
        op.add_column(
            "member_months",
            sa.Column(name, sa.Boolean(), nullable=False, server_default=sa.false()),
        )
    users = sa.table(
        "users",
        sa.column("id", sa.Integer),
        sa.column("is_floating", sa.Boolean),
        sa.column("is_cadre", sa.Boolean),
    )
    months = sa.table(
        "member_months",
        sa.column("member_id", sa.Integer),
        sa.column("is_floating", sa.Boolean),
        sa.column("is_cadre", sa.Boolean),
    )
    op.execute(
        months.update().values(
            is_floating=sa.select(users.c.is_floating)
            .where(users.c.id == months.c.member_id)
            .scalar_subquery(),
            is_cadre=sa.select(users.c.is_cadre)
            .where(users.c.id == months.c.member_id)
            .scalar_subquery(),
        )
    )


def downgrade() -> None:
    op.drop_column("member_months", "is_cadre")
    op.drop_column("member_months", "is_floating")
