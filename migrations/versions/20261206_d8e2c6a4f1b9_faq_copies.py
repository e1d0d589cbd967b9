"""Questions to FAQ: a thread may be the anonymised FAQ copy of a private question.

``threads.faq_source_id`` names the question a copy was made from (NULL for every thread so
far), with a unique index: a question is published as FAQ at most once.

The column is added in place on both databases. On SQLite a batch rebuild of ``threads`` would
drop the old table with foreign keys on (they cannot be turned off inside the migration's
transaction), cascading to every post, attachment and event. SQLite's ADD COLUMN takes no named
table constraint, so the foreign key is written into the stored schema text, the way SQLite
documents for constraints that every existing row satisfies (lang_altertable.html, "Making
Other Kinds Of Table Schema Changes"): every row has NULL there.

Revision ID: d8e2c6a4f1b9
Revises: f2b9d4a6e8c1
Create Date: 2026-12-06 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "d8e2c6a4f1b9"
down_revision = "f2b9d4a6e8c1"
branch_labels = None
depends_on = None

FK = "fk_threads_faq_source_id_threads"
SQLITE_FK = f"CONSTRAINT {FK} FOREIGN KEY(faq_source_id) REFERENCES threads (id) ON DELETE CASCADE"


def _table_sql(bind) -> str:
    return bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'threads'"
    ).scalar()


def _rewrite_sqlite_schema(bind, sql: str) -> None:
    # The schema version is bumped so every connection reads the table's definition again.
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar()
    bind.exec_driver_sql("PRAGMA writable_schema=ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'threads'", (sql,)
    )
    bind.exec_driver_sql(f"PRAGMA schema_version={int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema=OFF")


def upgrade() -> None:
    op.add_column("threads", sa.Column("faq_source_id", sa.Integer(), nullable=True))
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        sql = _table_sql(bind).rstrip()
        if not sql.endswith(")"):
            raise RuntimeError(f"threads: unexpected table definition {sql!r}")
        _rewrite_sqlite_schema(bind, f"{sql[:-1].rstrip()}, \n\t{SQLITE_FK}\n)")
    else:
        op.create_foreign_key(
            op.f(FK), "threads", "threads", ["faq_source_id"], ["id"], ondelete="CASCADE"
        )
    op.create_index(op.f("ix_threads_faq_source_id"), "threads", ["faq_source_id"], unique=True)


def downgrade() -> None:
    op.drop_index(op.f("ix_threads_faq_source_id"), table_name="threads")
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        sql = _table_sql(bind)
        if f", \n\t{SQLITE_FK}" not in sql:
            raise RuntimeError(f"threads: the FAQ foreign key was not found in {sql!r}")
        _rewrite_sqlite_schema(bind, sql.replace(f", \n\t{SQLITE_FK}", ""))
    else:
        op.drop_constraint(op.f(FK), "threads", type_="foreignkey")
    op.drop_column("threads", "faq_source_id")
