"""Group credit: batches of offline study credited to many members, and corrections.

``credit_batches`` and ``credit_batch_members`` record who credited a study held by an
organisation to which members. ``archive_entries`` gains the correction: an entry of kind
``correction`` that names the entry it takes back (``corrects_id``, at most one per entry) and
the reason, with minus its 学时.

The ledger is not rebuilt (a batch rebuild would drop its append-only triggers): the columns are
added in place, and on SQLite the widened kind check and the new correction check are written
into the stored schema, as in c9e4a2f7b1d6 (every existing row satisfies both).

Revision ID: f1c6d8a3e9b5
Revises: b8d4f2a6c1e3
Create Date: 2026-12-06 16:00:00
"""

import sqlalchemy as sa
from alembic import op

from school.db import Hours, UTCDateTime

revision = "f1c6d8a3e9b5"
down_revision = "b8d4f2a6c1e3"
branch_labels = None
depends_on = None

OLD_KIND = "kind IN ('lesson', 'course', 'quiz', 'offline')"
NEW_KIND = "kind IN ('lesson', 'course', 'quiz', 'offline', 'correction')"
CORRECTION = (
    "(kind = 'correction' AND corrects_id IS NOT NULL AND reason IS NOT NULL"
    " AND hours <= 0) OR (kind <> 'correction' AND corrects_id IS NULL)"
)
SOURCE_CHECK = "CONSTRAINT ck_archive_entries_source CHECK (source IN ('online', 'offline'))"
CORRECTION_CHECK = f"CONSTRAINT ck_archive_entries_correction CHECK ({CORRECTION})"
KINDS = (
    "kind IN ('branch_meeting', 'committee_meeting', 'group_meeting', 'party_lecture', "
    "'theme_day', 'outside_lecture', 'other')"
)


def _sqlite_archive_schema(change) -> None:
    """Edit archive_entries' stored CREATE TABLE text (SQLite's lang_altertable.html)."""
    bind = op.get_bind()
    schema = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'archive_entries'"
    ).scalar()
    changed = change(schema)
    if changed == schema:
        raise RuntimeError(f"archive_entries: nothing changed in {schema!r}")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar()
    bind.exec_driver_sql("PRAGMA writable_schema=ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'archive_entries'",
        (changed,),
    )
    bind.exec_driver_sql(f"PRAGMA schema_version={int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema=OFF")


def _with_corrections(schema: str) -> str:
    schema = schema.replace(OLD_KIND, NEW_KIND)
    return schema.replace(SOURCE_CHECK, f"{SOURCE_CHECK}, \n\t{CORRECTION_CHECK}")


def _without_corrections(schema: str) -> str:
    schema = schema.replace(f", \n\t{CORRECTION_CHECK}", "")
    return schema.replace(NEW_KIND, OLD_KIND)


def upgrade() -> None:
    op.add_column("archive_entries", sa.Column("corrects_id", sa.Integer(), nullable=True))
    op.add_column("archive_entries", sa.Column("reason", sa.String(length=200), nullable=True))
    op.create_index(
        "ix_archive_entries_corrects_id", "archive_entries", ["corrects_id"], unique=True
    )
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_archive_schema(_with_corrections)
    else:
        op.drop_constraint(op.f("ck_archive_entries_kind"), "archive_entries", type_="check")
        op.create_check_constraint(op.f("ck_archive_entries_kind"), "archive_entries", NEW_KIND)
        op.create_check_constraint(op.f("ck_archive_entries_correction"), "archive_entries", CORRECTION)

    op.create_table(
        "credit_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("hours", Hours(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=False),
        sa.Column("evidence_name", sa.String(length=100), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("credited", sa.Integer(), nullable=False),
        sa.Column("request_key", sa.String(length=64), nullable=False),
        sa.CheckConstraint(KINDS, name=op.f("ck_credit_batches_kind")),
        sa.CheckConstraint("hours > 0", name=op.f("ck_credit_batches_hours")),
        sa.CheckConstraint("credited >= 0", name=op.f("ck_credit_batches_credited")),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_credit_batches_org_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_credit_batches_recorded_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_batches")),
        sa.UniqueConstraint("request_key", name=op.f("uq_credit_batches_request_key")),
    )
    op.create_index(op.f("ix_credit_batches_org_id"), "credit_batches", ["org_id"])
    op.create_index(op.f("ix_credit_batches_recorded_at"), "credit_batches", ["recorded_at"])
    op.create_table(
        "credit_batch_members",
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["credit_batches.id"],
            name=op.f("fk_credit_batch_members_batch_id_credit_batches"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["users.id"],
            name=op.f("fk_credit_batch_members_member_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("batch_id", "member_id", name=op.f("pk_credit_batch_members")),
        sa.UniqueConstraint("entry_id", name=op.f("uq_credit_batch_members_entry_id")),
    )
    op.create_index(
        op.f("ix_credit_batch_members_member_id"), "credit_batch_members", ["member_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_credit_batch_members_member_id"), table_name="credit_batch_members")
    op.drop_table("credit_batch_members")
    op.drop_index(op.f("ix_credit_batches_recorded_at"), table_name="credit_batches")
    op.drop_index(op.f("ix_credit_batches_org_id"), table_name="credit_batches")
    op.drop_table("credit_batches")
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_archive_schema(_without_corrections)
    else:
        op.drop_constraint(op.f("ck_archive_entries_correction"), "archive_entries", type_="check")
        op.drop_constraint(op.f("ck_archive_entries_kind"), "archive_entries", type_="check")
        op.create_check_constraint(op.f("ck_archive_entries_kind"), "archive_entries", OLD_KIND)
    op.drop_index("ix_archive_entries_corrects_id", table_name="archive_entries")
    op.drop_column("archive_entries", "reason")
    op.drop_column("archive_entries", "corrects_id")
