"""Training classes (培训班): classes, their sessions, enrolments with a waiting list, attendance.

New tables only; attendance is also written to ``archive_entries`` as offline study (the ledger),
so nothing existing changes.

Revision ID: e7a2c5f9b3d1
Revises: d3f8b1e6a2c4
Create Date: 2026-12-06 14:25:24.162908
"""

import sqlalchemy as sa
from alembic import op

from school.db import Hours, UTCDateTime

revision = "e7a2c5f9b3d1"
down_revision = "d3f8b1e6a2c4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "training_classes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("organiser_id", sa.Integer(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("online", sa.Boolean(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("target_text", sa.String(length=200), nullable=False),
        sa.Column("target_org_id", sa.Integer(), nullable=True),
        sa.Column("enrolment", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "enrolment IN ('open', 'invite')", name=op.f("ck_training_classes_enrolment")
        ),
        sa.CheckConstraint(
            "kind IN ('concentrated', 'lecture', 'forum', 'management', 'homecoming', 'other')",
            name=op.f("ck_training_classes_kind"),
        ),
        sa.CheckConstraint("status IN ('open', 'closed')", name=op.f("ck_training_classes_status")),
        sa.CheckConstraint(
            "capacity IS NULL OR capacity > 0", name=op.f("ck_training_classes_capacity")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_training_classes_created_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_training_classes_org_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["organiser_id"],
            ["users.id"],
            name=op.f("fk_training_classes_organiser_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["target_org_id"],
            ["organisations.id"],
            name=op.f("fk_training_classes_target_org_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_classes")),
    )
    with op.batch_alter_table("training_classes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_training_classes_org_id"), ["org_id"], unique=False)

    op.create_table(
        "class_enrolments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("enrolled_by_id", sa.Integer(), nullable=False),
        sa.Column("queued_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("changed_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "state IN ('enrolled', 'waiting', 'cancelled')", name=op.f("ck_class_enrolments_state")
        ),
        sa.ForeignKeyConstraint(
            ["changed_by_id"],
            ["users.id"],
            name=op.f("fk_class_enrolments_changed_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["class_id"],
            ["training_classes.id"],
            name=op.f("fk_class_enrolments_class_id_training_classes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["enrolled_by_id"],
            ["users.id"],
            name=op.f("fk_class_enrolments_enrolled_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["users.id"],
            name=op.f("fk_class_enrolments_member_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_class_enrolments")),
        sa.UniqueConstraint(
            "class_id", "member_id", name=op.f("uq_class_enrolments_class_id_member_id")
        ),
    )
    with op.batch_alter_table("class_enrolments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_class_enrolments_member_id"), ["member_id"], unique=False
        )

    op.create_table(
        "class_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("starts_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("hours", Hours(), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_class_sessions_times")),
        sa.CheckConstraint("hours >= 0 AND hours <= 240", name=op.f("ck_class_sessions_hours")),
        sa.ForeignKeyConstraint(
            ["class_id"],
            ["training_classes.id"],
            name=op.f("fk_class_sessions_class_id_training_classes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_class_sessions")),
    )
    with op.batch_alter_table("class_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_class_sessions_class_id"), ["class_id"], unique=False)

    op.create_table(
        "class_attendances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("checked_in_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "method IN ('qr', 'card', 'hand')", name=op.f("ck_class_attendances_method")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["users.id"],
            name=op.f("fk_class_attendances_member_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_class_attendances_recorded_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["class_sessions.id"],
            name=op.f("fk_class_attendances_session_id_class_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_class_attendances")),
        sa.UniqueConstraint(
            "session_id", "member_id", name=op.f("uq_class_attendances_session_id_member_id")
        ),
    )
    with op.batch_alter_table("class_attendances", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_class_attendances_member_id"), ["member_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("class_attendances", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_class_attendances_member_id"))

    op.drop_table("class_attendances")
    with op.batch_alter_table("class_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_class_sessions_class_id"))

    op.drop_table("class_sessions")
    with op.batch_alter_table("class_enrolments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_class_enrolments_member_id"))

    op.drop_table("class_enrolments")
    with op.batch_alter_table("training_classes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_classes_org_id"))

    op.drop_table("training_classes")
