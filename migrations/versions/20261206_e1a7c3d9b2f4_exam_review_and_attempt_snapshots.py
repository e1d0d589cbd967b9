"""Exams keep their answers back until the last attempt; archive entries snapshot the attempt.

Quizzes get a review mode ``after_last`` (answers once the member has used every attempt or the
quiz has closed). Existing quizzes keep the mode they have. Archive entries of quiz attempts
record which quiz and which attempt they were from now on; the entries already written are left
as they are (the ledger is append-only and its triggers refuse updates).

Revision ID: e1a7c3d9b2f4
Revises: d1f4b7a2c9e6
Create Date: 2026-12-06 14:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "e1a7c3d9b2f4"
down_revision = "d1f4b7a2c9e6"
branch_labels = None
depends_on = None

OLD_REVIEW = "review IN ('immediate', 'after_close', 'never')"
NEW_REVIEW = "review IN ('immediate', 'after_close', 'after_last', 'never')"


def _replace_review_check(old: str, new: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.drop_constraint(op.f("ck_quizzes_review"), "quizzes", type_="check")
        op.create_check_constraint(op.f("ck_quizzes_review"), "quizzes", new)
        return
    # SQLite cannot change a CHECK in place, and a batch rebuild of quizzes would drop the old
    # table with foreign keys on (they cannot be turned off inside the migration's transaction),
    # cascading to every attempt and slot. The stored schema text is edited instead, the way
    # SQLite documents for constraint changes that every existing row still satisfies
    # (lang_altertable.html, "Making Other Kinds Of Table Schema Changes"), and the schema
    # version is bumped so every connection reads it again.
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar()
    bind.exec_driver_sql("PRAGMA writable_schema=ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = replace(sql, ?, ?) WHERE type = 'table' AND name = ?",
        (old, new, "quizzes"),
    )
    bind.exec_driver_sql(f"PRAGMA schema_version={int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema=OFF")
    schema = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'quizzes'"
    ).scalar()
    if new not in schema:
        raise RuntimeError(f"quizzes: the review check was not found to replace in {schema!r}")


def upgrade() -> None:
    _replace_review_check(OLD_REVIEW, NEW_REVIEW)
    # Plain nullable columns, added in place: a batch rebuild would drop the ledger's triggers.
    op.add_column("archive_entries", sa.Column("quiz_id", sa.Integer(), nullable=True))
    op.add_column("archive_entries", sa.Column("attempt_number", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("archive_entries", "attempt_number")
    op.drop_column("archive_entries", "quiz_id")
    # The closest older mode: the answers come out when the quiz closes.
    op.execute("UPDATE quizzes SET review = 'after_close' WHERE review = 'after_last'")
    _replace_review_check(NEW_REVIEW, OLD_REVIEW)
