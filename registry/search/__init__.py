"""Search across agencies: one contract (base.py), two backends, one tokenizer.

``init_app`` picks the backend: the database's own full-text index when ``SEARCH_URL``
is unset (SQLite FTS5 or PostgreSQL tsvector), otherwise the search engine it names.
The choice is made here, once; query code never asks which backend it talks to.
"""

from __future__ import annotations

import logging
import time

from flask import Flask, current_app

from ..db import db
from . import outbox
from .base import SearchBackend

log = logging.getLogger(__name__)
_KEY = "registry.search"


def make_backend(app: Flask) -> SearchBackend:
    backend = _make_backend(app)
    backend.total_bound = app.config["SEARCH_TOTAL_BOUND"]
    return backend


def _make_backend(app: Flask) -> SearchBackend:
    url = app.config.get("SEARCH_URL")
    # Imported here: the embedded default never loads an engine client (opensearch-py
    # brings grpc), and the engine setup never loads the SQL dialect helpers.
    if url:
        from .engine import EngineBackend

        return EngineBackend.from_url(
            url, index=app.config["SEARCH_INDEX"], timeout=app.config["SEARCH_TIMEOUT_SECONDS"]
        )
    from .sql import PostgresBackend, SqliteBackend

    dialect = db.state(app).engine.dialect.name
    return (SqliteBackend if dialect == "sqlite" else PostgresBackend)(lambda: db.session)


def init_app(app: Flask) -> None:
    app.extensions[_KEY] = _State(make_backend(app))


def backend(app: Flask | None = None) -> SearchBackend:
    return (app or current_app).extensions[_KEY].backend


class _State:
    def __init__(self, backend: SearchBackend) -> None:
        self.backend = backend
        self.failed_at = 0.0


def drain_after_commit(app: Flask, *, limit: int | None) -> int:
    """After a commit: index up to ``limit`` outbox entries (None: until it is empty),
    committing each batch, never raising. Returns how many entries are still waiting
    (0 when unknown because the backend failed: they wait for the next drain)."""
    state: _State = app.extensions[_KEY]
    if time.monotonic() - state.failed_at < app.config["SEARCH_RETRY_SECONDS"]:
        return 0
    session = db.session
    batch = app.config["SEARCH_DRAIN_PER_REQUEST"]
    done = 0
    try:
        if limit is None:
            # What waits now, not "until empty": entries kept during a rebuild stay waiting.
            limit = outbox.pending_count(session)
        while done < limit:
            step = min(batch, limit - done)
            n = outbox.drain(session, state.backend, limit=step)
            session.commit()
            done += n
            if n < step:
                break
        return outbox.pending_count(session)
    except Exception:  # noqa: BLE001 — the entries stay in the outbox for the next drain
        session.rollback()
        state.failed_at = time.monotonic()
        log.exception("search: draining the outbox failed; entries kept for the next drain")
        return 0
