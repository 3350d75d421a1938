"""Shared mechanics of the services: lookup, optimistic concurrency, snapshots, audit."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import audit
from ..authz import Actor
from ..db import utcnow
from ..errors import Conflict, Invalid, NotFound, PreconditionFailed, PreconditionRequired

T = TypeVar("T")
# Not in snapshots: bookkeeping, and secrets (a password hash never reaches an audit digest).
_SKIP = frozenset({"created_at", "updated_at", "version", "password_hash"})


def get_record(
    session: Session,
    model: type[T],
    record_id: int,
    *,
    label: str = "记录",
    field: str | None = None,
) -> T:
    """The record, or: 404 when it is the one the URL names; 422 naming ``field`` when it
    is one the request refers to."""
    obj = session.get(model, record_id) if record_id is not None else None
    if obj is None:
        if field is not None:
            raise Invalid(errors={field: [f"{label}（ID {record_id}）不存在"]})
        raise NotFound(f"{label}（ID {record_id}）不存在")
    return obj


def check_version(obj: Any, expected_version: int | None) -> None:
    """Optimistic concurrency: the caller must name the version it read (If-Match)."""
    if expected_version is None:
        raise PreconditionRequired()
    if obj.version != expected_version:
        raise PreconditionFailed(
            f"记录已被修改（当前版本 {obj.version}，请求基于版本 {expected_version}），请刷新后重试"
        )


def snapshot(obj: Any) -> dict[str, Any]:
    """The column values of a row, for audit digests and history."""
    mapper = inspect(obj).mapper
    return {a.key: getattr(obj, a.key) for a in mapper.column_attrs if a.key not in _SKIP}


def ensure_unique(
    session: Session,
    model: type,
    field: str,
    value: Any,
    *,
    label: str,
    exclude_id: int | None = None,
) -> None:
    column = getattr(model, field)
    stmt = select(model.id).where(column == value)
    if exclude_id is not None:
        stmt = stmt.where(model.id != exclude_id)
    if session.scalar(stmt.limit(1)) is not None:
        raise Conflict(
            f"{label}“{value}”已存在", code="duplicate", errors={field: [f"{label}已存在"]}
        )


def add_record(
    session: Session, actor: Actor, obj: T, *, subject_type: str, cause: str | None = None
) -> T:
    session.add(obj)
    session.flush()
    audit.record(
        session,
        actor,
        f"{subject_type}.create",
        subject_type,
        obj.id,
        after=snapshot(obj),
        cause=cause,
    )
    return obj


def update_record(
    session: Session,
    actor: Actor,
    obj: T,
    changes: dict[str, Any],
    *,
    expected_version: int | None,
    subject_type: str,
    cause: str | None = None,
) -> T:
    """Patch semantics: only the keys present in ``changes`` are written."""
    check_version(obj, expected_version)
    before = snapshot(obj)
    for key, value in changes.items():
        setattr(obj, key, value)
    obj.updated_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor,
        f"{subject_type}.update",
        subject_type,
        obj.id,
        before=before,
        after=snapshot(obj),
        cause=cause,
    )
    return obj


def delete_record(
    session: Session, actor: Actor, obj: Any, *, expected_version: int | None, subject_type: str
) -> None:
    check_version(obj, expected_version)
    before = snapshot(obj)
    record_id = obj.id
    try:
        with session.begin_nested():
            session.delete(obj)
            session.flush()
    except IntegrityError as exc:
        raise Conflict("该记录仍被其他记录引用，不能删除", code="still_referenced") from exc
    audit.record(session, actor, f"{subject_type}.delete", subject_type, record_id, before=before)


def next_counter(session: Session, model: type, key_field: str, key: Any, by: int = 1) -> int:
    """Increment and return a per-key counter row (``last_value``), inserting it first if
    needed. The UPDATE's row lock serialises concurrent callers until commit, and a
    rollback gives the value back, so numbers stay unique and gapless."""
    from sqlalchemy import update
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(model)
        .values({key_field: key, "last_value": 0})
        .on_conflict_do_nothing(index_elements=[key_field])
    )
    column = getattr(model, key_field)
    return session.execute(
        update(model)
        .where(column == key)
        .values(last_value=model.last_value + by)
        .returning(model.last_value)
    ).scalar_one()


def where_equal(stmt: Any, *pairs: tuple[Any, Any]) -> Any:
    """Add ``column == value`` for every pair whose value was given (list filters)."""
    for column, value in pairs:
        if value is not None:
            stmt = stmt.where(column == value)
    return stmt


def resolve_ids(
    session: Session, model: type[T], ids: list[int], *, field: str, label: str, where: Any = None
) -> list[T]:
    """Load rows by id, or a 422 naming the ids that do not exist (or that ``where``, the
    caller's visibility, hides: invisible and missing look alike)."""
    ids = list(dict.fromkeys(ids))
    if not ids:
        return []
    stmt = select(model).where(model.id.in_(ids))
    rows = session.scalars(stmt if where is None else stmt.where(where)).all()
    missing = sorted(set(ids) - {r.id for r in rows})
    if missing:
        raise Invalid(errors={field: [f"{label}不存在：{', '.join(map(str, missing))}"]})
    return list(rows)
