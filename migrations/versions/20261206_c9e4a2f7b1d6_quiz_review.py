"""Quizzes in a published course change through review, with the bank pinned at approval.

``quizzes.draft_of_id`` marks a draft copy (修改稿) of a live quiz; ``quizzes.awaiting_review`` a
new quiz its instructors want published with the course's next review; ``quizzes.bank_as_of``
when a reviewer approved what members take (attempts use each question's version of that
moment) and ``quiz_slots.frozen_ids`` the questions a random slot matched then.
``content_reviews.quiz_parts`` lists the quizzes a request sent, with a digest of each.

Existing quizzes keep ``bank_as_of`` empty: they use the bank's newest versions, as before, until
a reviewer next approves them.

On SQLite the quizzes table is not rebuilt (dropping it with foreign keys on would cascade to
every slot and attempt): its column is added in place and the reference written into the stored
schema, as in a7d3f1c9e5b4.

Revision ID: c9e4a2f7b1d6
Revises: a7d3f1c9e5b4
Create Date: 2026-12-06 15:00:00
"""

import sqlalchemy as sa
from alembic import op

from school.db import UTCDateTime

revision = "c9e4a2f7b1d6"
down_revision = "a7d3f1c9e5b4"
branch_labels = None
depends_on = None

COPY_FK = (
    "CONSTRAINT fk_quizzes_draft_of_id_quizzes FOREIGN KEY(draft_of_id) "
    "REFERENCES quizzes (id) ON DELETE CASCADE"
)


def _sqlite_quizzes_schema(change) -> None:
    """Edit quizzes' stored CREATE TABLE text (SQLite's lang_altertable.html, "Making Other
    Kinds Of Table Schema Changes"); every existing row's new column is NULL, so the reference
    holds for every row. The schema version is bumped so every connection reads it again."""
    bind = op.get_bind()
    schema = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'quizzes'"
    ).scalar()
    changed = change(schema)
    if changed == schema:
        raise RuntimeError(f"quizzes: nothing changed in {schema!r}")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar()
    bind.exec_driver_sql("PRAGMA writable_schema=ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'quizzes'", (changed,)
    )
    bind.exec_driver_sql(f"PRAGMA schema_version={int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema=OFF")


def _with_copy_fk(schema: str) -> str:
    body = schema.rstrip()
    return f"{body[:-1].rstrip()}, \n\t{COPY_FK}\n)"


def _without_copy_fk(schema: str) -> str:
    return schema.replace(f", \n\t{COPY_FK}", "")


def upgrade() -> None:
    op.add_column("quizzes", sa.Column("draft_of_id", sa.Integer(), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_quizzes_schema(_with_copy_fk)
    else:
        op.create_foreign_key(
            op.f("fk_quizzes_draft_of_id_quizzes"),
            "quizzes",
            "quizzes",
            ["draft_of_id"],
            ["id"],
            ondelete="CASCADE",
        )
    op.create_index(op.f("ix_quizzes_draft_of_id"), "quizzes", ["draft_of_id"], unique=True)
    op.add_column(
        "quizzes",
        sa.Column("awaiting_review", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("quizzes", sa.Column("bank_as_of", UTCDateTime(timezone=True), nullable=True))
    op.add_column("quiz_slots", sa.Column("frozen_ids", sa.JSON(), nullable=True))
    op.add_column(
        "content_reviews",
        sa.Column("quiz_parts", sa.JSON(), nullable=False, server_default=sa.text("'[]'")),
    )


def downgrade() -> None:
    with op.batch_alter_table("content_reviews") as batch:
        batch.drop_column("quiz_parts")
    with op.batch_alter_table("quiz_slots") as batch:
        batch.drop_column("frozen_ids")
    # Draft copies are work in progress on quizzes members take; without the column they would
    # pass for quizzes of their own.
    op.execute("DELETE FROM quizzes WHERE draft_of_id IS NOT NULL")
    op.drop_index(op.f("ix_quizzes_draft_of_id"), table_name="quizzes")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite drops no column that a constraint names.
        _sqlite_quizzes_schema(_without_copy_fk)
    else:
        op.drop_constraint(op.f("fk_quizzes_draft_of_id_quizzes"), "quizzes", type_="foreignkey")
    op.drop_column("quizzes", "draft_of_id")
    op.drop_column("quizzes", "bank_as_of")
    op.drop_column("quizzes", "awaiting_review")
