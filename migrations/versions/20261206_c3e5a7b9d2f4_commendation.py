"""Commendation (评先评优): rounds, nominations with their co-signers and append-only review
steps, objections during the 公示, and honours (awards and revocations, never edited).

Revision ID: c3e5a7b9d2f4
Revises: b2d4f6a8c1e3
Create Date: 2026-12-06 23:50:00
"""

import sqlalchemy as sa
from alembic import op

from school.db import UTCDateTime


revision = "c3e5a7b9d2f4"
down_revision = "b2d4f6a8c1e3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "honour_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("quota", sa.Integer(), nullable=False),
        sa.Column("nomination_deadline", sa.Date(), nullable=False),
        sa.Column("notice_days", sa.Integer(), nullable=False),
        sa.Column("cosigners", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("notice_starts_on", sa.Date(), nullable=True),
        sa.Column("notice_ends_on", sa.Date(), nullable=True),
        sa.Column("published_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state IN ('nominating', 'notice', 'published')", name=op.f("ck_honour_rounds_state")
        ),
        sa.CheckConstraint("cosigners BETWEEN 0 AND 50", name=op.f("ck_honour_rounds_cosigners")),
        sa.CheckConstraint(
            "notice_days BETWEEN 1 AND 30", name=op.f("ck_honour_rounds_notice_days")
        ),
        sa.CheckConstraint("quota >= 1", name=op.f("ck_honour_rounds_quota")),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_honour_rounds_created_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_honour_rounds_org_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_honour_rounds")),
    )
    op.create_index(op.f("ix_honour_rounds_org_id"), "honour_rounds", ["org_id"], unique=False)

    op.create_table(
        "honour_nominations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("nominator_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("origin_org_id", sa.Integer(), nullable=False),
        sa.Column("level_org_id", sa.Integer(), nullable=True),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('committee', 'branch', 'peer')", name=op.f("ck_honour_nominations_kind")
        ),
        sa.CheckConstraint(
            "state IN ('gathering', 'review', 'returned', 'approved', 'withdrawn', 'honoured')",
            name=op.f("ck_honour_nominations_state"),
        ),
        sa.ForeignKeyConstraint(
            ["level_org_id"],
            ["organisations.id"],
            name=op.f("fk_honour_nominations_level_org_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["users.id"],
            name=op.f("fk_honour_nominations_member_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["nominator_id"],
            ["users.id"],
            name=op.f("fk_honour_nominations_nominator_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["origin_org_id"],
            ["organisations.id"],
            name=op.f("fk_honour_nominations_origin_org_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["honour_rounds.id"],
            name=op.f("fk_honour_nominations_round_id_honour_rounds"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_honour_nominations")),
        sa.UniqueConstraint(
            "round_id", "member_id", name=op.f("uq_honour_nominations_round_id_member_id")
        ),
    )
    op.create_index(
        op.f("ix_honour_nominations_level_org_id"),
        "honour_nominations",
        ["level_org_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_honour_nominations_member_id"), "honour_nominations", ["member_id"], unique=False
    )

    op.create_table(
        "honours",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=True),
        sa.Column("revokes_id", sa.Integer(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("member_name", sa.String(length=100), nullable=False),
        sa.Column("org_name", sa.String(length=100), nullable=False),
        sa.Column("awarded_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(kind = 'award') = (revokes_id IS NULL)",
            name=op.f("ck_honours_revocation_names_award"),
        ),
        sa.CheckConstraint("kind IN ('award', 'revocation')", name=op.f("ck_honours_kind")),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_honours_created_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["users.id"],
            name=op.f("fk_honours_member_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["revokes_id"],
            ["honours.id"],
            name=op.f("fk_honours_revokes_id_honours"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["honour_rounds.id"],
            name=op.f("fk_honours_round_id_honour_rounds"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_honours")),
        sa.UniqueConstraint("revokes_id", name=op.f("uq_honours_revokes_id")),
    )
    op.create_index(op.f("ix_honours_member_id"), "honours", ["member_id"], unique=False)

    op.create_table(
        "honour_cosigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nomination_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["users.id"],
            name=op.f("fk_honour_cosigns_member_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["nomination_id"],
            ["honour_nominations.id"],
            name=op.f("fk_honour_cosigns_nomination_id_honour_nominations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_honour_cosigns")),
        sa.UniqueConstraint(
            "nomination_id", "member_id", name=op.f("uq_honour_cosigns_nomination_id_member_id")
        ),
    )
    op.create_index(
        op.f("ix_honour_cosigns_member_id"), "honour_cosigns", ["member_id"], unique=False
    )

    op.create_table(
        "honour_objections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("nomination_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("file_name", sa.String(length=100), nullable=True),
        sa.Column("file_mime", sa.String(length=50), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("resolution", sa.Text(), nullable=False),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("resolved_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state IN ('open', 'upheld', 'dismissed')", name=op.f("ck_honour_objections_state")
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_honour_objections_author_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["nomination_id"],
            ["honour_nominations.id"],
            name=op.f("fk_honour_objections_nomination_id_honour_nominations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"],
            ["users.id"],
            name=op.f("fk_honour_objections_resolved_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["honour_rounds.id"],
            name=op.f("fk_honour_objections_round_id_honour_rounds"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_honour_objections")),
    )
    op.create_index(
        "ix_honour_objections_round_state", "honour_objections", ["round_id", "state"], unique=False
    )

    op.create_table(
        "honour_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nomination_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_honour_steps_actor_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["nomination_id"],
            ["honour_nominations.id"],
            name=op.f("fk_honour_steps_nomination_id_honour_nominations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_honour_steps_org_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_honour_steps")),
    )
    op.create_index(
        op.f("ix_honour_steps_nomination_id"), "honour_steps", ["nomination_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_honour_steps_nomination_id"), table_name="honour_steps")

    op.drop_table("honour_steps")
    op.drop_index("ix_honour_objections_round_state", table_name="honour_objections")

    op.drop_table("honour_objections")
    op.drop_index(op.f("ix_honour_cosigns_member_id"), table_name="honour_cosigns")

    op.drop_table("honour_cosigns")
    op.drop_index(op.f("ix_honours_member_id"), table_name="honours")

    op.drop_table("honours")
    op.drop_index(op.f("ix_honour_nominations_member_id"), table_name="honour_nominations")
    op.drop_index(op.f("ix_honour_nominations_level_org_id"), table_name="honour_nominations")

    op.drop_table("honour_nominations")
    op.drop_index(op.f("ix_honour_rounds_org_id"), table_name="honour_rounds")

    op.drop_table("honour_rounds")
