"""Quizzes record who created them; random slots may draw by 考点 tag.

``quizzes.created_by_id`` decides who may edit a standalone quiz; quizzes made before it was
recorded keep None. ``quiz_slots.tag_id`` lets a random slot draw from a tag, alone or within its
category, so the slot check now accepts a category, a tag or both. ``quiz_slots.question_id`` is
indexed: the builder's picker asks of every question on its page whether any quiz uses it.

On SQLite the quizzes table is not rebuilt: dropping it with foreign keys on would cascade to
every slot and attempt. Its column is added in place and the reference is written into the
stored schema (SQLite cannot add a constraint to an existing table). quiz_slots has no
dependants and is rebuilt.

Revision ID: a7d3f1c9e5b4
Revises: e5f1a3c7b9d2
Create Date: 2026-12-06 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "a7d3f1c9e5b4"
down_revision = "e5f1a3c7b9d2"
branch_labels = None
depends_on = None

OLD_CHECK = (
    "(question_id IS NOT NULL AND category_id IS NULL) OR "
    "(question_id IS NULL AND category_id IS NOT NULL AND draw_count > 0)"
)
NEW_CHECK = (
    "(question_id IS NOT NULL AND category_id IS NULL AND tag_id IS NULL) OR "
    "(question_id IS NULL AND (category_id IS NOT NULL OR tag_id IS NOT NULL) "
    "AND draw_count > 0)"
)


def _slots_table(check: str, *, with_tag: bool) -> sa.Table:
    """quiz_slots as it stands, for the SQLite rebuild (its CHECK is not reflected)."""
    columns = [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quiz_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=True),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("draw_count", sa.Integer(), nullable=False),
        sa.Column("include_subcategories", sa.Boolean(), nullable=False),
        sa.Column("mark", sa.Numeric(precision=10, scale=4), nullable=True),
    ]
    constraints = [
        sa.CheckConstraint(check, name="ck_quiz_slots_fixed_or_random"),
        sa.CheckConstraint("mark IS NULL OR mark >= 0", name="ck_quiz_slots_mark"),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["question_categories.id"],
            name="fk_quiz_slots_category_id_question_categories",
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["questions.id"],
            name="fk_quiz_slots_question_id_questions",
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["quiz_id"], ["quizzes.id"], name="fk_quiz_slots_quiz_id_quizzes", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_quiz_slots"),
        sa.UniqueConstraint("quiz_id", "position", name="uq_quiz_slots_quiz_id_position"),
    ]
    if with_tag:
        columns.append(sa.Column("tag_id", sa.Integer(), nullable=True))
        constraints.append(
            sa.ForeignKeyConstraint(
                ["tag_id"], ["tags.id"], name="fk_quiz_slots_tag_id_tags", ondelete="RESTRICT"
            )
        )
    table = sa.Table("quiz_slots", sa.MetaData(), *columns, *constraints)
    sa.Index("ix_quiz_slots_quiz_id", table.c.quiz_id)
    if with_tag:
        sa.Index("ix_quiz_slots_question_id", table.c.question_id)
    return table


CREATOR_FK = (
    "CONSTRAINT fk_quizzes_created_by_id_users FOREIGN KEY(created_by_id) "
    "REFERENCES users (id) ON DELETE RESTRICT"
)


def _sqlite_quizzes_schema(change) -> None:
    """Edit quizzes' stored CREATE TABLE text, as SQLite documents for constraints that every
    existing row satisfies (lang_altertable.html, "Making Other Kinds Of Table Schema
    Changes"), and bump the schema version so every connection reads it again."""
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


def _with_creator_fk(schema: str) -> str:
    body = schema.rstrip()
    if not body.endswith(")"):
        return schema
    return f"{body[:-1].rstrip()}, \n\t{CREATOR_FK}\n)"


def _without_creator_fk(schema: str) -> str:
    return schema.replace(f", \n\t{CREATOR_FK}", "")


def upgrade() -> None:
    op.add_column("quizzes", sa.Column("created_by_id", sa.Integer(), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        # Every row's new column is NULL, so the reference holds for every existing row.
        _sqlite_quizzes_schema(_with_creator_fk)
    else:
        op.create_foreign_key(
            op.f("fk_quizzes_created_by_id_users"),
            "quizzes",
            "users",
            ["created_by_id"],
            ["id"],
            ondelete="RESTRICT",
        )

    with op.batch_alter_table(
        "quiz_slots", copy_from=_slots_table(OLD_CHECK, with_tag=False)
    ) as batch_op:
        batch_op.add_column(sa.Column("tag_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_quiz_slots_tag_id_tags"), "tags", ["tag_id"], ["id"], ondelete="RESTRICT"
        )
        batch_op.drop_constraint(op.f("ck_quiz_slots_fixed_or_random"), type_="check")
        batch_op.create_check_constraint(op.f("ck_quiz_slots_fixed_or_random"), NEW_CHECK)
        batch_op.create_index(op.f("ix_quiz_slots_question_id"), ["question_id"], unique=False)


def downgrade() -> None:
    # Slots that draw by tag alone cannot be kept under the old check.
    op.execute("DELETE FROM quiz_slots WHERE question_id IS NULL AND category_id IS NULL")
    with op.batch_alter_table(
        "quiz_slots", copy_from=_slots_table(NEW_CHECK, with_tag=True)
    ) as batch_op:
        batch_op.drop_index(op.f("ix_quiz_slots_question_id"))
        batch_op.drop_constraint(op.f("ck_quiz_slots_fixed_or_random"), type_="check")
        batch_op.create_check_constraint(op.f("ck_quiz_slots_fixed_or_random"), OLD_CHECK)
        batch_op.drop_constraint(op.f("fk_quiz_slots_tag_id_tags"), type_="foreignkey")
        batch_op.drop_column("tag_id")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite drops no column that a constraint names.
        _sqlite_quizzes_schema(_without_creator_fk)
    else:
        op.drop_constraint(op.f("fk_quizzes_created_by_id_users"), "quizzes", type_="foreignkey")
    op.drop_column("quizzes", "created_by_id")
