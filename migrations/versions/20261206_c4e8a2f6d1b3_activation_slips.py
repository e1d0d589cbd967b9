"""Activation slips: when staff last printed a one-time password for an account.

``users.activation_printed_at`` is nullable and added in place (ALTER TABLE … ADD COLUMN on
both databases; no rebuild of the table every other table references).

Revision ID: c4e8a2f6d1b3
Revises: c4e8a1f7d2b6
Create Date: 2026-12-06 20:00:00
"""

import sqlalchemy as sa
from alembic import op

from school.db import UTCDateTime

revision = "c4e8a2f6d1b3"
down_revision = "c4e8a1f7d2b6"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("activation_printed_at", UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # A plain ALTER (SQLite has it since 3.35): a batch copy of users would drop the expression
    # index on lower(username).
    op.drop_column("users", "activation_printed_at")
