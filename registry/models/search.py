"""The search index's rows in the catalog database: the outbox and the built-in index."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import JSON, BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow

# Objects the database holds beside these tables, by dialect, created by migration 0007
# and invisible to the models (the models-vs-migrations check skips them):
# SQLite: the FTS5 table ``search_fts`` (rowid = resource id), its shadow tables and its
# vocabularies ``search_fts_vocab`` and ``search_fts_terms`` (migrations 0027, 0029), and
# the short documents' ``search_fts_short`` (0031; its four fields apart since 0034);
# PostgreSQL: ``search_documents.tsv`` (tsvector: a lexeme per field and token, see
# sql.document_terms; migration 0026), its GIN index and the short documents' partial
# one (0031). On both, ``search_terms``: per lexeme and per token, the documents holding
# it, kept with the rows (migrations 0028, 0030), its keys made by sql.py alone. Index
# names match by prefix.
DIALECT_ONLY_TABLES = ("search_fts", "search_terms")
DIALECT_ONLY_COLUMNS = {("search_documents", "tsv")}
DIALECT_ONLY_INDEXES = ("ix_search_documents_tsv",)


def modelled(obj, name, kind, reflected, compare_to) -> bool:
    """Alembic ``include_object``: leave the per-dialect search objects to migration 0007."""
    if kind == "table":
        return not (name or "").startswith(DIALECT_ONLY_TABLES)
    if kind == "column":
        return (obj.table.name, name) not in DIALECT_ONLY_COLUMNS
    if kind == "index":
        return not (name or "").startswith(DIALECT_ONLY_INDEXES)
    return True


class SearchOutbox(Base):
    """A resource whose search document must be rebuilt, written in the same transaction
    as the change, so a change is never lost when the index is unreachable."""

    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign key: a deleted resource's entry is what removes its document.
    resource_id: Mapped[int] = mapped_column(index=True)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SearchDocument(Base):
    """The built-in backend's row per document: what a hit needs (filter, facet and sort
    columns, the BM25 length). Narrow on purpose: a common word reads 50,000 of them; the
    document itself is in ``SearchBody``, read for a page's hits only."""

    __tablename__ = "search_documents"
    __table_args__ = (
        Index("ix_search_documents_status_open", "status", "open_to_public"),
        Index("ix_search_documents_provider_status", "provider_id", "status"),
        # The shortest documents, a common word's ranking candidates (search/sql.py).
        Index("ix_search_documents_length", "length"),
        # Covers the join from the full-text matches: every filter and facet column and the
        # BM25 length, so 40,000 hits are read from this index, not from rows carrying the
        # document bodies (16.5 ms → 8 ms; and the mean length in 5 ms instead of 27 ms).
        Index(
            "ix_search_documents_match_cover",
            "resource_id",
            "status",
            "open_to_public",
            "provider_id",
            "share_type",
            "category",
            "update_cycle",
            "length",
            "facet_key",
        ),
    )

    resource_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    code: Mapped[str] = mapped_column(String(32), index=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    provider_id: Mapped[int]
    status: Mapped[str] = mapped_column(String(16))
    open_to_public: Mapped[bool]
    share_type: Mapped[str] = mapped_column(String(16))
    update_cycle: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(8))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # Tokens in all text fields: the document length of BM25's length normalisation.
    length: Mapped[int] = mapped_column(default=0)
    # The few-valued facets' values as one integer (``facet_key``): their counts among
    # 10,000 hits come from one GROUP BY on it, where grouping by the four text columns
    # cost SQLite's sorter 18 ms, 4 on the integer (measured).
    facet_key: Mapped[int] = mapped_column(BigInteger)


FACET_KEY_COLUMNS = ("share_type", "category", "update_cycle", "status")


def facet_key(share_type: str, category: str, update_cycle: str, status: str) -> int:
    """``SearchDocument.facet_key``: 63 bits of a digest of the four values. Distinct
    combinations collide with a probability of about n²/2⁶⁴ (10⁻¹³ for a thousand), when
    two would be counted as one."""
    joined = "\x1f".join((share_type, category, update_cycle, status)).encode()
    return int.from_bytes(hashlib.blake2b(joined, digest_size=8).digest(), "big") >> 1


class SearchBody(Base):
    """The document of a ``SearchDocument`` (documents.py builds it), as hits return it,
    and its digest, which only `registry search check` reads (migration 0033)."""

    __tablename__ = "search_bodies"

    resource_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    body: Mapped[dict] = mapped_column(JSON)
    fingerprint: Mapped[str] = mapped_column(String(40))
