"""search vocabulary (SQLite) and length index

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-02 21:00:00

An fts5vocab table over ``search_fts``: per token and field, how many documents hold it,
read from the index in a millisecond. The ranking (registry/search/sql.py) uses it to
skip a field no hit holds a query word in, to give a field every hit holds it in its
weight without a lookup, and to look up the smaller side otherwise. PostgreSQL has no
such view of its GIN index; it always looks the field up.

The length index finds a common word's shortest hits, which are ranked first.
"""

from __future__ import annotations

from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_search_documents_length", "search_documents", ["length"], unique=False)
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE search_fts_vocab USING fts5vocab(search_fts, col)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE search_fts_vocab")
    op.drop_index("ix_search_documents_length", table_name="search_documents")
