"""the short documents' index keeps the four fields apart

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-04 07:00:00

SQLite's ``search_fts_short`` (0031) held a short document's fields in one column; it
now has the four columns of ``search_fts`` (name, summary, items, other). A common word
ranked over the shortest documents alone (统计) then finds which fields hold it among
them from this small index, not from the word's lists over the whole province (three
complements of 统计: ~15 ms). PostgreSQL's partial index indexes the row's tsvector,
whose weights keep the fields: nothing to do there.
"""

from __future__ import annotations

from alembic import op

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None

_OPTIONS = "detail=column, tokenize=\"unicode61 remove_diacritics 0 tokenchars '-/._:'\""
_FIELDS = "f.name, f.summary, f.items, f.other"


def upgrade() -> None:
    _remake("name, summary, items, other", _FIELDS)


def downgrade() -> None:
    _remake("text", "f.name || ' ' || f.summary || ' ' || f.items || ' ' || f.other")


def _remake(columns: str, values: str) -> None:
    """Make ``search_fts_short`` anew with ``columns``, filled with ``values`` (of
    search_fts as ``f``) for every document up to the bound kept."""
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TABLE search_fts_short")
    op.execute(
        f"CREATE VIRTUAL TABLE search_fts_short USING fts5({columns}, length UNINDEXED, {_OPTIONS})"
    )
    op.execute(
        f"INSERT INTO search_fts_short (rowid, {columns}, length) "
        f"SELECT f.rowid, {values}, d.length FROM search_documents AS d "
        "JOIN search_fts AS f ON f.rowid = d.resource_id "
        "WHERE d.length <= (SELECT documents FROM search_terms WHERE lexeme = '#\\:short')"
    )
