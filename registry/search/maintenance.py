"""Keeping the index whole: full rebuild, and a check of every document against the catalog."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..models import SearchOutbox
from .base import SearchBackend
from .documents import build_documents, iter_all_documents
from .outbox import REBUILD_MARK, enqueue

Progress = Callable[[int], None]


def begin_rebuild(session: Session) -> None:
    """Mark the outbox before a rebuild reads the catalog; the caller commits the mark
    first, so drains running meanwhile keep what they index for the new index too."""
    enqueue(session, [REBUILD_MARK])


def rebuild(session: Session, backend: SearchBackend, *, progress: Progress | None = None) -> int:
    """Replace the index with a document per resource; the outbox entries it covers go.

    Entries queued before the mark are covered by the rebuild; later ones stay, and the
    next drain indexes them into the new index.
    """
    mark = session.scalar(
        select(func.max(SearchOutbox.id)).where(SearchOutbox.resource_id == REBUILD_MARK)
    )
    if mark is None:  # called without begin_rebuild (one transaction): everything queued is covered
        mark = session.scalar(select(func.max(SearchOutbox.id)))
    count = backend.rebuild(_documents(session, progress))
    if mark is not None:
        session.execute(delete(SearchOutbox).where(SearchOutbox.id <= mark))
    backend.refresh()
    return count


def _documents(session: Session, progress: Progress | None) -> Iterator[dict[str, Any]]:
    for batch in iter_all_documents(session):
        yield from batch
        if progress:
            progress(len(batch))


@dataclass
class CheckReport:
    expected: int = 0
    indexed: int = 0
    missing: list[int] = field(default_factory=list)
    stale: list[int] = field(default_factory=list)
    orphaned: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.stale or self.orphaned)


def check(
    session: Session, backend: SearchBackend, *, progress: Progress | None = None
) -> CheckReport:
    """Compare each resource's current document with the indexed copy's fingerprint."""
    backend.refresh()
    indexed = dict(backend.fingerprints())
    report = CheckReport(indexed=len(indexed))
    for document in _documents(session, progress):
        report.expected += 1
        have = indexed.pop(document["id"], None)
        if have is None:
            report.missing.append(document["id"])
        elif have != document["fingerprint"]:
            report.stale.append(document["id"])
    report.orphaned = sorted(indexed)
    return report


def repair(session: Session, backend: SearchBackend, report: CheckReport) -> int:
    """Re-index what ``check`` found missing or stale and drop orphaned documents."""
    ids = report.missing + report.stale
    for start in range(0, len(ids), 2000):
        backend.index(build_documents(session, ids[start : start + 2000]))
    backend.remove(report.orphaned)
    backend.refresh()
    return len(ids) + len(report.orphaned)
