"""Finished months as they stood: where a member was at the end of a recent month, kept when
they have moved since, so that a periodic report home (定期通报) sent late for that month counts
them where they were.

The table starts empty: until a member moves, every month counts them where they are now,
which is what the bulletins did before.

Revision ID: f3a9c5e7d1b2
Revises: b8d4f2a6c9e1
Create Date: 2026-12-06 23:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "f3a9c5e7d1b2"
down_revision = "b8d4f2a6c9e1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "member_months",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("home_org_id", sa.Integer(), nullable=True),
        sa.Column("host_org_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["users.id"],
            name=op.f("fk_member_months_member_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("member_id", "month", name=op.f("pk_member_months")),
    )
    op.create_index(op.f("ix_member_months_month"), "member_months", ["month"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_member_months_month"), table_name="member_months")
    op.drop_table("member_months")
