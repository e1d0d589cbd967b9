"""Aimed reminders: batches, email and SMS copies with their delivery state, members' email.

``users.email`` is optional. ``reminder_batches`` holds each confirmed reminder (message,
channel, counts); ``study_reminders.batch_id`` ties each member's reminder to it, and its
``reason`` keeps the whole text sent (up to 300 characters, as a notification); and
``reminder_deliveries`` the email or SMS copy of a reminder, queued, sent or failed.

Revision ID: d8f2b6a4c1e7
Revises: c4e8a2f6d1b3
Create Date: 2026-12-06 20:10:00.000000
"""

import sqlalchemy as sa
from alembic import op

from school.db import UTCDateTime

revision = "d8f2b6a4c1e7"
down_revision = "c4e8a2f6d1b3"
branch_labels = None
depends_on = None


def _reminders_table(*, with_batch: bool) -> sa.Table:
    """study_reminders as it stands, for the SQLite rebuild (no reflection of its neighbours)."""
    columns = [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("sent_by_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=300 if with_batch else 200), nullable=False),
        sa.Column("sent_at", UTCDateTime(timezone=True), nullable=False),
    ]
    constraints = [
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["users.id"],
            name="fk_study_reminders_member_id_users",
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name="fk_study_reminders_org_id_organisations",
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["sent_by_id"],
            ["users.id"],
            name="fk_study_reminders_sent_by_id_users",
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_study_reminders"),
    ]
    if with_batch:
        columns.append(sa.Column("batch_id", sa.Integer(), nullable=True))
        constraints.append(
            sa.ForeignKeyConstraint(
                ["batch_id"],
                ["reminder_batches.id"],
                name="fk_study_reminders_batch_id_reminder_batches",
                ondelete="RESTRICT",
            )
        )
    table = sa.Table("study_reminders", sa.MetaData(), *columns, *constraints)
    sa.Index("ix_study_reminders_member_sent", table.c.member_id, table.c.sent_at)
    if with_batch:
        sa.Index("ix_study_reminders_batch_id", table.c.batch_id)
    return table


def upgrade() -> None:
    op.add_column("users", sa.Column("email", sa.String(length=254), nullable=True))
    op.create_table(
        "reminder_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("sent_by_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("message", sa.String(length=500), nullable=False),
        sa.Column("picked", sa.Boolean(), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "channel IN ('inapp', 'email', 'sms')", name=op.f("ck_reminder_batches_channel")
        ),
        sa.CheckConstraint(
            "recipients >= 0 AND skipped >= 0", name=op.f("ck_reminder_batches_counts")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_reminder_batches_org_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["sent_by_id"],
            ["users.id"],
            name=op.f("fk_reminder_batches_sent_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_batches")),
        sa.UniqueConstraint("token", name=op.f("uq_reminder_batches_token")),
    )
    op.create_index(op.f("ix_reminder_batches_org_id"), "reminder_batches", ["org_id"])
    # SQLite cannot add a foreign key to a table in place: the batch copies study_reminders.
    with op.batch_alter_table(
        "study_reminders", copy_from=_reminders_table(with_batch=False)
    ) as batch_op:
        # The reminder keeps the whole text sent (a notification holds up to 300 characters).
        batch_op.alter_column(
            "reason",
            type_=sa.String(length=300),
            existing_type=sa.String(length=200),
            existing_nullable=False,
        )
        batch_op.add_column(sa.Column("batch_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_study_reminders_batch_id_reminder_batches"),
            "reminder_batches",
            ["batch_id"],
            ["id"],
            ondelete="RESTRICT",
        )
        batch_op.create_index(op.f("ix_study_reminders_batch_id"), ["batch_id"])
    op.create_table(
        "reminder_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reminder_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=True),
        sa.Column("body", sa.String(length=300), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("done_at", UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "channel IN ('email', 'sms')", name=op.f("ck_reminder_deliveries_channel")
        ),
        sa.CheckConstraint(
            "state IN ('queued', 'sent', 'failed')", name=op.f("ck_reminder_deliveries_state")
        ),
        sa.ForeignKeyConstraint(
            ["reminder_id"],
            ["study_reminders.id"],
            name=op.f("fk_reminder_deliveries_reminder_id_study_reminders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_deliveries")),
        sa.UniqueConstraint(
            "reminder_id", "channel", name=op.f("uq_reminder_deliveries_reminder_id_channel")
        ),
    )
    op.create_index("ix_reminder_deliveries_state_id", "reminder_deliveries", ["state", "id"])


def downgrade() -> None:
    op.drop_index("ix_reminder_deliveries_state_id", table_name="reminder_deliveries")
    op.drop_table("reminder_deliveries")
    op.execute(
        "UPDATE study_reminders SET reason = substr(reason, 1, 200) WHERE length(reason) > 200"
    )
    with op.batch_alter_table(
        "study_reminders", copy_from=_reminders_table(with_batch=True)
    ) as batch_op:
        batch_op.drop_index(op.f("ix_study_reminders_batch_id"))
        batch_op.drop_constraint(
            op.f("fk_study_reminders_batch_id_reminder_batches"), type_="foreignkey"
        )
        batch_op.drop_column("batch_id")
        batch_op.alter_column(
            "reason",
            type_=sa.String(length=200),
            existing_type=sa.String(length=300),
            existing_nullable=False,
        )
    op.drop_index(op.f("ix_reminder_batches_org_id"), table_name="reminder_batches")
    op.drop_table("reminder_batches")
    op.drop_column("users", "email")
