"""The audit trail: append-only, each event chained to the previous by an SM3 digest.

Every service that mutates calls ``record`` in the same transaction as its change.
Appends are serialised (an advisory lock on PostgreSQL; BEGIN IMMEDIATE on SQLite),
so the chain never forks under concurrent writers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from cryptography.hazmat.primitives import hashes
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from .authz import Actor
from .db import utcnow
from .models import AuditEvent

GENESIS = "0" * 64
_CHAIN_LOCK_KEY = 0x5245_4749  # "REGI"


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return sorted(value)
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")


def canonical_json(value: Any) -> bytes:
    """Sorted keys, UTF-8, no insignificant whitespace."""
    return json.dumps(
        value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_default
    ).encode("utf-8")


def sm3_hex(data: bytes) -> str:
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize().hex()


def digest(value: Any) -> str | None:
    return None if value is None else sm3_hex(canonical_json(value))


def _event_body(ev: AuditEvent) -> dict[str, Any]:
    return {
        "at": ev.at.isoformat(timespec="microseconds"),
        "actor_id": ev.actor_id,
        "actor_name": ev.actor_name,
        "action": ev.action,
        "subject_type": ev.subject_type,
        "subject_id": ev.subject_id,
        "before": ev.before_digest,
        "after": ev.after_digest,
        "cause": ev.cause,
    }


def chain_hash(prev_hash: str, ev: AuditEvent) -> str:
    return sm3_hex(prev_hash.encode("ascii") + canonical_json(_event_body(ev)))


def lock_chain(session: Session) -> None:
    """Serialise appends to the chain until the transaction ends (PostgreSQL; SQLite
    writers are already serialised by BEGIN IMMEDIATE)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK_KEY})


def record(
    session: Session,
    actor: Actor,
    action: str,
    subject_type: str,
    subject_id: Any,
    *,
    before: Any = None,
    after: Any = None,
    cause: str | None = None,
) -> AuditEvent:
    """Append one event; ``before``/``after`` are snapshots, stored as SM3 digests."""
    lock_chain(session)
    prev = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    ev = AuditEvent(
        at=utcnow(),
        actor_id=actor.user_id,
        actor_name=actor.name,
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        before_digest=digest(before),
        after_digest=digest(after),
        cause=cause,
        prev_hash=prev or GENESIS,
    )
    ev.hash = chain_hash(ev.prev_hash, ev)
    session.add(ev)
    session.flush()
    return ev


def record_many(session: Session, actor: Actor, entries: list[dict[str, Any]]) -> None:
    """Append many events at once (bulk imports): one read of the chain head, hashes
    computed in order, one multi-row insert. Each entry: action, subject_type,
    subject_id, and optionally before, after, cause."""
    if not entries:
        return
    lock_chain(session)
    prev = (
        session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)) or GENESIS
    )
    rows = []
    at = utcnow()
    for e in entries:
        ev = AuditEvent(
            at=at,
            actor_id=actor.user_id,
            actor_name=actor.name,
            action=e["action"],
            subject_type=e["subject_type"],
            subject_id=str(e["subject_id"]),
            before_digest=digest(e.get("before")),
            after_digest=digest(e.get("after")),
            cause=e.get("cause"),
            prev_hash=prev,
        )
        ev.hash = prev = chain_hash(prev, ev)
        rows.append(
            {
                c: getattr(ev, c)
                for c in (
                    "at",
                    "actor_id",
                    "actor_name",
                    "action",
                    "subject_type",
                    "subject_id",
                    "before_digest",
                    "after_digest",
                    "cause",
                    "prev_hash",
                    "hash",
                )
            }
        )
    from sqlalchemy import insert

    for start in range(0, len(rows), 5000):
        session.execute(insert(AuditEvent.__table__), rows[start : start + 5000])


@dataclass
class ChainReport:
    checked: int
    broken_at: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify_chain(session: Session, batch: int = 5000) -> ChainReport:
    """Walk the chain in order; report the first event whose link does not hold."""
    prev = GENESIS
    checked = 0
    last_id = 0
    while True:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
        ).all()
        if not rows:
            return ChainReport(checked)
        for ev in rows:
            if ev.prev_hash != prev:
                return ChainReport(checked, ev.id, "前一条记录缺失或被修改（链接不连续）")
            if chain_hash(prev, ev) != ev.hash:
                return ChainReport(checked, ev.id, "本条记录内容被修改（摘要不符）")
            prev = ev.hash
            checked += 1
            last_id = ev.id
        session.expunge_all()
