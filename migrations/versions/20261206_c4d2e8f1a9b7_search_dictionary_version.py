"""Search: the dictionary the search documents were cut with.

A full reindex records here the party-work dictionary (school/search/dictionary.txt) that jieba
cut the documents' words with. Until a reindex with the code's dictionary has finished, queries
and new documents are cut with the recorded one, so the index keeps answering. No row: the
documents were cut with jieba's main dictionary alone (or there are none yet).

Revision ID: c4d2e8f1a9b7
Revises: b5e1a7c9d2f4
Create Date: 2026-12-06 12:00:00
"""

import sqlalchemy as sa
from alembic import op

from school.db import UTCDateTime

revision = "c4d2e8f1a9b7"
down_revision = "b5e1a7c9d2f4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_index_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dictionary_version", sa.String(length=16), nullable=False),
        sa.Column("dictionary", sa.Text(), nullable=False),
        sa.Column("reindexed_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_search_index_state_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_index_state")),
    )


def downgrade() -> None:
    op.drop_table("search_index_state")
