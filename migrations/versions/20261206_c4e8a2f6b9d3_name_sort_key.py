"""Names sort by pinyin: ``users.name_key`` holds each name spelled in pinyin.

Filled here for every existing account, in batches; the application keeps it in step with the
name from then on (school.auth.names).

Revision ID: c4e8a2f6b9d3
Revises: a6b3d9e1f4c8
Create Date: 2026-12-06 20:10:00.000000
"""

import sqlalchemy as sa
from alembic import op

from school.auth.names import name_key

revision = "c4e8a2f6b9d3"
down_revision = "a6b3d9e1f4c8"
branch_labels = None
depends_on = None

BATCH = 2000


def upgrade() -> None:
    # Plain ALTERs (SQLite has both since 3.35): a batch would copy the table, and its
    # reflection drops the expression index on lower(username).
    op.add_column("users", sa.Column("name_key", sa.String(200), nullable=False, server_default=""))
    users = sa.table(
        "users",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("name_key", sa.String),
    )
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(
            sa.select(users.c.id, users.c.name)
            .where(users.c.id > last)
            .order_by(users.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        bind.execute(
            users.update()
            .where(users.c.id == sa.bindparam("uid"))
            .values(name_key=sa.bindparam("key")),
            [{"uid": row.id, "key": name_key(row.name)} for row in rows],
        )
        last = rows[-1].id


def downgrade() -> None:
    op.drop_column("users", "name_key")
