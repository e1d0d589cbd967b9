"""Campaigns (专题教育活动): a campaign, its items (courses and quizzes) and its target subtrees.

Who is targeted and how far each member is are not stored: they are read from the members'
current organisations and the completion data already kept.

Revision ID: d3f8b1e6a2c4
Revises: f1c6d8a3e9b5
Create Date: 2026-12-06 14:40:00
"""

import sqlalchemy as sa
from alembic import op

import school.db

revision = "d3f8b1e6a2c4"
down_revision = "f1c6d8a3e9b5"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("launched_by_id", sa.Integer(), nullable=True),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("hours_target", school.db.Hours(), nullable=True),
        sa.Column("remind_days", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", school.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("launched_at", school.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", school.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('draft', 'launched', 'closed')", name=op.f("ck_campaigns_status")
        ),
        sa.CheckConstraint("deadline >= start_on", name=op.f("ck_campaigns_dates")),
        sa.CheckConstraint(
            "hours_target IS NULL OR hours_target > 0", name=op.f("ck_campaigns_hours_target")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_campaigns_created_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["launched_by_id"],
            ["users.id"],
            name=op.f("fk_campaigns_launched_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_campaigns_org_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
    )
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaigns_deadline"), ["deadline"], unique=False)
        batch_op.create_index(batch_op.f("ix_campaigns_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_campaigns_status"), ["status"], unique=False)

    op.create_table(
        "campaign_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(length=10), nullable=False),
        sa.Column("floating_only", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "side IN ('both', 'home', 'host')", name=op.f("ck_campaign_targets_side")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_targets_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_campaign_targets_org_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_targets")),
        sa.UniqueConstraint(
            "campaign_id",
            "org_id",
            "side",
            "floating_only",
            name=op.f("uq_campaign_targets_campaign_id_org_id_side_floating_only"),
        ),
    )
    with op.batch_alter_table("campaign_targets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_campaign_targets_campaign_id"), ["campaign_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_campaign_targets_org_id"), ["org_id"], unique=False)

    op.create_table(
        "campaign_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=True),
        sa.Column("quiz_id", sa.Integer(), nullable=True),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(course_id IS NULL) <> (quiz_id IS NULL)", name=op.f("ck_campaign_items_one_thing")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_items_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_campaign_items_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["quiz_id"],
            ["quizzes.id"],
            name=op.f("fk_campaign_items_quiz_id_quizzes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_items")),
        sa.UniqueConstraint(
            "campaign_id", "course_id", name=op.f("uq_campaign_items_campaign_id_course_id")
        ),
        sa.UniqueConstraint(
            "campaign_id", "quiz_id", name=op.f("uq_campaign_items_campaign_id_quiz_id")
        ),
    )
    with op.batch_alter_table("campaign_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_campaign_items_campaign_id"), ["campaign_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_campaign_items_course_id"), ["course_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_campaign_items_quiz_id"), ["quiz_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("campaign_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_items_quiz_id"))
        batch_op.drop_index(batch_op.f("ix_campaign_items_course_id"))
        batch_op.drop_index(batch_op.f("ix_campaign_items_campaign_id"))

    op.drop_table("campaign_items")
    with op.batch_alter_table("campaign_targets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_targets_org_id"))
        batch_op.drop_index(batch_op.f("ix_campaign_targets_campaign_id"))

    op.drop_table("campaign_targets")
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaigns_status"))
        batch_op.drop_index(batch_op.f("ix_campaigns_org_id"))
        batch_op.drop_index(batch_op.f("ix_campaigns_deadline"))

    op.drop_table("campaigns")
