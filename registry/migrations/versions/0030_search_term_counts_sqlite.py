"""search term counts kept with the rows on SQLite too

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-03 02:00:00

``search_terms`` (per lexeme, "A:户籍" for 户籍 in a name, and per token over every field,
"*:户籍": the documents holding it; and the index's document count and total length), as
PostgreSQL has it since 0028, written with the rows in the same transaction. FTS5's
vocabularies count a term by reading its whole doclist: 1 ms for 电话 (40,000 documents),
3.9 ms for 联系电话 and its synonyms, on every query. Filled from those vocabularies,
which stay (the index's own count, that the tests hold this table to).
"""

from __future__ import annotations

from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        "CREATE TABLE search_terms (lexeme TEXT PRIMARY KEY, documents INTEGER NOT NULL) "
        "WITHOUT ROWID"
    )
    op.execute(
        "INSERT INTO search_terms (lexeme, documents) "
        "SELECT CASE col WHEN 'name' THEN 'A' WHEN 'summary' THEN 'B' WHEN 'items' THEN 'C' "
        "ELSE 'D' END || ':' || term, doc FROM search_fts_vocab "
        "UNION ALL SELECT '*:' || term, doc FROM search_fts_terms "
        "UNION ALL SELECT '#\\:documents', count(*) FROM search_documents "
        "UNION ALL SELECT '#\\:length', coalesce(sum(length), 0) FROM search_documents"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE search_terms")
