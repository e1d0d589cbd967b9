"""Courses: what the last import from content/ brought, and when the browser last edited them.

An import compares the two, so that a course edited in the studio after its last import is not
silently overwritten by an older file: the import reports a conflict instead. Existing courses
start with none of the three: they are treated as never edited in the browser, and their next
import records its digest.

Revision ID: e5f1a3c7b9d2
Revises: d8e2c6a4f1b9
Create Date: 2026-12-06 13:00:00
"""

import sqlalchemy as sa
from alembic import op

from school.db import UTCDateTime

revision = "e5f1a3c7b9d2"
down_revision = "d8e2c6a4f1b9"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("courses") as batch:
        batch.add_column(sa.Column("source_digest", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("imported_at", UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("edited_at", UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("courses") as batch:
        batch.drop_column("edited_at")
        batch.drop_column("imported_at")
        batch.drop_column("source_digest")
