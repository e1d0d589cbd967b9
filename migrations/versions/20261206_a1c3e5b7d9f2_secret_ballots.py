"""Secret ballots and recommendation ballots (参政议政).

ballot_boxes, ballot_voters (who voted, only to stop a second ballot) and ballot_marks (a ballot's
marks under a random key: no voter, no time, no sequential id); recommendations with their
candidates, targets and append-only log. All tables start empty.

Revision ID: a1c3e5b7d9f2
Revises: c3e5a7b9d2f4
Create Date: 2026-12-06 23:40:00
"""

import sqlalchemy as sa
from alembic import op

from school.db import UTCDateTime

revision = "a1c3e5b7d9f2"
down_revision = "c3e5a7b9d2f4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ballot_boxes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("opens_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("closes_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("min_turnout", sa.Integer(), nullable=False),
        sa.Column("min_group", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('recommendation', 'appraisal')", name=op.f("ck_ballot_boxes_kind")
        ),
        sa.CheckConstraint("closes_at > opens_at", name=op.f("ck_ballot_boxes_window")),
        sa.CheckConstraint("min_group >= 1", name=op.f("ck_ballot_boxes_min_group")),
        sa.CheckConstraint(
            "min_turnout BETWEEN 0 AND 100", name=op.f("ck_ballot_boxes_min_turnout")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ballot_boxes")),
    )
    with op.batch_alter_table("ballot_boxes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ballot_boxes_closes_at"), ["closes_at"], unique=False)

    op.create_table(
        "ballot_marks",
        sa.Column("box_id", sa.Integer(), nullable=False),
        sa.Column("ballot_key", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("choice", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["box_id"],
            ["ballot_boxes.id"],
            name=op.f("fk_ballot_marks_box_id_ballot_boxes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("box_id", "ballot_key", "subject_id", name=op.f("pk_ballot_marks")),
    )
    op.create_table(
        "ballot_voters",
        sa.Column("box_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("voted_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["box_id"],
            ["ballot_boxes.id"],
            name=op.f("fk_ballot_voters_box_id_ballot_boxes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["users.id"],
            name=op.f("fk_ballot_voters_member_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("box_id", "member_id", name=op.f("pk_ballot_voters")),
    )
    with op.batch_alter_table("ballot_voters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ballot_voters_member_id"), ["member_id"], unique=False)

    op.create_table(
        "recommendations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("box_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("max_choices", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('party_congress', 'npc', 'cppcc')", name=op.f("ck_recommendations_kind")
        ),
        sa.CheckConstraint(
            "status IN ('active', 'cancelled')", name=op.f("ck_recommendations_status")
        ),
        sa.CheckConstraint("max_choices >= 1", name=op.f("ck_recommendations_max_choices")),
        sa.ForeignKeyConstraint(
            ["box_id"],
            ["ballot_boxes.id"],
            name=op.f("fk_recommendations_box_id_ballot_boxes"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_recommendations_created_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_recommendations_org_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recommendations")),
        sa.UniqueConstraint("box_id", name=op.f("uq_recommendations_box_id")),
    )
    with op.batch_alter_table("recommendations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recommendations_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_recommendations_status"), ["status"], unique=False)

    op.create_table(
        "recommendation_candidates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("introduction", sa.String(length=500), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["users.id"],
            name=op.f("fk_recommendation_candidates_member_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendations.id"],
            name=op.f("fk_recommendation_candidates_recommendation_id_recommendations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recommendation_candidates")),
    )
    with op.batch_alter_table("recommendation_candidates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recommendation_candidates_member_id"), ["member_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_recommendation_candidates_recommendation_id"),
            ["recommendation_id"],
            unique=False,
        )

    op.create_table(
        "recommendation_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "action IN ('created', 'changed', 'cancelled')",
            name=op.f("ck_recommendation_log_action"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_recommendation_log_actor_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendations.id"],
            name=op.f("fk_recommendation_log_recommendation_id_recommendations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recommendation_log")),
    )
    with op.batch_alter_table("recommendation_log", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recommendation_log_recommendation_id"),
            ["recommendation_id"],
            unique=False,
        )

    op.create_table(
        "recommendation_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(length=10), nullable=False),
        sa.Column("floating_only", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "side IN ('both', 'home', 'host')", name=op.f("ck_recommendation_targets_side")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_recommendation_targets_org_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendations.id"],
            name=op.f("fk_recommendation_targets_recommendation_id_recommendations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recommendation_targets")),
        sa.UniqueConstraint(
            "recommendation_id",
            "org_id",
            "side",
            "floating_only",
            name=op.f("uq_recommendation_targets_recommendation_id_org_id_side_floating_only"),
        ),
    )
    with op.batch_alter_table("recommendation_targets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recommendation_targets_org_id"), ["org_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_recommendation_targets_recommendation_id"),
            ["recommendation_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("recommendation_targets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recommendation_targets_recommendation_id"))
        batch_op.drop_index(batch_op.f("ix_recommendation_targets_org_id"))

    op.drop_table("recommendation_targets")
    with op.batch_alter_table("recommendation_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recommendation_log_recommendation_id"))

    op.drop_table("recommendation_log")
    with op.batch_alter_table("recommendation_candidates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recommendation_candidates_recommendation_id"))
        batch_op.drop_index(batch_op.f("ix_recommendation_candidates_member_id"))

    op.drop_table("recommendation_candidates")
    with op.batch_alter_table("recommendations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recommendations_status"))
        batch_op.drop_index(batch_op.f("ix_recommendations_org_id"))

    op.drop_table("recommendations")
    with op.batch_alter_table("ballot_voters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ballot_voters_member_id"))

    op.drop_table("ballot_voters")
    op.drop_table("ballot_marks")
    with op.batch_alter_table("ballot_boxes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ballot_boxes_closes_at"))

    op.drop_table("ballot_boxes")
