"""narrow search documents

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-02 20:00:00

The built-in search reads one row per hit: 50,000 rows for a common word. The document
bodies (1.5 KB each, read only for the 20 hits of a page) move to ``search_bodies``, so
those rows are narrow (the province's heap: 215 MB → ~25 MB on PostgreSQL).

On PostgreSQL the tsvector changes too: a lexeme per (field, token), "A:电话" for a token
of the name (A name, B summary, C items, D other), without positions. The GIN index then
answers "which documents hold this token in this field" without reading any tsvector,
which the score needs (registry/search/sql.py); ts_rank, which read every hit's TOASTed
tsvector, is gone. Existing vectors are converted in place.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import registry.db  # noqa: F401  (the column types the models use)

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_bodies",
        sa.Column("resource_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("resource_id", name=op.f("pk_search_bodies")),
    )
    op.execute(
        "INSERT INTO search_bodies (resource_id, body) SELECT resource_id, body FROM search_documents"
    )
    with op.batch_alter_table("search_documents", schema=None) as batch_op:
        batch_op.drop_column("body")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_search_documents_tsv")
        op.execute(
            "UPDATE search_documents SET tsv = array_to_tsvector(ARRAY("
            "SELECT DISTINCT w || ':' || u.lexeme FROM unnest(tsv) u, unnest(u.weights) w))"
        )
        op.execute("CREATE INDEX ix_search_documents_tsv ON search_documents USING gin (tsv)")


def downgrade() -> None:
    with op.batch_alter_table("search_documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("body", sa.JSON(), nullable=True))
    op.execute(
        "UPDATE search_documents SET body = (SELECT b.body FROM search_bodies b "
        "WHERE b.resource_id = search_documents.resource_id)"
    )
    with op.batch_alter_table("search_documents", schema=None) as batch_op:
        batch_op.alter_column("body", existing_type=sa.JSON(), nullable=False)
    if op.get_bind().dialect.name == "postgresql":
        # The old vectors had positions for ts_rank: rebuild them from the documents.
        op.execute("UPDATE search_documents SET tsv = ''")
        op.execute(
            "INSERT INTO search_outbox (resource_id, queued_at) "
            "SELECT resource_id, CURRENT_TIMESTAMP FROM search_documents"
        )
    op.drop_table("search_bodies")
