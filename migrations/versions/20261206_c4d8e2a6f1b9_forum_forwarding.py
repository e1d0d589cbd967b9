"""Boards: handing an item on to another organisation (转办) and supervised deadlines (督办).

``threads.routed_at`` is when the item reached the organisation handling it now (its answer
deadline counts from there): for every existing item, when it was filed. ``thread_forwards``
keeps every hop; ``thread_supervisions`` the one supervised deadline of an item.

Revision ID: c4d8e2a6f1b9
Revises: c4e8a2f6b9d3
Create Date: 2026-12-06 20:10:00.000000
"""

import sqlalchemy as sa
from alembic import op

from school.db import UTCDateTime

revision = "c4d8e2a6f1b9"
down_revision = "c4e8a2f6b9d3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite adds a NOT NULL column in place only with a constant default; every row then
    # takes its own filing time, and the application always writes the column itself.
    op.add_column(
        "threads",
        sa.Column(
            "routed_at",
            UTCDateTime(timezone=True),
            nullable=False,
            server_default="1970-01-01 00:00:00",
        ),
    )
    op.execute("UPDATE threads SET routed_at = created_at")

    op.create_table(
        "thread_forwards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("from_org_id", sa.Integer(), nullable=False),
        sa.Column("to_org_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("from_org_id <> to_org_id", name=op.f("ck_thread_forwards_other_org")),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_thread_forwards_actor_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["from_org_id"],
            ["organisations.id"],
            name=op.f("fk_thread_forwards_from_org_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["threads.id"],
            name=op.f("fk_thread_forwards_thread_id_threads"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["to_org_id"],
            ["organisations.id"],
            name=op.f("fk_thread_forwards_to_org_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_thread_forwards")),
    )
    with op.batch_alter_table("thread_forwards", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_thread_forwards_from_org_id"), ["from_org_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_thread_forwards_thread_id"), ["thread_id"], unique=False
        )

    op.create_table(
        "thread_supervisions",
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("set_by_id", sa.Integer(), nullable=False),
        sa.Column("set_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_thread_supervisions_org_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["set_by_id"],
            ["users.id"],
            name=op.f("fk_thread_supervisions_set_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["threads.id"],
            name=op.f("fk_thread_supervisions_thread_id_threads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("thread_id", name=op.f("pk_thread_supervisions")),
    )
    with op.batch_alter_table("thread_supervisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_thread_supervisions_org_id"), ["org_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("thread_supervisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_thread_supervisions_org_id"))
    op.drop_table("thread_supervisions")
    with op.batch_alter_table("thread_forwards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_thread_forwards_thread_id"))
        batch_op.drop_index(batch_op.f("ix_thread_forwards_from_org_id"))
    op.drop_table("thread_forwards")
    # SQLite drops a plain column in place (3.35 and later): no rebuild of the threads table.
    op.drop_column("threads", "routed_at")
