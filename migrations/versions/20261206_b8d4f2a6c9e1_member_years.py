"""Past years as they stood: where a member was counted at the end of a closed year, and the
closed years' corrections to the rollups' member counts.

Both tables start empty: until a member's organisation or flags change, every year counts them
where they are now, which is what the reports did before.

Revision ID: b8d4f2a6c9e1
Revises: d8f2b6a4c1e7
Create Date: 2026-12-06 21:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "b8d4f2a6c9e1"
down_revision = "d8f2b6a4c1e7"
branch_labels = None
depends_on = None

SIDE_CHECK = "side IN ('home', 'host', 'both', 'same')"


def upgrade() -> None:
    op.create_table(
        "rollup_members_past",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(length=4), nullable=False),
        sa.Column("stripe", sa.Integer(), nullable=False),
        sa.Column("is_floating", sa.Boolean(), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.Column("cadres", sa.Integer(), nullable=False),
        sa.CheckConstraint(SIDE_CHECK, name=op.f("ck_rollup_members_past_side")),
        sa.PrimaryKeyConstraint(
            "year",
            "level",
            "org_id",
            "side",
            "stripe",
            "is_floating",
            name=op.f("pk_rollup_members_past"),
        ),
    )
    op.create_table(
        "member_years",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("home_org_id", sa.Integer(), nullable=True),
        sa.Column("host_org_id", sa.Integer(), nullable=True),
        sa.Column("is_floating", sa.Boolean(), nullable=False),
        sa.Column("is_cadre", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["users.id"],
            name=op.f("fk_member_years_member_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("member_id", "year", name=op.f("pk_member_years")),
    )
    op.create_index(op.f("ix_member_years_year"), "member_years", ["year"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_member_years_year"), table_name="member_years")
    op.drop_table("member_years")
    op.drop_table("rollup_members_past")
