"""Database: declarative base, types, and the per-request session.

One commit per request, owned by the request wrapper (``registry.create_app``);
services only flush. On SQLite, write transactions start with BEGIN IMMEDIATE so
that a transaction which read first and writes later cannot fail on a stale
snapshot, and the audit chain's read-then-append is serialised.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g
from sqlalchemy import DateTime, MetaData, create_engine, event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use registry.db.utcnow()")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def local_now(timezone: str) -> datetime:
    """Now in the deployment's time zone (setting LOCAL_TIMEZONE): what numbering,
    deadlines and display use. Storage stays UTC."""
    return utcnow().astimezone(ZoneInfo(timezone))


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


_write_intent: ContextVar[bool] = ContextVar("registry_write_intent", default=False)


@contextlib.contextmanager
def write_intent() -> Iterator[None]:
    """Mark the transactions started inside as writers (BEGIN IMMEDIATE on SQLite)."""
    token = _write_intent.set(True)
    try:
        yield
    finally:
        _write_intent.reset(token)


def set_write_intent(value: bool) -> object:
    return _write_intent.set(value)


def reset_write_intent(token: object) -> None:
    _write_intent.reset(token)


def make_engine(url: str, *, echo: bool = False, busy_timeout: float = 30) -> Engine:
    if url.startswith("sqlite"):
        # How long a writer waits for the write lock before giving up (then: 503).
        engine = create_engine(url, echo=echo, connect_args={"timeout": busy_timeout})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True)


READ_CACHE_KIB = 65536  # see _configure_sqlite
# SQLite's page cache while one transaction writes in bulk (an import): dirty pages
# spill to the WAL when it is full, so a large cache only holds written pages in
# memory. 16 MB, measured on the 400,000-item workbook: peak RSS 305 → 257 MB, the same
# speed (the read cache above is for list scans, not for writing).
BULK_WRITE_CACHE_KIB = 16384


@contextlib.contextmanager
def bulk_write_cache(session: Any) -> Iterator[None]:
    """A smaller SQLite page cache for the duration of a bulk write (no-op elsewhere)."""
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    session.execute(text(f"PRAGMA cache_size=-{BULK_WRITE_CACHE_KIB}"))
    try:
        yield
    finally:
        session.execute(text(f"PRAGMA cache_size=-{READ_CACHE_KIB}"))


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control from pysqlite (SQLAlchemy's documented recipe),
        # so SAVEPOINT works and we choose the BEGIN kind.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        # Province scale is ~400 MB: a 64 MB page cache and memory-mapped reads keep
        # list scans off the syscall path (the defaults are 2 MB and no mmap).
        cur.execute(f"PRAGMA cache_size=-{READ_CACHE_KIB}")
        cur.execute("PRAGMA mmap_size=1073741824")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")


class Database:
    """Flask extension: an engine per app and a session per application context."""

    def init_app(self, app: Flask) -> None:
        engine = make_engine(
            app.config["DATABASE_URL"],
            echo=app.config.get("SQL_ECHO", False),
            busy_timeout=app.config["DATABASE_BUSY_TIMEOUT"],
        )
        app.extensions["registry.db"] = _State(engine)
        app.teardown_appcontext(self._teardown)

    @staticmethod
    def state(app: Flask | None = None) -> _State:
        return (app or current_app).extensions["registry.db"]

    @property
    def engine(self) -> Engine:
        return self.state().engine

    @property
    def session(self) -> Session:
        if "db_session" not in g:
            g.db_session = self.state().factory()
        return g.db_session

    @staticmethod
    def _teardown(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


class _State:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.factory = sessionmaker(bind=engine, expire_on_commit=False)

    def bind_to(self, connection: Connection) -> None:
        """Tests: run every session inside ``connection``'s transaction, in savepoints."""
        self.factory = sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )


db = Database()
