"""Search documents: drop the (audience, org_path) index.

With a LIMIT, PostgreSQL preferred walking this index (or the table) and testing every row's
tsvector over using the GIN index; for a word found only in later rows that read most of the
table. Visibility is now checked on the rows the GIN index finds.

Revision ID: 7c2e9a41b5d3
Revises: dc7e1f4b9687
Create Date: 2026-12-04 14:40:00
"""

from alembic import op

revision = "7c2e9a41b5d3"
down_revision = "dc7e1f4b9687"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_search_documents_audience_path", table_name="search_documents")


def downgrade() -> None:
    op.create_index(
        "ix_search_documents_audience_path",
        "search_documents",
        ["audience", "org_path"],
        unique=False,
    )
