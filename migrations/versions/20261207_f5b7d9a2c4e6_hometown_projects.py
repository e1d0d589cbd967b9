"""Hometown projects (家乡项目).

projects (published by an organisation for its subtree), project_status_changes (appended),
project_interests (one per member and project), project_referrals (contacts members recommend)
and project_followups (the appended log of both). All tables start empty.

Revision ID: f5b7d9a2c4e6
Revises: b9d1f3a5c7e2
Create Date: 2026-12-07 01:22:42
"""

import sqlalchemy as sa
from alembic import op

from school.db import UTCDateTime

revision = "f5b7d9a2c4e6"
down_revision = "b9d1f3a5c7e2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("sector", sa.String(length=10), nullable=False),
        sa.Column("place", sa.String(length=100), nullable=False),
        sa.Column("size_wan", sa.Integer(), nullable=True),
        sa.Column("description_md", sa.Text(), nullable=False),
        sa.Column("contact_name", sa.String(length=50), nullable=False),
        sa.Column("contact_phone", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("cover_name", sa.String(length=100), nullable=True),
        sa.Column("cover_mime", sa.String(length=50), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_at", UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "sector IN ('农业', '制造业', '文旅', '商贸物流', '数字经济', '基础设施', "
            "'社会事业', '其他')",
            name=op.f("ck_projects_sector"),
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'open', 'negotiating', 'paused', 'landed', 'closed')",
            name=op.f("ck_projects_status"),
        ),
        sa.CheckConstraint(
            "size_wan IS NULL OR size_wan BETWEEN 1 AND 10000000", name=op.f("ck_projects_size_wan")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_projects_created_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_projects_org_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects")),
        sa.UniqueConstraint("org_id", "title", name=op.f("uq_projects_org_id_title")),
    )
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.create_index("ix_projects_org_status", ["org_id", "status"], unique=False)

    op.create_table(
        "project_interests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("help", sa.String(length=10), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("followed_up_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "help IN ('invest', 'introduce', 'inform')", name=op.f("ck_project_interests_help")
        ),
        sa.CheckConstraint(
            "state IN ('pending', 'contacted', 'talking', 'signed', 'declined')",
            name=op.f("ck_project_interests_state"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["users.id"],
            name=op.f("fk_project_interests_member_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_project_interests_project_id_projects"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_interests")),
        sa.UniqueConstraint(
            "project_id", "member_id", name=op.f("uq_project_interests_project_id_member_id")
        ),
    )
    with op.batch_alter_table("project_interests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_project_interests_member_id"), ["member_id"], unique=False
        )

    op.create_table(
        "project_referrals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("company", sa.String(length=100), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("followed_up_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state IN ('pending', 'contacted', 'talking', 'signed', 'declined')",
            name=op.f("ck_project_referrals_state"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["users.id"],
            name=op.f("fk_project_referrals_member_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_project_referrals_project_id_projects"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_referrals")),
        sa.UniqueConstraint(
            "project_id",
            "member_id",
            "phone",
            name=op.f("uq_project_referrals_project_id_member_id_phone"),
        ),
    )
    with op.batch_alter_table("project_referrals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_project_referrals_member_id"), ["member_id"], unique=False
        )

    op.create_table(
        "project_status_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(length=12), nullable=True),
        sa.Column("to_status", sa.String(length=12), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "from_status IS NULL OR from_status IN "
            "('draft', 'open', 'negotiating', 'paused', 'landed', 'closed')",
            name=op.f("ck_project_status_changes_from_status"),
        ),
        sa.CheckConstraint(
            "to_status IN ('draft', 'open', 'negotiating', 'paused', 'landed', 'closed')",
            name=op.f("ck_project_status_changes_to_status"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_project_status_changes_actor_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_project_status_changes_project_id_projects"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_status_changes")),
    )
    with op.batch_alter_table("project_status_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_project_status_changes_project_id"), ["project_id"], unique=False
        )

    op.create_table(
        "project_followups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("interest_id", sa.Integer(), nullable=True),
        sa.Column("referral_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("contacted_on", sa.Date(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("next_step", sa.String(length=200), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "action IN ('follow', 'withdraw', 'renew')", name=op.f("ck_project_followups_action")
        ),
        sa.CheckConstraint(
            "state IN ('pending', 'contacted', 'talking', 'signed', 'declined')",
            name=op.f("ck_project_followups_state"),
        ),
        sa.CheckConstraint(
            "(interest_id IS NULL) <> (referral_id IS NULL)",
            name=op.f("ck_project_followups_one_subject"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_project_followups_actor_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["interest_id"],
            ["project_interests.id"],
            name=op.f("fk_project_followups_interest_id_project_interests"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["project_referrals.id"],
            name=op.f("fk_project_followups_referral_id_project_referrals"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_followups")),
    )
    with op.batch_alter_table("project_followups", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_project_followups_interest_id"), ["interest_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_project_followups_referral_id"), ["referral_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("project_followups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_project_followups_referral_id"))
        batch_op.drop_index(batch_op.f("ix_project_followups_interest_id"))

    op.drop_table("project_followups")
    with op.batch_alter_table("project_status_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_project_status_changes_project_id"))

    op.drop_table("project_status_changes")
    with op.batch_alter_table("project_referrals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_project_referrals_member_id"))

    op.drop_table("project_referrals")
    with op.batch_alter_table("project_interests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_project_interests_member_id"))

    op.drop_table("project_interests")
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_index("ix_projects_org_status")

    op.drop_table("projects")
