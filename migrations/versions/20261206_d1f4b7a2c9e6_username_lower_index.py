"""Accounts: an index on the lower-cased username.

Logins and the roster import find accounts by ``lower(username)``; without an index on that
expression every lookup read the whole users table.

Revision ID: d1f4b7a2c9e6
Revises: d7a3b9e2c1f5
Create Date: 2026-12-06 09:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "d1f4b7a2c9e6"
down_revision = "d7a3b9e2c1f5"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_users_username_lower", "users", [sa.text("lower(username)")])


def downgrade() -> None:
    op.drop_index("ix_users_username_lower", table_name="users")
