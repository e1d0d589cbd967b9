"""Certificates: courses, campaigns and classes may give one; each is kept as a snapshot.

Three settings on existing tables (all off by default, so nothing already there changes) and
the new ``certificates`` table.

Revision ID: a6b3d9e1f4c8
Revises: e7a2c5f9b3d1
Create Date: 2026-12-06 17:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

from school.db import Hours, UTCDateTime

revision = "a6b3d9e1f4c8"
down_revision = "e7a2c5f9b3d1"
branch_labels = None
depends_on = None

SHARE_CHECK = "certificate_share IS NULL OR (certificate_share BETWEEN 1 AND 100)"


def upgrade() -> None:
    op.add_column(
        "courses",
        sa.Column("certificate", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "campaigns",
        sa.Column("certificate", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    # The check goes with the column: SQLite adds a column with its own CHECK in place, where a
    # table-level constraint would mean rebuilding a table that others reference.
    op.add_column(
        "training_classes",
        sa.Column(
            "certificate_share",
            sa.Integer(),
            sa.CheckConstraint(SHARE_CHECK, name="certificate_share"),
            nullable=True,
        ),
    )
    op.create_table(
        "certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("member_name", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.String(length=200), nullable=False),
        sa.Column("hours", Hours(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=False),
        sa.Column("issuer_org_id", sa.Integer(), nullable=True),
        sa.Column("issuer_name", sa.String(length=200), nullable=False),
        sa.Column("issued_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.Column("revoke_reason", sa.String(length=200), nullable=False),
        sa.CheckConstraint("kind IN ('course', 'campaign', 'class')", name=op.f("ck_certificates_kind")),
        sa.CheckConstraint("hours >= 0", name=op.f("ck_certificates_hours")),
        sa.ForeignKeyConstraint(
            ["issuer_org_id"],
            ["organisations.id"],
            name=op.f("fk_certificates_issuer_org_id_organisations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["users.id"],
            name=op.f("fk_certificates_member_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_id"],
            ["users.id"],
            name=op.f("fk_certificates_revoked_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
        sa.UniqueConstraint("code", name=op.f("uq_certificates_code")),
    )
    op.create_index(op.f("ix_certificates_member_id"), "certificates", ["member_id"])
    op.create_index(
        "uq_certificates_valid",
        "certificates",
        ["member_id", "kind", "source_id"],
        unique=True,
        sqlite_where=sa.text("revoked_at IS NULL"),
        postgresql_where=sa.text("revoked_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_certificates_valid", table_name="certificates")
    op.drop_index(op.f("ix_certificates_member_id"), table_name="certificates")
    op.drop_table("certificates")
    # SQLite drops a column whose CHECK is its own (3.35 and later).
    op.drop_column("training_classes", "certificate_share")
    op.drop_column("campaigns", "certificate")
    op.drop_column("courses", "certificate")
