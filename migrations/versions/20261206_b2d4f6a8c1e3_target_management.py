"""Target management (目标管理): yearly target schemes of an organisation for its home or host
members, their indicators under the four dimensions, staff scores (history: a later row
supersedes, none is updated) and the members' self-reports.

Revision ID: b2d4f6a8c1e3
Revises: f3a9c5e7d1b2
Create Date: 2026-12-06 23:55:00
"""

import sqlalchemy as sa
from alembic import op

import school.db

revision = "b2d4f6a8c1e3"
down_revision = "f3a9c5e7d1b2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "target_schemes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(length=4), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", school.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("published_at", school.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("side IN ('home', 'host')", name=op.f("ck_target_schemes_side")),
        sa.CheckConstraint(
            "status IN ('draft', 'published', 'superseded')", name=op.f("ck_target_schemes_status")
        ),
        sa.CheckConstraint("period_end >= period_start", name=op.f("ck_target_schemes_period")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_target_schemes_version")),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_target_schemes_created_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_target_schemes_org_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["published_by_id"],
            ["users.id"],
            name=op.f("fk_target_schemes_published_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_target_schemes")),
        sa.UniqueConstraint(
            "org_id",
            "side",
            "year",
            "version",
            name=op.f("uq_target_schemes_org_id_side_year_version"),
        ),
    )
    with op.batch_alter_table("target_schemes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_target_schemes_year"), ["year"], unique=False)

    op.create_table(
        "target_indicators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scheme_id", sa.Integer(), nullable=False),
        sa.Column("dimension", sa.String(length=20), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("measure", sa.String(length=12), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=True),
        sa.Column("scorer_side", sa.String(length=4), nullable=True),
        sa.CheckConstraint(
            "(measure = 'manual' AND scorer_side IN ('home', 'host'))"
            " OR (measure <> 'manual' AND scorer_side IS NULL)",
            name=op.f("ck_target_indicators_scorer_side"),
        ),
        sa.CheckConstraint(
            "dimension IN ('political', 'discipline', 'organisation', 'role')",
            name=op.f("ck_target_indicators_dimension"),
        ),
        sa.CheckConstraint(
            "measure IN ('hours', 'campaigns', 'offline', 'board', 'manual')",
            name=op.f("ck_target_indicators_measure"),
        ),
        sa.CheckConstraint(
            "threshold IS NULL OR threshold BETWEEN 1 AND 1000",
            name=op.f("ck_target_indicators_threshold"),
        ),
        sa.CheckConstraint("weight BETWEEN 1 AND 100", name=op.f("ck_target_indicators_weight")),
        sa.ForeignKeyConstraint(
            ["scheme_id"],
            ["target_schemes.id"],
            name=op.f("fk_target_indicators_scheme_id_target_schemes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_target_indicators")),
    )
    with op.batch_alter_table("target_indicators", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_target_indicators_scheme_id"), ["scheme_id"], unique=False
        )

    op.create_table(
        "target_self_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scheme_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", school.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", school.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["users.id"],
            name=op.f("fk_target_self_reports_member_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["scheme_id"],
            ["target_schemes.id"],
            name=op.f("fk_target_self_reports_scheme_id_target_schemes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_target_self_reports")),
        sa.UniqueConstraint(
            "scheme_id", "member_id", name=op.f("uq_target_self_reports_scheme_id_member_id")
        ),
    )
    with op.batch_alter_table("target_self_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_target_self_reports_member_id"), ["member_id"], unique=False
        )

    op.create_table(
        "target_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("comment", sa.String(length=500), nullable=False),
        sa.Column("scored_by_id", sa.Integer(), nullable=False),
        sa.Column("scored_at", school.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("points >= 0 AND points <= 100", name=op.f("ck_target_scores_points")),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["target_indicators.id"],
            name=op.f("fk_target_scores_indicator_id_target_indicators"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["users.id"],
            name=op.f("fk_target_scores_member_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["scored_by_id"],
            ["users.id"],
            name=op.f("fk_target_scores_scored_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_target_scores")),
    )
    with op.batch_alter_table("target_scores", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_target_scores_indicator_id"), ["indicator_id"], unique=False
        )
        batch_op.create_index(
            "ix_target_scores_member_indicator", ["member_id", "indicator_id", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("target_scores", schema=None) as batch_op:
        batch_op.drop_index("ix_target_scores_member_indicator")
        batch_op.drop_index(batch_op.f("ix_target_scores_indicator_id"))

    op.drop_table("target_scores")
    with op.batch_alter_table("target_self_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_target_self_reports_member_id"))

    op.drop_table("target_self_reports")
    with op.batch_alter_table("target_indicators", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_target_indicators_scheme_id"))

    op.drop_table("target_indicators")
    with op.batch_alter_table("target_schemes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_target_schemes_year"))

    op.drop_table("target_schemes")
