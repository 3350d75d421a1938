"""The search outbox: which documents to rebuild, written in the catalog's own transaction.

A flush that changes anything a document shows (a resource, its items, its provider's or
systems' names, the interfaces serving it) adds the affected resource ids to
``search_outbox`` in the same transaction. After the commit, ``drain`` rebuilds those
documents from the committed rows and removes the entries, in a second transaction: the
index is written only from committed data (never before the commit, CKAN's mistake), and
when the index cannot be reached the entries simply wait for the next drain.
Code that writes with Core statements instead of the ORM calls ``enqueue`` itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, event, func, insert, inspect, select
from sqlalchemy.orm import Session

from ..db import utcnow, write_intent
from ..models import (
    DataItem,
    Department,
    InformationSystem,
    Interface,
    Resource,
    SearchOutbox,
    interface_resources,
    resource_systems,
)
from .base import SearchBackend
from .documents import build_documents

_ITEM_FIELDS = ("name", "position", "resource_id")
_PENDING = "search_outbox_pending"


def enqueue(session: Session, resource_ids: Iterable[int]) -> None:
    now = utcnow()
    rows = [{"resource_id": rid, "queued_at": now} for rid in sorted(set(resource_ids))]
    if rows:
        session.execute(insert(SearchOutbox), rows)


def pending_count(session: Session) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(SearchOutbox)
            .where(SearchOutbox.resource_id != REBUILD_MARK)
        )
        or 0
    )


# An entry with this resource id marks a full rebuild in progress (see maintenance.py).
REBUILD_MARK = -1


def drain(session: Session, backend: SearchBackend, *, limit: int | None = None) -> int:
    """Rebuild the documents of the oldest ``limit`` entries; the caller commits.

    While a rebuild runs, entries queued after its mark are indexed but kept: the rebuild
    may have read those resources before they changed, so they are indexed again, into
    the new index, once it is in place.
    """
    statement = (
        select(SearchOutbox.id, SearchOutbox.resource_id)
        .where(SearchOutbox.resource_id != REBUILD_MARK)
        .order_by(SearchOutbox.id)
    )
    rows = session.execute(statement.limit(limit) if limit else statement).all()
    if not rows:
        return 0
    last_id = rows[-1][0]
    ids = {rid for _, rid in rows}
    documents = build_documents(session, ids)
    backend.index(documents)
    backend.remove(ids - {d["id"] for d in documents})
    mark = session.scalar(
        select(func.min(SearchOutbox.id)).where(SearchOutbox.resource_id == REBUILD_MARK)
    )
    if mark is not None:
        last_id = min(last_id, mark)
    # Only the entries read here: one queued meanwhile for the same resource stays.
    session.execute(
        delete(SearchOutbox).where(SearchOutbox.id <= last_id, SearchOutbox.resource_id.in_(ids))
    )
    return len(ids)


def drain_all(session: Session, backend: SearchBackend, *, batch: int = 2000) -> int:
    """Drain until the outbox is empty, one committed transaction per ``batch`` entries
    (a failure rolls back only its batch), then make the index see it: what
    `registry search drain` and the scheduler's drain job run."""
    done = 0
    while True:
        try:
            with write_intent():
                n = drain(session, backend, limit=batch)
                session.commit()
        except Exception:
            session.rollback()
            raise
        if not n:
            break
        done += n
    if done:
        backend.refresh()
    return done


@event.listens_for(Session, "before_flush")
def _collect(session: Session, _context: Any, _instances: Any) -> None:
    ids: set[int] = session.info.setdefault(_PENDING, (set(), []))[0]
    fresh: list[Any] = session.info[_PENDING][1]
    with session.no_autoflush:
        for obj in session.new:
            _collect_new(obj, ids, fresh)
        for obj in session.dirty:
            if session.is_modified(obj):
                _collect_changed(session, obj, ids)
        for obj in session.deleted:
            _collect_changed(session, obj, ids, deleted=True)


def _collect_new(obj: Any, ids: set[int], fresh: list[Any]) -> None:
    if isinstance(obj, Resource):
        fresh.append(obj)
    elif isinstance(obj, DataItem):
        fresh.append(obj.resource if obj.resource_id is None else obj)
    elif isinstance(obj, Interface):
        fresh.extend(obj.resources)


def _collect_changed(session: Session, obj: Any, ids: set[int], deleted: bool = False) -> None:
    if isinstance(obj, Resource):
        ids.add(obj.id)
    elif isinstance(obj, DataItem):
        if deleted or _changed(obj, _ITEM_FIELDS):
            ids.add(obj.resource_id)
    elif isinstance(obj, Interface):
        ids.update(
            session.scalars(
                select(interface_resources.c.resource_id).where(
                    interface_resources.c.interface_id == obj.id
                )
            )
        )
        ids.update(r.id for r in inspect(obj).attrs.resources.history.added if r.id is not None)
    elif isinstance(obj, Department) and _changed(obj, ("name", "code")):
        ids.update(
            session.scalars(select(Resource.id).where(Resource.provider_department_id == obj.id))
        )
    elif isinstance(obj, InformationSystem) and _changed(obj, ("name",)):
        ids.update(
            session.scalars(
                select(resource_systems.c.resource_id).where(resource_systems.c.system_id == obj.id)
            )
        )


def _changed(obj: Any, fields: tuple[str, ...]) -> bool:
    attrs = inspect(obj).attrs
    return any(attrs[f].history.has_changes() for f in fields)


@event.listens_for(Session, "after_flush")
def _write(session: Session, _context: Any) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    ids, fresh = pending
    ids = set(ids)
    for obj in fresh:
        ids.add(obj.resource_id if isinstance(obj, DataItem) else obj.id)
    ids.discard(None)
    if ids:
        now = utcnow()
        session.connection().execute(
            insert(SearchOutbox), [{"resource_id": rid, "queued_at": now} for rid in sorted(ids)]
        )
