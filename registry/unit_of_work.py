"""The end of a unit of work, for every entry point: commit, then the effects that must
follow a commit (today: indexing what the search outbox holds).

Requests end here (``registry/__init__.py``), and so do CLI commands and jobs, so a
change is searchable whichever door it came through. A request indexes a bounded
number of entries itself and leaves the rest to a background drain in the same
process (the outbox is in the database, so a process that dies loses nothing: the
next drain or ``registry search drain`` takes them); a command drains everything
before it exits.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator

from flask import Flask, current_app

from . import search
from .db import db, reset_write_intent, set_write_intent, write_intent

log = logging.getLogger(__name__)
_draining = threading.Lock()


def commit(app: Flask | None = None, *, request: bool = False) -> None:
    """Commit the session, then index the changes (all of them, or a request's bound)."""
    app = app or current_app._get_current_object()
    db.session.commit()
    if not request:
        search.drain_after_commit(app, limit=None)
        return
    left = search.drain_after_commit(app, limit=app.config["SEARCH_DRAIN_PER_REQUEST"])
    if left and app.config["SEARCH_DRAIN_IN_BACKGROUND"]:
        _drain_in_background(app)


@contextlib.contextmanager
def read_phase() -> Iterator[None]:
    """Run the block in a read transaction and end it afterwards.

    On SQLite a writing request holds the database's one write lock from its first
    statement; a use case that reads for long (an import parsing and planning a large
    file) runs that part here, so other writers are not kept waiting. Nothing inside may
    write: the transaction is rolled back at both ends (which also expires what was
    loaded, so the writing part sees fresh rows)."""
    session = db.session
    session.rollback()  # ends what began before (reads only, such as authentication)
    token = set_write_intent(False)
    try:
        yield
    finally:
        session.rollback()
        reset_write_intent(token)


def _drain_in_background(app: Flask) -> None:
    if not _draining.acquire(blocking=False):
        return  # one drain per process at a time; it loops until the outbox is empty
    thread = threading.Thread(
        target=_drain_rest, args=(app,), name="search-outbox-drain", daemon=True
    )
    thread.start()


def _drain_rest(app: Flask) -> None:
    try:
        with app.app_context(), write_intent():
            search.drain_after_commit(app, limit=None)
    finally:
        _draining.release()
