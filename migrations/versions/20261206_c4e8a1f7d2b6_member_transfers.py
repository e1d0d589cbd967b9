"""Membership transfers (组织关系转接) that both sides agree to: the ``member_transfers`` table.

Revision ID: c4e8a1f7d2b6
Revises: c4d8e2a6f1b9
Create Date: 2026-12-06 20:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

from school.db import UTCDateTime

revision = "c4e8a1f7d2b6"
down_revision = "c4d8e2a6f1b9"
branch_labels = None
depends_on = None


def _fk(column: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{table}.id"],
        name=op.f(f"fk_member_transfers_{column}_{table}"),
        ondelete="RESTRICT",
    )


def upgrade() -> None:
    op.create_table(
        "member_transfers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("from_org_id", sa.Integer(), nullable=False),
        sa.Column("to_org_id", sa.Integer(), nullable=False),
        sa.Column("placed_org_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.String(length=200), nullable=False),
        sa.Column("flow_event_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "state IN ('pending', 'accepted', 'returned', 'withdrawn')",
            name=op.f("ck_member_transfers_state"),
        ),
        sa.CheckConstraint(
            "(state = 'pending') = (decided_at IS NULL)", name=op.f("ck_member_transfers_decided")
        ),
        sa.CheckConstraint(
            "state <> 'accepted' OR placed_org_id IS NOT NULL",
            name=op.f("ck_member_transfers_placed"),
        ),
        sa.CheckConstraint(
            "state <> 'returned' OR decision_note <> ''",
            name=op.f("ck_member_transfers_return_reason"),
        ),
        _fk("member_id", "users"),
        _fk("from_org_id", "organisations"),
        _fk("to_org_id", "organisations"),
        _fk("placed_org_id", "organisations"),
        _fk("requested_by_id", "users"),
        _fk("decided_by_id", "users"),
        _fk("flow_event_id", "flow_events"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_transfers")),
    )
    for column in ("member_id", "from_org_id", "to_org_id"):
        op.create_index(
            op.f(f"ix_member_transfers_{column}"), "member_transfers", [column], unique=False
        )
    op.create_index(
        "uq_member_transfers_one_pending",
        "member_transfers",
        ["member_id"],
        unique=True,
        sqlite_where=sa.text("state = 'pending'"),
        postgresql_where=sa.text("state = 'pending'"),
    )


def downgrade() -> None:
    op.drop_index("uq_member_transfers_one_pending", table_name="member_transfers")
    for column in ("to_org_id", "from_org_id", "member_id"):
        op.drop_index(op.f(f"ix_member_transfers_{column}"), table_name="member_transfers")
    op.drop_table("member_transfers")
