"""Points (积分).

point_rules (versions of each action's rule, never edited), point_entries (the ledger: appended,
never updated or deleted, which triggers enforce as for archive_entries), point_days and
point_years (running totals kept in each award's transaction) and point_settings (a member's
choice to show their name in a ranking). All tables start empty: admins set the rules.

Revision ID: a6c8e1f3b5d7
Revises: e2a4c6b8d1f3
Create Date: 2026-12-07 01:30:00
"""

import sqlalchemy as sa
from alembic import op

from school.db import UTCDateTime

revision = "a6c8e1f3b5d7"
down_revision = "e2a4c6b8d1f3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "point_days",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["users.id"],
            name=op.f("fk_point_days_member_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("member_id", "day", "action", name=op.f("pk_point_days")),
    )
    op.create_table(
        "point_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("daily_cap", sa.Integer(), nullable=True),
        sa.Column("yearly_cap", sa.Integer(), nullable=True),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "action IN ('lesson', 'course', 'exam', 'practice', 'daily_practice', 'class', "
            "'answer', 'notice', 'honour')",
            name=op.f("ck_point_rules_action"),
        ),
        sa.CheckConstraint(
            "daily_cap IS NULL OR daily_cap BETWEEN 1 AND 10000",
            name=op.f("ck_point_rules_daily_cap"),
        ),
        sa.CheckConstraint("points BETWEEN 0 AND 10000", name=op.f("ck_point_rules_points")),
        sa.CheckConstraint(
            "yearly_cap IS NULL OR yearly_cap BETWEEN 1 AND 1000000",
            name=op.f("ck_point_rules_yearly_cap"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_point_rules_created_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_point_rules")),
        sa.UniqueConstraint(
            "action", "effective_from", name=op.f("uq_point_rules_action_effective_from")
        ),
    )
    op.create_table(
        "point_settings",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("show_name", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["users.id"],
            name=op.f("fk_point_settings_member_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_point_settings")),
    )
    op.create_table(
        "point_years",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["users.id"],
            name=op.f("fk_point_years_member_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("member_id", "year", "action", name=op.f("pk_point_years")),
    )
    with op.batch_alter_table("point_years", schema=None) as batch_op:
        batch_op.create_index("ix_point_years_year_member_id", ["year", "member_id"], unique=False)

    op.create_table(
        "point_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=True),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("earned_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(action = 'correction' AND rule_id IS NULL AND recorded_by_id IS NOT NULL"
            " AND reason <> '') OR (action <> 'correction' AND rule_id IS NOT NULL)",
            name=op.f("ck_point_entries_correction"),
        ),
        sa.CheckConstraint(
            "action IN ('lesson', 'course', 'exam', 'practice', 'daily_practice', 'class', "
            "'answer', 'notice', 'honour', 'correction')",
            name=op.f("ck_point_entries_action"),
        ),
        sa.CheckConstraint("points <> 0", name=op.f("ck_point_entries_points")),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["users.id"],
            name=op.f("fk_point_entries_member_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_point_entries_recorded_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["point_rules.id"],
            name=op.f("fk_point_entries_rule_id_point_rules"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_point_entries")),
        sa.UniqueConstraint(
            "member_id", "action", "source", name=op.f("uq_point_entries_member_id_action_source")
        ),
    )
    with op.batch_alter_table("point_entries", schema=None) as batch_op:
        batch_op.create_index("ix_point_entries_member_id_id", ["member_id", "id"], unique=False)
    _ledger_append_only()


# The ledger is append-only in the database itself, like the study archive: a correction is a
# new entry, and no code path or console can rewrite a member's points.
_LEDGER_MESSAGE = "point_entries is append-only"


def _ledger_append_only() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION point_entries_append_only() RETURNS trigger AS $$ "
            f"BEGIN RAISE EXCEPTION '{_LEDGER_MESSAGE}'; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER point_entries_append_only BEFORE UPDATE OR DELETE ON point_entries "
            "FOR EACH ROW EXECUTE FUNCTION point_entries_append_only()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER point_entries_no_{action.lower()} BEFORE {action} "
                f"ON point_entries BEGIN SELECT RAISE(ABORT, '{_LEDGER_MESSAGE}'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER point_entries_append_only ON point_entries")
        op.execute("DROP FUNCTION point_entries_append_only()")
    else:
        op.execute("DROP TRIGGER point_entries_no_update")
        op.execute("DROP TRIGGER point_entries_no_delete")
    with op.batch_alter_table("point_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_point_entries_member_id_id")

    op.drop_table("point_entries")
    with op.batch_alter_table("point_years", schema=None) as batch_op:
        batch_op.drop_index("ix_point_years_year_member_id")

    op.drop_table("point_years")
    op.drop_table("point_settings")
    op.drop_table("point_rules")
    op.drop_table("point_days")
