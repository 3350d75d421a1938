"""search vocabulary per term over every column (SQLite)

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-02 23:20:00

An fts5vocab table of type ``row`` over ``search_fts``: per token, how many documents
hold it in any field. The ranking takes a one-word query's document count (its idf) from
here, exact and fresh, as PostgreSQL takes it from ``search_terms`` (migration 0028),
instead of counting the word's hits.
"""

from __future__ import annotations

from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE search_fts_terms USING fts5vocab(search_fts, row)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE search_fts_terms")
